"""Injected faults, rate limits (429 with epoch-second retry-after), TLS, and errors that never leak tracebacks."""

import json
import ssl
import time
import urllib.request

import pytest
import requests
from falcon_emulator import Emulator, EmulatorConfig
from falcon_emulator.clients import DEFAULT_CLIENT
from falcon_emulator.faults import parse_faults

QUERY = '/devices/queries/devices/v1'


def test_error_burst_counts_down(falcon_emulator, api):
    """N 5xx on matching paths only, then normal answers; the error is an envelope."""
    falcon_emulator.configure(faults=[{'type': 'error', 'count': 2, 'status': 502, 'path': '/devices/*'}])
    assert api.get('/policy/queries/prevention/v1').status_code == 200
    first = api.get(QUERY)
    assert first.status_code == 502 and first.json()['errors'][0]['code'] == 502
    assert api.get(QUERY).status_code == 502
    assert api.get(QUERY).status_code == 200
    assert falcon_emulator.counters()['calls'][('GET ' + QUERY)] == 3


def test_drop_after_and_method(falcon_emulator, api):
    """A dropped connection closes without any response; 'after' lets requests through first; method filters."""
    falcon_emulator.configure(faults=[{'type': 'drop', 'count': 1, 'after': 1, 'method': 'GET', 'path': QUERY}])
    assert api.post('/devices/entities/devices/v2', json={'ids': ['a' * 32]}).status_code == 200
    assert api.get(QUERY).status_code == 200
    with pytest.raises(requests.ConnectionError):
        api.get(QUERY)
    assert api.get(QUERY).status_code == 200


def test_stall_and_latency(falcon_emulator, api):
    """A stall sleeps once before a normal answer; latency applies to every match until cleared."""
    falcon_emulator.configure(
        faults=[{'type': 'stall', 'seconds': 0.3}, {'type': 'latency', 'seconds': 0.1, 'path': QUERY}]
    )
    started = time.monotonic()
    assert api.get(QUERY).status_code == 200
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    assert api.get(QUERY).status_code == 200
    assert time.monotonic() - started >= 0.1
    with pytest.raises(requests.Timeout):
        falcon_emulator.configure(faults=[{'type': 'stall', 'seconds': 1.0}])
        api.session.get(api.base_url + QUERY, headers={'Authorization': 'Bearer ' + api.token}, timeout=0.3)
    falcon_emulator.configure(faults=[])
    assert api.get(QUERY).status_code == 200


def test_malformed_body(falcon_emulator, api):
    """A malformed fault sends a truncated JSON body (the request itself was handled)."""
    falcon_emulator.configure(faults={'type': 'malformed', 'count': 1, 'path': QUERY})
    reply = api.get(QUERY)
    with pytest.raises(ValueError):
        json.loads(reply.text)
    assert api.get(QUERY).json()['resources']


def test_429_storm(falcon_emulator, api):
    """A 429 storm carries X-Ratelimit-Retryafter in epoch seconds and stops by itself (no retry grace)."""
    falcon_emulator.configure(rate_limit_retry_grace=0, faults=[{'type': 'rate_limit', 'count': 2, 'retry_after': 2}])
    for _unused in range(2):
        reply = api.get(QUERY)
        assert reply.status_code == 429
        retry = int(reply.headers['X-Ratelimit-Retryafter'])
        assert time.time() < retry <= time.time() + 4
        assert reply.json()['errors'][0]['code'] == 429
    assert api.get(QUERY).status_code == 200


@pytest.mark.parametrize(
    'faults, problem',
    [
        ([{'type': 'explode'}], 'fault type must be one of'),
        ([{'type': 'error', 'count': -1}], 'count'),
        ([{'type': 'error', 'status': 200}], 'status'),
        ([{'type': 'stall'}], 'needs "seconds"'),
        ([{'type': 'drop', 'colour': 'red'}], "unknown key(s) colour"),
        ('drop', 'faults must be a list'),
    ],
)
def test_bad_faults_are_refused(faults, problem):
    """Fault dicts are validated with messages naming the problem."""
    with pytest.raises(ValueError) as caught:
        parse_faults(faults)
    assert problem in str(caught.value)


def test_api_rate_limit_per_cid(emulator_factory, api_for):
    """Authenticated calls are limited per CID per minute; the 429 says when to retry (epoch seconds)."""
    emulator = emulator_factory(hosts=5, api_rate_limit=3)
    api = api_for(emulator)
    remaining = [int(api.get(QUERY).headers['X-Ratelimit-Remaining']) for _unused in range(3)]
    assert remaining == [2, 1, 0]
    limited = api.get(QUERY)
    assert limited.status_code == 429
    assert limited.headers['X-Ratelimit-Limit'] == '3'
    assert time.time() < int(limited.headers['X-Ratelimit-Retryafter']) <= time.time() + 61
    emulator.configure(api_rate_limit=None)
    assert api.get(QUERY).status_code == 200


def test_token_rate_limit_per_ip(emulator_factory, api_for):
    """POST /oauth2/token is limited per client IP (15/min in the CLI; off in the fixture)."""
    emulator = emulator_factory(hosts=5, token_rate_limit=2)
    api = api_for(emulator, login=False)
    assert [api.login().status_code for _unused in range(3)] == [201, 201, 429]
    assert emulator.counters()['token_requests'][DEFAULT_CLIENT.client_id] == 3


def test_internal_error_is_an_envelope(falcon_emulator, api, monkeypatch, capsys):
    """A handler crash answers 500 with an envelope and no traceback in the body."""

    def boom(*_args):
        raise RuntimeError('secret internals')

    monkeypatch.setitem(falcon_emulator.app.routes, ('GET', QUERY), (boom, 'devices:read'))
    reply = api.get(QUERY)
    assert reply.status_code == 500
    assert 'Traceback' not in reply.text and 'secret internals' not in reply.text
    assert reply.json()['errors'][0]['code'] == 500
    assert 'RuntimeError' in capsys.readouterr().err


def test_unknown_path_and_method(api):
    """Unknown path: 404 envelope; known path with the wrong method: 405."""
    missing = api.get('/devices/queries/nothing/v9')
    assert missing.status_code == 404 and missing.json()['errors'][0]['code'] == 404
    assert api.call('DELETE', QUERY).status_code == 405


def test_tls(emulator_factory, api_for):
    """HTTPS with a generated CA: verified with ca_path, refused without it."""
    emulator = emulator_factory(hosts=5, tls=True)
    assert emulator.url.startswith('https://127.0.0.1:')
    api = api_for(emulator)
    assert api.get(QUERY).status_code == 200
    context = ssl.create_default_context(cafile=emulator.ca_path)
    for host in ('127.0.0.1', 'localhost'):
        url = emulator.url.replace('127.0.0.1', host) + '/_emulator/counters'
        with urllib.request.urlopen(url, context=context, timeout=10) as reply:  # nosec - loopback only
            assert reply.status == 200
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(emulator.url + '/_emulator/counters', context=ssl.create_default_context(), timeout=10)  # nosec


def test_stop_closes_listeners():
    """After stop() nothing answers on the old port, keep-alive connections included."""
    emulator = Emulator(EmulatorConfig(hosts=1)).start()
    session = requests.Session()
    session.trust_env = False
    assert session.get(emulator.url + '/_emulator/counters', timeout=5).status_code == 200
    emulator.stop()
    with pytest.raises(requests.ConnectionError):
        session.get(emulator.url + '/_emulator/counters', timeout=5)
    session.close()


def test_bad_settings_are_refused(falcon_emulator):
    """configure() and EmulatorConfig validate values and keys."""
    with pytest.raises(ValueError, match='containment_delay'):
        falcon_emulator.configure(containment_delay=-1)
    with pytest.raises(ValueError, match='unknown emulator setting'):
        falcon_emulator.configure(colour='red')
    with pytest.raises(ValueError, match='hosts must be'):
        Emulator(EmulatorConfig(hosts=100001))
    with pytest.raises(ValueError, match='region_header'):
        falcon_emulator.configure(region_header='sometimes')
