# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Signed falcon_hosts cache entries, and the file permissions of a file-based cache plugin. Internal use only.

A cached answer decides which address a play connects to and which device id a containment targets, so it is only
trusted when it carries an HMAC-SHA256 made with a key derived from the credentials: anyone able to edit the file
but without the client secret cannot forge one, and a bad or missing signature is a cache miss (the API is read
again). The entry holds the device records only, never the secret, the signing key or a token.
"""

import hashlib
import hmac
import json
import os
import stat

from ansible_collections.secops.falcon.plugins.module_utils._file_trust import untrusted_reason

ENTRY_FORMAT = 'secops.falcon.falcon_hosts.signed.v1'
KEY_LABEL = 'secops.falcon inventory cache signing v1'


def signing_key(settings):
    """A key of its own for the cache: HMAC-SHA256 keyed by the client secret (or the token given instead) over a
    label, the cloud or base URL, client id and member CID. It is never the secret itself, and never stored."""
    secret = settings.client_secret or settings.access_token or ''
    message = '\n'.join(
        [KEY_LABEL, settings.base_url or '', settings.cloud or '', settings.client_id or '', settings.member_cid or '']
    )
    return hmac.new(secret.encode('utf-8'), message.encode('utf-8'), hashlib.sha256).digest()


def _mac(key, cache_key, payload):
    """The signature of payload stored under cache_key (bound in, so an entry cannot be moved to another key)."""
    return hmac.new(key, ('%s\n%s' % (cache_key, payload)).encode('utf-8'), hashlib.sha256).hexdigest()


def seal(key, cache_key, data):
    """The entry to store for data: its JSON text and the signature of that exact text."""
    payload = json.dumps(data, sort_keys=True, separators=(',', ':'))
    return {'format': ENTRY_FORMAT, 'payload': payload, 'hmac': _mac(key, cache_key, payload)}


def unseal(key, cache_key, entry):
    """The data of an entry; ValueError (a cache miss) when it is not a signed entry or its signature is wrong."""
    if not isinstance(entry, dict) or entry.get('format') != ENTRY_FORMAT:
        raise ValueError('it is not a signed entry (written by an older version, or edited)')
    payload, mac = entry.get('payload'), entry.get('hmac')
    if not isinstance(payload, str) or not isinstance(mac, str):
        raise ValueError('its signature is missing')
    if not hmac.compare_digest(mac, _mac(key, cache_key, payload)):
        raise ValueError('its signature does not match (edited, or written with other credentials)')
    data = json.loads(payload)
    if not isinstance(data, dict):
        raise ValueError('its content is not an inventory answer')
    return data


def _stored_key(plugin, cache_key):
    """(the plugin that writes files, the key it writes cache_key under).

    From ansible-core 2.19 the loader wraps a cache plugin in a proxy that stores every key under a schema prefix
    (s1_ ...) and every value inside an envelope of its own; the file is named after that stored key, so the
    permission checks must look at that name, not at ours.
    """
    wrapped = getattr(plugin, '__wrapped__', None)
    to_stored = getattr(type(plugin), '_get_key', None)
    if wrapped is None or to_stored is None:
        return plugin, cache_key
    return wrapped, to_stored(cache_key)


def _file_paths(cache, cache_key):
    """(directory, entry path) of a file-based cache plugin (jsonfile, yaml, pickle ...); (None, None) otherwise."""
    plugin, cache_key = _stored_key(getattr(cache, '_plugin', None), cache_key)
    directory = getattr(plugin, '_cache_dir', None)
    name_of = getattr(plugin, '_get_cache_file_name', None)
    if not directory or name_of is None:
        return None, None
    return os.path.abspath(directory), name_of(cache_key)


def _unsafe(info, what, path):
    """Why a file or directory of the cache may not be trusted (another owner, others may write it); None if fine."""
    return untrusted_reason(info, what, path, 'the inventory')


def secure_directory(cache, cache_key):
    """Make the cache directory 0700 when it is ours; return why it may not be used (None when it may)."""
    directory, _path = _file_paths(cache, cache_key)
    if directory is None:
        return None
    try:
        info = os.stat(directory)
        if info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) != 0o700:
            # The device records are the fleet's map: nobody else needs to list or read them.
            os.chmod(directory, 0o700)
            info = os.stat(directory)
    except OSError as exc:
        return 'the cache directory %s cannot be used: %s' % (directory, exc.strerror or exc)
    if not stat.S_ISDIR(info.st_mode):
        return 'the cache directory %s is not a directory' % directory
    return _unsafe(info, 'the cache directory', directory)


def _entry(cache, cache_key):
    """(path, os.lstat of it) of the entry file of a file-based cache plugin: (None, None) for any other plugin, and
    (path, the OSError) when the file cannot be looked at (most often: it is absent)."""
    _directory, path = _file_paths(cache, cache_key)
    if path is None:
        return None, None
    try:
        return path, os.lstat(path)
    except OSError as exc:
        return path, exc


def entry_refusal(cache, cache_key):
    """Why the entry file may not be read (not a regular file, another owner, writable by others); None if fine."""
    path, info = _entry(cache, cache_key)
    if path is None or isinstance(info, OSError):
        return None  # no entry file, or absent: a plain miss
    if not stat.S_ISREG(info.st_mode):
        return 'the cache entry %s is not a regular file' % path
    return _unsafe(info, 'the cache entry', path)


def secure_entry(cache, cache_key):
    """Make the entry file 0600 once the cache plugin has written it (jsonfile makes it 0644)."""
    path, info = _entry(cache, cache_key)
    if path is None:
        return None
    problem = info if isinstance(info, OSError) else None
    if problem is None and stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid():
        try:
            os.chmod(path, 0o600)
        except OSError as exc:
            problem = exc
    if problem is not None:
        return 'could not make the cache entry %s private: %s' % (path, problem.strerror or problem)
    return None
