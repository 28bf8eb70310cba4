"""falcon_hosts: what a host reports is never evaluated, never clashes with reserved names; no secret on disk."""

import os

from falcon_emulator.clients import DEFAULT_CLIENT
from integration.hostile_hosts import make_hostile
from integration.inventory_cases.inventory_run import UNSAFE_KEY, falcon_env, run_inventory, run_play, write_config


def test_jinja_in_device_fields_is_never_evaluated(falcon_emulator, collections_root, tmp_path):
    markers = make_hostile(falcon_emulator, tmp_path)
    config = write_config(
        tmp_path,
        'hostile',
        compose={'site_copy': 'falcon_site_name'},
        keyed_groups=[{'key': 'falcon_site_name', 'prefix': 'site'}],
    )
    env = falcon_env(falcon_emulator)
    listed = run_inventory(config, env, collections_root, tmp_path)
    assert listed.rc == 0, listed.explain()
    hostile = [n for n in listed.hosts() if n.startswith('{{')]
    assert len(hostile) == 2
    run = run_play('jinja_play.yml', config, env, collections_root, tmp_path)
    assert run.rc == 0 and run.results, run.explain()
    shown = [m for m in run.results if m.startswith('{{')]
    assert len(shown) == 2
    # The raw text arrived untouched: names, variables, composed variables and tags alike.
    assert all("lookup('pipe', 'touch" in m and "{% if lookup" in m for m in shown)
    assert [p for p in markers if os.path.exists(p)] == []


def test_values_are_marked_unsafe_and_prefixed(falcon_emulator, collections_root, tmp_path):
    done = run_inventory(write_config(tmp_path, 'prod'), falcon_env(falcon_emulator), collections_root, tmp_path)
    assert done.rc == 0, done.explain()
    assert 'reserved' not in done.stderr.lower()
    record = falcon_emulator.devices()[0]
    hostvars = done.hosts()[record['hostname']]
    # tags and groups of the API keep their meaning under the prefix; Ansible's own names are untouched.
    assert hostvars['falcon_tags'] == record['tags'] and hostvars['falcon_groups'] == record['groups']
    assert 'tags' not in hostvars and 'groups' not in hostvars
    assert not [k for k in hostvars if not k.startswith('falcon_') and k != 'ansible_host']
    raw = done.raw['_meta']['hostvars'][record['hostname']]
    if isinstance(raw['falcon_hostname'], dict):  # ansible-core 2.19 shows the unsafe marker in --list output
        assert raw['falcon_hostname'] == {UNSAFE_KEY: record['hostname']}
        assert raw['falcon_tags'] == [{UNSAFE_KEY: t} for t in record['tags']]


def test_no_token_or_secret_in_the_inventory_cache_or_output(falcon_emulator, collections_root, tmp_path):
    cache = tmp_path / 'inventory-cache'
    config = write_config(
        tmp_path,
        'cached',
        cache=True,
        cache_plugin='ansible.builtin.jsonfile',
        cache_connection=str(cache),
        cache_timeout=600,
    )
    done = run_inventory(config, falcon_env(falcon_emulator), collections_root, tmp_path, args=('--list', '-vvvv'))
    assert done.rc == 0, done.explain()
    files = [os.path.join(str(cache), n) for n in os.listdir(str(cache))]
    assert files
    tokens = list(falcon_emulator.app.tokens._tokens)  # pylint: disable=protected-access  # every token issued
    assert len(tokens) == 1
    for path in files:
        with open(path, encoding='utf-8') as handle:
            text = handle.read()
        assert falcon_emulator.devices()[0]['device_id'] in text  # the records really are there
        assert DEFAULT_CLIENT.client_secret not in text and tokens[0] not in text
    assert DEFAULT_CLIENT.client_secret not in done.output and tokens[0][:40] not in done.output
