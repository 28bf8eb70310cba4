"""Unit tests of the falcon_alerts event source: watermark, de-duplication, restarts, paging, retries and errors.

HTTP is faked at the one seam (requests.Session, see conftest.py); the source runs its real asyncio loop.
"""

import asyncio
import json
import logging
import os
import stat
import subprocess
import sys
import uuid

import pytest
import requests
from eda_fakes import (  # pylint: disable=wrong-import-order
    CLIENT_SECRET,
    COLLECTION,
    SOURCE_FILE,
    FakeSession,
    ListQueue,
    Stop,
    alert,
    api_body,
    make_response,
    run_source,
)

from ansible_collections.secops.falcon.plugins.module_utils import _alert_stream as stream

T0 = '2026-12-01T20:00:00.000Z'


def at(seconds):
    """An alert timestamp `seconds` after T0."""
    return stream.format_time(stream.parse_time(T0) + seconds)


def read_state(args):
    """The state file's JSON."""
    with open(args['state_file'], encoding='utf-8') as handle:
        return json.load(handle)


# -- times and the query ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    'text, expected',
    [
        ('2026-12-01T20:00:00Z', 1796155200.0),
        ('2026-12-01T20:00:00.250Z', 1796155200.25),
        ('2026-12-01T20:00:00.123456789Z', 1796155200.123456),
        ('2026-12-01T21:30:00+01:30', 1796155200.0),
        ('2026-12-01T20:00:00', 1796155200.0),
    ],
)
def test_parse_time_reads_the_api_forms(text, expected):
    assert stream.parse_time(text) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize('text', [None, '', 'yesterday', '2026-13-01T00:00:00Z', 17, '2026-12-01'])
def test_parse_time_refuses_anything_else(text):
    assert stream.parse_time(text) is None


def test_format_time_rounds_down_to_milliseconds():
    assert stream.format_time(1796155200.9999) == '2026-12-01T20:00:00.999Z'
    assert stream.parse_time(stream.format_time(1796155200.25)) == 1796155200.25


def test_query_filter_ands_the_user_filter_severity_and_window():
    config = stream.StreamConfig("status:'new',status:'reopened'", 80, 30, 120, '/tmp/x', 300)
    poller = stream.AlertPoller(None, config, stream.StreamState('/tmp/x'))
    assert poller.query_filter() == "(status:'new',status:'reopened')+severity:>=80"
    assert poller.query_filter(stream.parse_time(T0)) == (
        "(status:'new',status:'reopened')+severity:>=80+updated_timestamp:>='2026-12-01T20:00:00.000Z'"
    )
    bare = stream.AlertPoller(
        None, stream.StreamConfig(None, None, 30, 120, '/tmp/x', 300), stream.StreamState('/tmp/x')
    )
    assert bare.query_filter() is None


def test_event_uuid_is_derived_from_the_alert_version():
    first = stream.make_event(alert(1, at(0)))
    again = stream.make_event(alert(1, at(0)))
    updated = stream.make_event(alert(1, at(5)))
    assert (
        first['meta']['uuid']
        == again['meta']['uuid']
        == str(uuid.uuid5(stream.EVENT_NAMESPACE, '%s|%s' % (first['summary']['composite_id'], at(0))))
    )
    assert updated['meta']['uuid'] != first['meta']['uuid']
    assert first['summary']['device_id'] == 'd' * 32 and 'hostname' not in first['summary']
    assert first['summary']['severity'] == 90 and first['summary']['status'] == 'new'


# -- arguments -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    'extra, message',
    [
        ({'min_severity': 101}, 'min_severity must be a whole number from 0 to 100 (got 101)'),
        ({'min_severity': 'high'}, "min_severity must be a whole number from 0 to 100 (got 'high')"),
        ({'interval': 0}, 'interval must be a whole number from 1 to 86400 (got 0)'),
        ({'lookback': -1}, 'lookback must be a whole number from 0 to 86400 (got -1)'),
        ({'filter': ['status']}, 'filter must be an FQL string'),
        (
            {'poll_every': 5},
            'Unknown falcon_alerts argument(s) poll_every; allowed: action_limit, action_window, base_url',
        ),
        ({'access_token': 'x' * 40}, 'give client_id and client_secret so it can be renewed'),
        ({'cloud': 'mars-1'}, "Unknown Falcon cloud 'mars-1'"),
    ],
)
def test_bad_arguments_stop_the_source_with_a_clear_message(
    source_module, source_args, alerts_api, monkeypatch, extra, message
):
    args = dict(source_args, **extra)
    with pytest.raises(stream.AlertSourceError) as err:
        run_source(source_module, args, monkeypatch=monkeypatch)
    assert message in str(err.value)
    assert str(err.value).startswith('secops.falcon.falcon_alerts: ')
    assert alerts_api.bodies == []


def test_missing_credentials_are_a_configuration_error(source_module, source_args, alerts_api, monkeypatch):
    args = dict(source_args)
    del args['client_secret']
    with pytest.raises(stream.AlertSourceError) as err:
        run_source(source_module, args, monkeypatch=monkeypatch)
    assert 'client_secret is missing' in str(err.value)


def test_connection_options_fall_back_to_the_falcon_environment(source_module, source_args, alerts_api, monkeypatch):
    args = dict(source_args)
    del args['client_id'], args['client_secret']
    monkeypatch.setenv('FALCON_CLIENT_ID', source_args['client_id'])
    monkeypatch.setenv('FALCON_CLIENT_SECRET', source_args['client_secret'])
    run_source(source_module, args, monkeypatch=monkeypatch)
    assert os.path.exists(args['state_file'])


def test_default_state_file_is_per_query_under_the_cache_dir(tmp_path):
    from ansible_collections.secops.falcon.plugins.module_utils._options import ConnectionSettings

    settings = ConnectionSettings.from_options({'client_id': 'a' * 32, 'client_secret': CLIENT_SECRET})
    one = stream.StreamConfig.from_args({'filter': "status:'new'"}, settings).state_file
    two = stream.StreamConfig.from_args({'filter': "status:'closed'"}, settings).state_file
    assert one != two
    assert one.startswith(str(tmp_path / 'xdg-cache' / 'secops.falcon' / 'eda' / 'falcon_alerts-'))


def test_a_state_file_that_is_not_ours_stops_the_source(source_module, source_args, alerts_api, monkeypatch):
    os.makedirs(os.path.dirname(source_args['state_file']), mode=0o700)
    with open(source_args['state_file'], 'w', encoding='utf-8') as handle:
        handle.write('{"watermark": 3')
    os.chmod(source_args['state_file'], 0o600)
    with pytest.raises(stream.AlertSourceError) as err:
        run_source(source_module, source_args, monkeypatch=monkeypatch)
    assert 'is not a falcon_alerts state' in str(err.value) and source_args['state_file'] in str(err.value)


# -- watermark, de-duplication, restarts -----------------------------------------------------------------------------


def test_first_start_sends_nothing_for_existing_alerts(source_module, source_args, alerts_api, monkeypatch):
    alerts_api.alerts = [alert(1, at(0)), alert(2, at(10)), alert(3, at(-3600))]
    queue, waits = run_source(source_module, source_args, monkeypatch=monkeypatch)
    assert queue.events == []
    assert waits == [source_args['interval']]
    state = read_state(source_args)
    assert state['watermark'] == at(10)
    # Only versions inside the lookback window are kept; the hour-old one can never come back in a query.
    assert sorted(state['seen']) == sorted([alert(1, at(0))['composite_id'], alert(2, at(10))['composite_id']])


def test_state_file_is_private_and_holds_no_secret(source_module, source_args, alerts_api, monkeypatch):
    alerts_api.alerts = [alert(1, at(0))]
    run_source(source_module, source_args, monkeypatch=monkeypatch)
    path = source_args['state_file']
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    with open(path, encoding='utf-8') as handle:
        assert CLIENT_SECRET not in handle.read()
    assert [n for n in os.listdir(os.path.dirname(path)) if n.endswith('.tmp')] == []


def test_each_alert_version_is_sent_once_across_restarts(source_module, source_args, alerts_api, monkeypatch):
    alerts_api.alerts = [alert(1, at(0))]
    run_source(source_module, source_args, monkeypatch=monkeypatch)

    new = alert(2, at(20))
    alerts_api.alerts.append(new)
    queue = run_source(source_module, source_args, pauses=2, monkeypatch=monkeypatch)[0]
    assert [e['summary']['composite_id'] for e in queue.events] == [new['composite_id']]
    assert queue.events[0]['summary']['composite_id'] == new['composite_id']
    assert read_state(source_args)['watermark'] == at(20)

    # A restart replays nothing, although the alert is still inside the lookback window of every poll.
    queue = run_source(source_module, source_args, pauses=2, monkeypatch=monkeypatch)[0]
    assert queue.events == []

    # The same alert updated is a new version: sent again, with another uuid.
    alerts_api.alerts[-1] = dict(new, updated_timestamp=at(30), status='in_progress')
    queue = run_source(source_module, source_args, monkeypatch=monkeypatch)[0]
    assert [e['summary']['status'] for e in queue.events] == ['in_progress']
    assert queue.events[0]['meta']['uuid'] == str(
        uuid.uuid5(stream.EVENT_NAMESPACE, new['composite_id'] + '|' + at(30))
    )


def test_alerts_raised_while_stopped_or_indexed_late_are_not_skipped(
    source_module, source_args, alerts_api, monkeypatch
):
    alerts_api.alerts = [alert(1, at(100))]
    run_source(source_module, source_args, monkeypatch=monkeypatch)
    # While the source is down: one alert after the watermark, one stamped before it (visible late, within lookback),
    # and one older than the lookback window (out of reach by design).
    alerts_api.alerts += [alert(2, at(200)), alert(3, at(90)), alert(4, at(-100))]
    queue = run_source(source_module, source_args, monkeypatch=monkeypatch)[0]
    assert sorted(e['summary']['composite_id'] for e in queue.events) == sorted(
        [alert(2, at(200))['composite_id'], alert(3, at(90))['composite_id']]
    )


def test_an_alert_repeated_on_a_page_boundary_is_sent_once(source_module, source_args, alerts_api, monkeypatch):
    run_source(source_module, source_args, monkeypatch=monkeypatch)
    twice = alert(7, at(5))
    alerts_api.alerts = [twice]
    original = alerts_api.answer
    alerts_api.answer = lambda body: dict(original(body), resources=[twice, twice])
    queue = run_source(source_module, source_args, monkeypatch=monkeypatch)[0]
    assert [e['summary']['composite_id'] for e in queue.events] == [twice['composite_id']]


def test_a_kill_mid_poll_neither_replays_nor_skips(source_module, source_args, alerts_api, monkeypatch):
    alerts_api.alerts = [alert(1, at(0))]
    run_source(source_module, source_args, monkeypatch=monkeypatch)
    alerts_api.alerts += [alert(n, at(n)) for n in range(10, 15)]
    with pytest.raises(Stop):
        asyncio.run(source_module.main(ListQueue(stop_at=3), dict(source_args)))
    queue = run_source(source_module, source_args, monkeypatch=monkeypatch)[0]
    # Events 1 and 2 were handed on (and recorded) before the kill at the third.
    assert [e['summary']['composite_id'] for e in queue.events] == [
        alert(n, at(n))['composite_id'] for n in (12, 13, 14)
    ]


def test_min_severity_is_a_server_side_filter(source_module, source_args, alerts_api, monkeypatch):
    args = dict(source_args, min_severity=80, filter="status:'new'")
    run_source(source_module, args, monkeypatch=monkeypatch)
    alerts_api.alerts = [alert(1, at(1), severity=50), alert(2, at(2), severity=80)]
    queue = run_source(source_module, args, monkeypatch=monkeypatch)[0]
    assert [e['summary']['severity'] for e in queue.events] == [80]
    assert all(b['filter'].startswith("(status:'new')+severity:>=80") for b in alerts_api.bodies)
    assert all(b['sort'] == 'created_timestamp|asc' for b in alerts_api.bodies if 'after' in b or b['limit'] > 1)


def test_every_page_is_read_with_the_after_token(source_module, source_args, alerts_api, monkeypatch):
    run_source(source_module, source_args, monkeypatch=monkeypatch)
    alerts_api.alerts = [alert(n, at(n % 50), created=at(n)) for n in range(2500)]
    del alerts_api.bodies[:]
    queue = run_source(source_module, source_args, monkeypatch=monkeypatch)[0]
    assert len(queue.events) == 2500
    assert len(set(e['meta']['uuid'] for e in queue.events)) == 2500
    assert [b.get('after') for b in alerts_api.bodies] == [None, '1000', '2000']


# -- failures --------------------------------------------------------------------------------------------------------


def test_transient_failures_are_retried_with_backoff_for_ever(
    source_module, source_args, alerts_api, monkeypatch, caplog
):
    run_source(source_module, source_args, monkeypatch=monkeypatch)
    alerts_api.alerts = [alert(1, at(1))]
    busy = make_response(503, api_body(errors=[{'code': 503, 'message': 'Service Unavailable'}]))
    limited = make_response(
        429,
        api_body(errors=[{'code': 429, 'message': 'API rate limit exceeded.'}]),
        headers={'X-Ratelimit-Retryafter': '0'},
    )
    # The HTTP client tries each request 1 + retries (3) times: two rounds of 503s, then a dropped connection, then 429s.
    alerts_api.failures = (
        [busy] * 8 + [requests.exceptions.ConnectionError('connection reset by peer')] * 4 + [limited] * 4
    )
    caplog.set_level(logging.WARNING, logger='secops.falcon.falcon_alerts')
    queue, waits = run_source(source_module, source_args, pauses=5, monkeypatch=monkeypatch)
    assert [e['summary']['composite_id'] for e in queue.events] == [alert(1, at(1))['composite_id']]
    interval = source_args['interval']
    backoffs = waits[:4]
    assert [
        interval * 0.5 <= backoffs[0] <= interval,
        interval <= backoffs[1] <= 2 * interval,
        2 * interval <= backoffs[2] <= 4 * interval,
        4 * interval <= backoffs[3] <= 8 * interval,
    ] == [True] * 4
    assert waits[4] == interval
    assert 'Falcon alerts poll failed (4 in a row)' in caplog.text
    assert CLIENT_SECRET not in caplog.text


def test_backoff_is_capped_by_max_backoff():
    waits = [stream.backoff_wait(n, 30, 300, rand=lambda: 1.0) for n in range(1, 8)]
    assert waits == [30, 60, 120, 240, 300, 300, 300]


@pytest.mark.parametrize(
    'status, message, expected',
    [
        (403, 'access denied, scope not permitted', 'The API client needs the API scope alerts:read (Alerts: Read)'),
        (400, 'Failed to parse filter expression.', "Check the filter status:'nwe\"' (FQL on alert fields"),
        (404, 'Not Found', 'The Alerts API is not at this base_url'),
    ],
)
def test_scope_filter_and_path_errors_stop_the_source(
    source_module, source_args, alerts_api, monkeypatch, status, message, expected
):
    alerts_api.failures = [make_response(status, api_body(errors=[{'code': status, 'message': message}]))]
    args = dict(source_args, filter="status:'nwe\"'")
    with pytest.raises(stream.AlertSourceError) as err:
        run_source(source_module, args, monkeypatch=monkeypatch)
    text = str(err.value)
    assert text.startswith('secops.falcon.falcon_alerts stopped: POST /alerts/combined/alerts/v1 failed')
    assert message.rstrip('.') in text and ('HTTP %d' % status) in text and text.count(expected) == 1
    assert text.count('alerts:read') <= 1  # the scope is named once, not by both the client and the source
    assert len(alerts_api.bodies) == 1


def test_refused_credentials_stop_the_source_without_the_secret(source_module, source_args, monkeypatch):
    from ansible_collections.secops.falcon.plugins.module_utils import _http

    refused = make_response(
        403, {'errors': [{'code': 403, 'message': 'Failed to issue access token - Not Authorized'}]}
    )
    monkeypatch.setattr(_http.requests, 'Session', lambda: FakeSession(handler=lambda call: refused))
    with pytest.raises(stream.AlertSourceError) as err:
        run_source(source_module, source_args, monkeypatch=monkeypatch)
    assert 'Falcon refused to issue a token' in str(err.value) and 'Check client_secret' in str(err.value)
    assert CLIENT_SECRET not in str(err.value)


def test_the_plugin_file_finds_the_core_without_a_collection_loader(tmp_path, collections_root):
    # ansible-rulebook runs the file with runpy in a plain Python: no collection finder, no ANSIBLE_COLLECTIONS_PATH.
    # It runs from an installed collection, so take the file from the ansible_collections tree (a checkout outside
    # one gets a linked tree from tests/conftest.py).
    plugin_file = os.path.join(
        collections_root, 'ansible_collections', 'secops', 'falcon', os.path.relpath(SOURCE_FILE, COLLECTION)
    )
    script = (
        'import runpy, sys; plugin = runpy.run_path(sys.argv[1]); core = plugin["_core"]()[0]; '
        'print(core.__name__, core.__file__)'
    )
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'PYTHON')))
    proc = subprocess.run(
        [sys.executable, '-c', script, plugin_file],
        cwd=str(tmp_path),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    name, path = proc.stdout.split()
    assert name == 'ansible_collections.secops.falcon.plugins.module_utils._alert_stream'
    assert path == stream.__file__
