"""Conformance fixtures: FalconPy (the official SDK) logged in against the emulator, and the API spec."""

import json
import os
import socket

import pytest
from falcon_emulator.clients import DEFAULT_CLIENT
from falconpy import OAuth2

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC_COPY = os.path.join(HERE, 'swagger-subset.json')
LOOPBACK = ('127.0.0.1', 'localhost', '::1')


@pytest.fixture(scope='session')
def spec():
    """The Falcon API spec subset (the copy kept in this directory, so the repo is self-contained)."""
    with open(SPEC_COPY, encoding='utf-8') as handle:
        return json.load(handle)


@pytest.fixture
def lookups(monkeypatch):
    """Record every host name resolved during the test (on top of the loopback-only guard)."""
    seen = []
    guarded = socket.getaddrinfo

    def recording(host, *args, **kwargs):
        """Remember the name, then let the guard decide."""
        seen.append(host.decode() if isinstance(host, bytes) else host)
        return guarded(host, *args, **kwargs)

    monkeypatch.setattr(socket, 'getaddrinfo', recording)
    yield seen
    assert all(name in LOOPBACK for name in seen), 'non-loopback lookups: %r' % sorted(set(seen) - set(LOOPBACK))


def _login(emulator, client=DEFAULT_CLIENT, cloud='us-1', **kwargs):
    """An OAuth2 object with a fresh token from the emulator (FalconPy keeps the custom base_url)."""
    base_url = emulator.url_for(cloud)
    auth = OAuth2(client_id=client.client_id, client_secret=client.client_secret, base_url=base_url, **kwargs)
    result = auth.token()
    assert result['status_code'] == 201, result
    assert auth.base_url == base_url
    return auth


@pytest.fixture
def falconpy_login(lookups):  # pylint: disable=redefined-outer-name,unused-argument
    """Factory: falconpy_login(emulator, client=DEFAULT_CLIENT, cloud='us-1', **OAuth2 kwargs) -> logged-in OAuth2."""
    return _login


@pytest.fixture
def falcon_auth(falcon_emulator, lookups):  # pylint: disable=redefined-outer-name,unused-argument
    """FalconPy OAuth2 for DEFAULT_CLIENT on the emulator's us-1."""
    auth = _login(falcon_emulator)
    yield auth
    assert auth.base_url == falcon_emulator.url, 'FalconPy left the emulator for %s' % auth.base_url
