"""Concurrency: many forks share one token; a process killed at the worst moment leaves a usable token cache."""

import fcntl
import os
import signal
import subprocess
import sys
import time

from falcon_emulator.clients import DEFAULT_CLIENT
from playbook_runner import GUARD_DIR, local_inventory
from reliability_steps import TOKEN, assert_ok, step

from ansible_collections.secops.falcon.plugins.module_utils._token_cache import decrypt_entry

FORKS = 20

# A process that issues a token into a cache directory with the collection's own client; with die-before-rename it
# is killed (SIGKILL) right after writing and syncing its temporary file, before the rename that publishes it.
CHILD = '''
import os, signal, sys
from ansible_collections.secops.falcon.plugins.module_utils._http import FalconClient
mode, cache_dir, base_url = sys.argv[1:4]
if mode == 'die-before-rename':
    os.replace = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
client = FalconClient({'client_id': os.environ['FALCON_CLIENT_ID'], 'client_secret': os.environ['FALCON_CLIENT_SECRET'],
                       'base_url': base_url, 'token_cache_dir': cache_dir, 'timeout': 120, 'retries': 0})
client.token()
'''


def cache_entries(directory):
    """{file name: bytes} of the token entries (*.token) in a cache directory."""
    out = {}
    for name in os.listdir(directory):
        if name.endswith('.token'):
            with open(os.path.join(directory, name), 'rb') as handle:
                out[name] = handle.read()
    return out


def live_token(emulator, directory):
    """The token of the single entry in directory, checked to be one the emulator accepts."""
    entries = cache_entries(directory)
    assert len(entries) == 1, sorted(os.listdir(directory))
    name, data = entries.popitem()
    token = decrypt_entry(DEFAULT_CLIENT.client_secret, name[: -len('.token')], data)
    assert emulator.app.tokens.lookup(token.access_token, 'us-1') is not None
    return token


def start_child(mode, cache_dir, emulator, collections_root):
    """Start CHILD in a new Python with only the emulator's credentials in its environment."""
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('FALCON_', 'ANSIBLE_')))
    env.update(
        {
            'PYTHONPATH': os.pathsep.join([collections_root, GUARD_DIR]),
            'FALCON_CLIENT_ID': DEFAULT_CLIENT.client_id,
            'FALCON_CLIENT_SECRET': DEFAULT_CLIENT.client_secret,
        }
    )
    return subprocess.Popen(
        [sys.executable, '-c', CHILD, mode, cache_dir, emulator.url],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def lock_is_held(directory):
    """True when some process holds the flock of a *.lock file in directory."""
    for name in os.listdir(directory):
        if not name.endswith('.lock'):
            continue
        fd = os.open(os.path.join(directory, name), os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(fd, fcntl.LOCK_UN)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
    return False


def wait_for(predicate, what, timeout=60):
    """Poll predicate until true; fail the test naming what did not happen."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, 'timed out waiting until %s' % what
        time.sleep(0.05)


def test_twenty_forks_share_one_token(falcon_emulator, play, tmp_path):
    """20 hosts, forks 20, a slow token endpoint: exactly one token request, one intact cache entry, 20 successes."""
    # A slow token endpoint keeps the first request in flight while the other forks arrive and queue on the lock.
    falcon_emulator.configure(faults=[{'type': 'latency', 'seconds': 1.0, 'path': '/oauth2/token'}])
    env = {
        'FALCON_CLIENT_ID': DEFAULT_CLIENT.client_id,
        'FALCON_CLIENT_SECRET': DEFAULT_CLIENT.client_secret,
        'FALCON_BASE_URL': falcon_emulator.url,
    }
    run = play('race', env, inventory=local_inventory(tmp_path, FORKS), cli_args=['--forks', str(FORKS)])
    assert run.rc == 0, run.explain()
    assert 'Traceback' not in run.output
    assert len(run.results) == FORKS
    for result in run.results:
        assert not result.get('failed'), result.get('msg')
        assert len(result['devices']) == 1
        assert not result.get('warnings'), result['warnings']
    counters = falcon_emulator.counters()
    assert counters['token_requests_total'] == 1
    assert counters['calls']['POST /devices/entities/devices/v2'] == FORKS
    live_token(falcon_emulator, str(tmp_path / 'token-cache'))


def test_killed_processes_leave_a_usable_cache(falcon_emulator, run_steps, collections_root, tmp_path):
    """SIGKILL while holding the lock, SIGKILL after writing the temp file, a torn entry: the next task still works."""
    held, temp_left, torn = (str(tmp_path / name) for name in ('held-lock', 'temp-file', 'torn-entry'))

    # 1. Killed while minting: the token endpoint stalls, so the child sits in the token request holding the lock.
    falcon_emulator.configure(faults=[{'type': 'stall', 'seconds': 60, 'count': 1, 'path': '/oauth2/token'}])
    child = start_child('mint', held, falcon_emulator, collections_root)
    wait_for(lambda: os.path.isdir(held) and lock_is_held(held), 'the child holds the cache lock')
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=30)
    assert not lock_is_held(held)  # the kernel released it with the process
    falcon_emulator.configure(faults=[])

    # 2. Killed after writing and syncing the temporary file, before the rename that publishes the entry.
    child = start_child('die-before-rename', temp_left, falcon_emulator, collections_root)
    child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL
    leftovers = os.listdir(temp_left)
    assert any(name.endswith('.tmp') for name in leftovers) and not cache_entries(temp_left), leftovers

    # 3. A torn entry (half the bytes), as a writer without the atomic rename would leave it.
    child = start_child('mint', torn, falcon_emulator, collections_root)
    _out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    entries = cache_entries(torn)
    assert len(entries) == 1, entries
    name, data = entries.popitem()
    with open(os.path.join(torn, name), 'wb') as handle:
        handle.write(data[: len(data) // 2])

    steps = run_steps(
        falcon_emulator,
        [
            step('after a kill holding the lock', 'device_info', {'token_cache_dir': held}),
            step('after a kill before the rename', 'device_info', {'token_cache_dir': temp_left}),
            step('after a torn entry', 'device_info', {'token_cache_dir': torn}),
            step('torn entry replaced', 'device_info', {'token_cache_dir': torn}),
        ],
    )
    for label, directory in (
        ('after a kill holding the lock', held),
        ('after a kill before the rename', temp_left),
        ('after a torn entry', torn),
    ):
        result = assert_ok(steps, label, devices=50)
        # One new token, and no waiting out a dead process's lock (that would warn).
        assert steps.calls(label, TOKEN) == 1, label
        assert not result.get('warnings'), (label, result['warnings'])
        live_token(falcon_emulator, directory)
    assert_ok(steps, 'torn entry replaced', devices=50)
    assert steps.calls('torn entry replaced', TOKEN) == 0
