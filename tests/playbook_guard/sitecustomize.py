"""Loopback-only name resolution for every Python process a test or benchmark starts (ansible-playbook and its modules).

tests/playbook_runner.py puts this directory on PYTHONPATH, so Python imports this file at start-up. A lookup of any
name other than loopback is refused before a packet leaves the machine, and the name is appended to the file named by
FALCON_TEST_DNS_LOG, so a test can prove that bad input failed before any lookup was attempted.
"""

import os
import socket

_LOOPBACK_NAMES = frozenset(['localhost', 'ip6-localhost', '::1'])
_real_getaddrinfo = socket.getaddrinfo


def _is_loopback(name):
    """True for localhost, ::1 and 127.0.0.0/8 literals."""
    return name in _LOOPBACK_NAMES or name.startswith('127.')


def _record(name):
    """Append a refused name to the log the test reads (best effort: never break the process)."""
    path = os.environ.get('FALCON_TEST_DNS_LOG')
    if not path:
        return
    try:
        with open(path, 'a', encoding='utf-8') as handle:
            handle.write('%s\n' % name)
    except OSError:
        pass


def _guarded_getaddrinfo(host, *args, **kwargs):
    """Resolve loopback only; refuse (and record) anything else."""
    name = host.decode() if isinstance(host, bytes) else host
    if name is not None and not _is_loopback(str(name)):
        _record(name)
        raise socket.gaierror(socket.EAI_NONAME, 'test network guard: lookup of %r refused (loopback only)' % (name,))
    return _real_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _guarded_getaddrinfo
