"""The falcon_alerts source against the emulator over a real socket: events, restarts, scope, filter and fault handling.

The source's main() runs in this process (its asyncio loop, worker threads and the shared HTTP core); only the waits
between polls are recorded instead of slept, and the HTTP client's own retry pauses are skipped.
"""

import pytest
from eda_fakes import run_source  # pylint: disable=wrong-import-order
from falcon_emulator.clients import DEFAULT_CLIENT, NOSCOPE_CLIENT

from ansible_collections.secops.falcon.plugins.module_utils import _alert_stream as stream

POLLS = 'POST /alerts/combined/alerts/v1'


@pytest.fixture
def emulator_args(falcon_emulator, tmp_path, monkeypatch):
    """Source arguments for DEFAULT_CLIENT on the emulator, new critical alerts only."""
    from ansible_collections.secops.falcon.plugins.module_utils import _http

    monkeypatch.setattr(_http, '_sleep', lambda seconds: None)
    for name in ('HTTPS_PROXY', 'HTTP_PROXY', 'REQUESTS_CA_BUNDLE', 'SSL_CERT_FILE', 'CURL_CA_BUNDLE'):
        monkeypatch.delenv(name, raising=False)
    cache = tmp_path / 'token-cache'
    cache.mkdir(mode=0o700)
    return {
        'client_id': DEFAULT_CLIENT.client_id,
        'client_secret': DEFAULT_CLIENT.client_secret,
        'base_url': falcon_emulator.url,
        'filter': "status:'new'",
        'min_severity': 90,
        'interval': 2,
        # The emulator's seeded alerts are history: a first start sends none of them.
        'initial_lookback': 0,
        'reconcile_interval': 0,  # alert events only (test_falcon_alerts_cap.py tests the reconcile events)
        'state_file': str(tmp_path / 'falcon_alerts.json'),
        'token_cache_dir': str(cache),
    }


def test_new_critical_alerts_become_events_once(falcon_emulator, emulator_args, source_module, monkeypatch):
    seeded = [a for a in falcon_emulator.alerts() if a['status'] == 'new' and a['severity'] >= 90]
    assert seeded, 'the seeded alerts hold no new critical one to ignore on the first start'
    queue = run_source(source_module, emulator_args, monkeypatch=monkeypatch)[0]
    assert queue.events == []

    host = falcon_emulator.devices()[3]
    raised = falcon_emulator.add_alert(device_id=host['device_id'], severity=95)
    falcon_emulator.add_alert(device_id=host['device_id'], severity=40)
    queue = run_source(source_module, emulator_args, pauses=2, monkeypatch=monkeypatch)[0]
    assert [e['summary']['composite_id'] for e in queue.events] == [raised['composite_id']]
    event = queue.events[0]
    assert 'hostname' not in event['summary'] and event['summary']['device_id'] == host['device_id']
    assert event['meta']['uuid'] == stream.make_event(raised)['meta']['uuid']

    falcon_emulator.reset_counters()
    queue = run_source(source_module, emulator_args, pauses=2, monkeypatch=monkeypatch)[0]
    assert queue.events == []
    # One call per poll: the combined endpoint returns the records themselves.
    assert falcon_emulator.counters()['calls'] == {POLLS: 2}


def test_a_missing_alerts_scope_stops_the_source(falcon_emulator, emulator_args, source_module, monkeypatch):
    args = dict(emulator_args, client_id=NOSCOPE_CLIENT.client_id, client_secret=NOSCOPE_CLIENT.client_secret)
    with pytest.raises(stream.AlertSourceError) as err:
        run_source(source_module, args, monkeypatch=monkeypatch)
    assert 'scope not permitted' in str(err.value) and 'alerts:read' in str(err.value)
    assert NOSCOPE_CLIENT.client_secret not in str(err.value)


def test_a_filter_the_api_refuses_is_named(falcon_emulator, emulator_args, source_module, monkeypatch):
    args = dict(emulator_args, filter="colour:'red'")
    with pytest.raises(stream.AlertSourceError) as err:
        run_source(source_module, args, monkeypatch=monkeypatch)
    assert 'HTTP 400' in str(err.value) and "Check the filter colour:'red'" in str(err.value)


def test_a_wrong_secret_stops_the_source(falcon_emulator, emulator_args, source_module, monkeypatch):
    args = dict(emulator_args, client_secret='WrongSecret0000000000000000000000000001')
    with pytest.raises(stream.AlertSourceError) as err:
        run_source(source_module, args, monkeypatch=monkeypatch)
    assert 'Falcon refused to issue a token' in str(err.value) and 'WrongSecret' not in str(err.value)


def test_an_outage_is_waited_out(falcon_emulator, emulator_args, source_module, monkeypatch):
    run_source(source_module, emulator_args, monkeypatch=monkeypatch)
    raised = falcon_emulator.add_alert(severity=99)
    # Eight 503s are two rounds of the client's four tries; then a dropped connection round, then it answers.
    falcon_emulator.configure(
        faults=[
            {'type': 'error', 'status': 503, 'count': 8, 'path': '/alerts/*'},
            {'type': 'drop', 'count': 4, 'path': '/alerts/*'},
        ]
    )
    falcon_emulator.reset_counters()
    queue, waits = run_source(source_module, emulator_args, pauses=4, monkeypatch=monkeypatch)
    assert [e['summary']['composite_id'] for e in queue.events] == [raised['composite_id']]
    assert len(waits) == 4 and waits[3] == emulator_args['interval']
    assert falcon_emulator.counters()['calls'][POLLS] == 13
