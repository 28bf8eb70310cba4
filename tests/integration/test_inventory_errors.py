"""falcon_hosts errors: every one a clear inventory parse error (never a traceback); a 403 on host groups only warns."""

import os

import pytest
from falcon_emulator.clients import DEFAULT_CLIENT, DEVICES_ONLY_CLIENT, NOSCOPE_CLIENT
from integration.inventory_cases.inventory_run import falcon_env, run_inventory, write_config


def _static_inventory(work_dir):
    """A second, plain inventory source with one host."""
    path = os.path.join(str(work_dir), 'static.yml')
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write('all:\n  hosts:\n    static-host: {}\n')
    return path


def test_403_on_host_groups_warns_and_goes_on(falcon_emulator, collections_root, tmp_path):
    env = falcon_env(falcon_emulator, DEVICES_ONLY_CLIENT)
    done = run_inventory(write_config(tmp_path, 'noscope'), env, collections_root, tmp_path)
    assert done.rc == 0, done.explain()
    assert len(done.hosts()) == len(falcon_emulator.devices())
    assert not [g for g in done.data if g.startswith('falcon_host_group_')]
    assert 'host-group:read' in done.stderr
    assert done.group('falcon_platform_windows')  # the other groups are all there
    strict = run_inventory(write_config(tmp_path, 'strict', strict_permissions=True), env, collections_root, tmp_path)
    assert strict.rc != 0
    assert 'host-group:read' in strict.stderr and 'Traceback' not in strict.output


@pytest.mark.parametrize(
    'client, options, expected',
    [
        (
            DEFAULT_CLIENT._replace(client_secret='WrongSecret00000000000000000000000000009'),
            {},
            'refused to issue a token',
        ),
        (NOSCOPE_CLIENT, {}, 'devices:read'),
        (DEFAULT_CLIENT, {'filter': "nonsense_field:'x'"}, "nonsense_field:'x'"),
        (DEFAULT_CLIENT, {'duplicates': 'oldest'}, 'oldest'),
        (DEFAULT_CLIENT, {'last_seen_within': 'a week'}, "'a week'"),
        (DEFAULT_CLIENT, {'vars_prefix': ''}, 'vars_prefix'),
        (DEFAULT_CLIENT, {'member_cids': ['not-a-cid']}, "'not-a-cid'"),
        (DEFAULT_CLIENT, {'builtin_groups': ['platform', 'colour']}, "'colour'"),
        (DEFAULT_CLIENT, {'hostnames': ['host name']}, "'host name'"),
        (DEFAULT_CLIENT, {'base_url': 'http://falcon.example.com'}, 'plain http'),
    ],
    ids=[
        'bad-secret',
        'missing-scope',
        'bad-filter',
        'bad-duplicates',
        'bad-duration',
        'empty-prefix',
        'bad-member-cid',
        'bad-group-kind',
        'bad-hostnames',
        'plain-http',
    ],
)
def test_errors_fail_the_parse_with_a_clear_message(
    falcon_emulator, collections_root, tmp_path, client, options, expected
):
    env = falcon_env(falcon_emulator, client)
    done = run_inventory(write_config(tmp_path, 'bad', **options), env, collections_root, tmp_path)
    assert done.rc != 0
    assert 'falcon_hosts' in done.stderr and expected in done.stderr, done.explain()
    assert 'Traceback' not in done.output
    assert 'WrongSecret' not in done.output


def test_a_failed_source_leaves_the_others(falcon_emulator, collections_root, tmp_path):
    env = falcon_env(falcon_emulator, NOSCOPE_CLIENT)
    sources = [write_config(tmp_path, 'refused'), _static_inventory(tmp_path)]
    # Ansible's own rule: without inventory_any_unparsed_is_failed the other source still counts.
    lenient = run_inventory(sources, env, collections_root, tmp_path, strict=False)
    assert lenient.rc == 0, lenient.explain()
    assert lenient.group('ungrouped') == ['static-host'] and not lenient.hosts()
    assert 'devices:read' in lenient.stderr
    strict = run_inventory(sources, env, collections_root, tmp_path, strict=True)
    assert strict.rc != 0
