"""falcon_hosts: the inventory cache is signed (an edited entry is a miss), private (0700/0600) and owner-checked."""

import json
import os
import stat

from falcon_emulator.clients import DEFAULT_CLIENT
from integration.inventory_cases.inventory_run import falcon_env, run_inventory, write_config

REDIRECT = '198.51.100.66'


def _cached_config(tmp_path, cache_dir):
    """A source with a jsonfile inventory cache in cache_dir."""
    return write_config(
        tmp_path,
        'signed',
        cache=True,
        cache_plugin='ansible.builtin.jsonfile',
        cache_connection=str(cache_dir),
        cache_timeout=600,
    )


def _entry(cache_dir):
    """The path of the only cache entry."""
    names = os.listdir(str(cache_dir))
    assert len(names) == 1, names
    return os.path.join(str(cache_dir), names[0])


# From ansible-core 2.19 the cache plugin's loader wraps each value: {"__payload__": "<the value as JSON>"}.
CORE_ENVELOPE = '__payload__'


def _read_entry(path):
    """Our signed entry from the file, and whether the core wrapped it in its envelope."""
    with open(path, encoding='utf-8') as handle:
        stored = json.load(handle)
    if set(stored) == {CORE_ENVELOPE}:
        return json.loads(stored[CORE_ENVELOPE]), True
    return stored, False


def _write_entry(path, entry, wrapped):
    """Write an (edited) entry back in the envelope it was read from."""
    stored = {CORE_ENVELOPE: json.dumps(entry)} if wrapped else entry
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(stored, handle)


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_new_cache_files_are_private_and_signed(falcon_emulator, collections_root, tmp_path):
    cache = tmp_path / 'inv-cache'
    cache.mkdir(mode=0o755)
    os.chmod(str(cache), 0o755)  # as the jsonfile plugin (and an older release) left it
    done = run_inventory(_cached_config(tmp_path, cache), falcon_env(falcon_emulator), collections_root, tmp_path)
    assert done.rc == 0, done.explain()
    path = _entry(cache)
    assert _mode(str(cache)) == 0o700 and _mode(path) == 0o600
    entry, _wrapped = _read_entry(path)
    assert sorted(entry) == ['format', 'hmac', 'payload']
    assert DEFAULT_CLIENT.client_secret not in entry['payload'] and DEFAULT_CLIENT.client_secret not in entry['hmac']


def test_an_edited_entry_is_refetched_and_the_edit_never_used(falcon_emulator, collections_root, tmp_path):
    cache = tmp_path / 'inv-cache'
    env = falcon_env(falcon_emulator, cache_dir=tmp_path / 'token-cache')
    config = _cached_config(tmp_path, cache)
    first = run_inventory(config, env, collections_root, tmp_path)
    assert first.rc == 0, first.explain()
    name, hostvars = sorted(first.hosts().items())[0]
    path = _entry(cache)
    entry, wrapped = _read_entry(path)
    assert hostvars['ansible_host'] in entry['payload']
    # Redirect the host's address and remap its device id, as an attacker who can write the file would.
    entry['payload'] = entry['payload'].replace(hostvars['ansible_host'], REDIRECT)
    entry['payload'] = entry['payload'].replace(hostvars['falcon_device_id'], 'f' * 32)
    _write_entry(path, entry, wrapped)
    falcon_emulator.reset_counters()
    second = run_inventory(config, env, collections_root, tmp_path)
    assert second.rc == 0, second.explain()
    assert falcon_emulator.counters()['calls_total'] > 0  # a miss: the API was read again
    assert second.hosts()[name]['ansible_host'] == hostvars['ansible_host']
    assert second.hosts()[name]['falcon_device_id'] == hostvars['falcon_device_id']
    assert REDIRECT not in second.stdout and 'f' * 32 not in second.stdout
    assert 'signature does not match' in second.stderr
    # The entry was replaced by a signed one: the next run reads it without a call.
    falcon_emulator.reset_counters()
    third = run_inventory(config, env, collections_root, tmp_path)
    assert third.rc == 0 and third.hosts() == first.hosts(), third.explain()
    assert falcon_emulator.counters()['calls_total'] == 0 and 'signature' not in third.stderr


def test_an_entry_others_may_write_is_not_read(falcon_emulator, collections_root, tmp_path):
    cache = tmp_path / 'inv-cache'
    env = falcon_env(falcon_emulator, cache_dir=tmp_path / 'token-cache')
    config = _cached_config(tmp_path, cache)
    assert run_inventory(config, env, collections_root, tmp_path).rc == 0
    path = _entry(cache)
    os.chmod(path, 0o666)
    falcon_emulator.reset_counters()
    again = run_inventory(config, env, collections_root, tmp_path)
    assert again.rc == 0, again.explain()
    assert 'writable by group or others' in again.stderr
    assert falcon_emulator.counters()['calls_total'] > 0
    assert _mode(path) == 0o600  # replaced by a private entry
