"""Shared pytest setup for every suite: loopback-only network, the collection loader, emulator fixtures."""

import os
import socket
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(HERE)
# tests/ for the shared playbook_runner, tests/emulator for the emulator package.
sys.path[:0] = [HERE, os.path.join(HERE, 'emulator')]

from env_guard import clear_connection_environment  # noqa: E402  (needs tests/ on sys.path, just above)

# No FALCON_* setting or proxy of the machine reaches a test or any process it starts (tests/env_guard.py).
clear_connection_environment(os.environ)

# Fixtures that start the local Falcon API emulator (falcon_emulator, emulator_env ...).
pytest_plugins = ['falcon_emulator.pytest_plugin']

LOOPBACK_NAMES = frozenset(['localhost', '127.0.0.1', '::1', 'ip6-localhost'])
_real_getaddrinfo = socket.getaddrinfo


def _loopback_only_getaddrinfo(host, *args, **kwargs):
    """Refuse to resolve any name but loopback, so no test can reach a real Falcon cloud."""
    name = host.decode() if isinstance(host, bytes) else host
    if name is not None and name not in LOOPBACK_NAMES and not str(name).startswith('127.'):
        raise socket.gaierror(socket.EAI_NONAME, 'test network guard: lookup of %r refused (loopback only)' % (name,))
    return _real_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _loopback_only_getaddrinfo


@pytest.fixture(autouse=True)
def _network_guard():
    """Keep the guard installed even if a test or library replaced getaddrinfo."""
    socket.getaddrinfo = _loopback_only_getaddrinfo
    yield
    socket.getaddrinfo = _loopback_only_getaddrinfo


def _collections_root():
    """Return a directory holding ansible_collections/secops/falcon for this checkout."""
    parts = REPO_ROOT.split(os.sep)
    if len(parts) >= 3 and parts[-3:-2] == ['ansible_collections']:
        return os.sep.join(parts[:-3])
    root = os.path.join(REPO_ROOT, ".ansible", "dev-collections")
    link = os.path.join(root, 'ansible_collections', 'secops', 'falcon')
    if not os.path.islink(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        try:
            os.symlink(REPO_ROOT, link)
        except FileExistsError:  # another pytest worker made it first
            pass
    return root


COLLECTIONS_ROOT = _collections_root()
os.environ['ANSIBLE_COLLECTIONS_PATH'] = COLLECTIONS_ROOT


def pytest_configure(config):  # pylint: disable=unused-argument
    """Make ansible_collections.secops.falcon importable (the same finder ansible-test installs)."""
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

    if any(isinstance(f, _AnsibleCollectionFinder) for f in sys.meta_path):
        return
    _AnsibleCollectionFinder(paths=[COLLECTIONS_ROOT])._install()  # pylint: disable=protected-access


@pytest.fixture(scope='session')
def collections_root():
    """The directory to put on ANSIBLE_COLLECTIONS_PATH for ansible-playbook runs."""
    return COLLECTIONS_ROOT
