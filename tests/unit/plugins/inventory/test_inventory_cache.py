"""The falcon_hosts cache: signed entries (an edit is a miss), private files, owner checks."""

import json
import os
import stat

import pytest

from ansible_collections.secops.falcon.plugins.plugin_utils import _inventory_cache as cache

SECRET = 's3cr3t-' + 'x' * 33


class _Settings:
    def __init__(self, secret=SECRET, client_id='0' * 32, cloud='us-1'):
        self.client_secret = secret
        self.access_token = None
        self.base_url = None
        self.cloud = cloud
        self.client_id = client_id
        self.member_cid = None


class _FilePlugin:
    """What the plugin reads of a file-based cache plugin (jsonfile)."""

    def __init__(self, directory):
        self._cache_dir = str(directory)

    def _get_cache_file_name(self, key):
        return os.path.join(self._cache_dir, key)


class _Adjudicator:
    def __init__(self, directory):
        self._plugin = _FilePlugin(directory)


DATA = {'tenants': [{'devices': [{'device_id': 'a' * 32, 'local_ip': '10.0.0.5'}]}], 'warnings': [], 'fetched_at': 1.5}


def test_a_sealed_entry_round_trips_and_holds_no_secret():
    key = cache.signing_key(_Settings())
    entry = cache.seal(key, 'k1', DATA)
    assert cache.unseal(key, 'k1', json.loads(json.dumps(entry))) == DATA
    assert SECRET not in json.dumps(entry) and key.hex() not in json.dumps(entry)


@pytest.mark.parametrize(
    'tamper',
    [
        lambda e: dict(e, payload=e['payload'].replace('10.0.0.5', '198.51.100.66')),
        lambda e: dict(e, payload=e['payload'].replace('a' * 32, 'f' * 32)),
        lambda e: dict(e, hmac='0' * 64),
        lambda e: {k: v for k, v in e.items() if k != 'hmac'},
        lambda e: json.loads(e['payload']),  # an unsigned (older release) entry
    ],
    ids=['address', 'device_id', 'signature', 'no_signature', 'unsigned'],
)
def test_an_edited_or_unsigned_entry_is_refused(tamper):
    key = cache.signing_key(_Settings())
    with pytest.raises(ValueError):
        cache.unseal(key, 'k1', tamper(cache.seal(key, 'k1', DATA)))


def test_other_credentials_or_another_key_never_verify():
    entry = cache.seal(cache.signing_key(_Settings()), 'k1', DATA)
    for settings in (_Settings(secret='other'), _Settings(client_id='1' * 32), _Settings(cloud='eu-1')):
        with pytest.raises(ValueError):
            cache.unseal(cache.signing_key(settings), 'k1', entry)
    with pytest.raises(ValueError):
        cache.unseal(cache.signing_key(_Settings()), 'k2', entry)  # moved to another source's key


def test_the_directory_is_made_private_and_entries_0600(tmp_path):
    directory = tmp_path / 'c'
    directory.mkdir()
    os.chmod(str(directory), 0o755)
    adjudicator = _Adjudicator(directory)
    assert cache.secure_directory(adjudicator, 'k1') is None
    assert stat.S_IMODE(os.stat(str(directory)).st_mode) == 0o700
    path = directory / 'k1'
    path.write_text('{}')
    os.chmod(str(path), 0o644)
    assert cache.secure_entry(adjudicator, 'k1') is None
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600


def test_an_entry_others_may_write_or_not_a_file_is_refused(tmp_path):
    adjudicator = _Adjudicator(tmp_path)
    assert cache.entry_refusal(adjudicator, 'absent') is None
    path = tmp_path / 'k1'
    path.write_text('{}')
    os.chmod(str(path), 0o620)
    assert 'writable by group or others' in cache.entry_refusal(adjudicator, 'k1')
    os.symlink(str(path), str(tmp_path / 'link'))
    assert 'not a regular file' in cache.entry_refusal(adjudicator, 'link')


def test_an_entry_or_directory_of_another_uid_is_refused(tmp_path, monkeypatch):
    adjudicator = _Adjudicator(tmp_path)
    path = tmp_path / 'k1'
    path.write_text('{}')
    os.chmod(str(path), 0o600)
    os.chmod(str(tmp_path), 0o700)
    monkeypatch.setattr(cache.os, 'geteuid', lambda: os.stat(str(path)).st_uid + 1)
    assert 'owned by uid' in cache.entry_refusal(adjudicator, 'k1')
    assert 'owned by uid' in cache.secure_directory(adjudicator, 'k1')


def test_a_cache_plugin_without_files_is_left_alone():
    class _Memory:
        _plugin = object()

    assert cache.secure_directory(_Memory(), 'k') is None
    assert cache.entry_refusal(_Memory(), 'k') is None
    assert cache.secure_entry(_Memory(), 'k') is None


class _SchemaProxy:
    """As ansible-core 2.19+ wraps a cache plugin: the file is named after a schema-prefixed key."""

    def __init__(self, plugin):
        self.__wrapped__ = plugin

    @classmethod
    def _get_key(cls, key):
        return 's1_' + key


def test_the_files_of_a_wrapped_cache_plugin_are_found_by_their_stored_name(tmp_path):
    adjudicator = _Adjudicator(tmp_path)
    adjudicator._plugin = _SchemaProxy(_FilePlugin(tmp_path))
    stored = tmp_path / 's1_k1'
    stored.write_text('{}')
    os.chmod(str(stored), 0o666)
    assert 'writable by group or others' in cache.entry_refusal(adjudicator, 'k1')
    assert cache.secure_entry(adjudicator, 'k1') is None
    assert stat.S_IMODE(os.stat(str(stored)).st_mode) == 0o600
