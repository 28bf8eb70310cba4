"""The falcon_alerts source's fleet-wide cap (within_action_limit) and its reconcile events.

HTTP is faked at the one seam (requests.Session, see conftest.py); the source runs its real asyncio loop.
"""

import json

import pytest
from eda_fakes import alert, run_source  # pylint: disable=wrong-import-order

from ansible_collections.secops.falcon.plugins.module_utils import _action_limit
from ansible_collections.secops.falcon.plugins.module_utils import _alert_stream as stream

T0 = '2026-12-01T20:00:00.000Z'


def at(seconds):
    """An alert timestamp `seconds` after T0."""
    return stream.format_time(stream.parse_time(T0) + seconds)


def host(number):
    """The device id of host number."""
    return '%032x' % number


def alert_events(queue):
    """The alert events the source sent (not the reconcile events)."""
    return [e for e in queue.events if 'summary' in e]


def first_start(source_module, source_args, alerts_api, monkeypatch):
    """Start once on an empty API, so the alerts added next are new ones."""
    run_source(source_module, source_args, monkeypatch=monkeypatch)


# -- the cap itself -------------------------------------------------------------------------------------------------


def test_the_first_hosts_of_a_window_are_admitted_and_others_refused():
    limit = _action_limit.ActionLimit(2, 600)
    admitted = {}
    assert limit.admit(admitted, host(1), 1000.0) and limit.admit(admitted, host(2), 1001.0)
    assert not limit.admit(admitted, host(3), 1002.0)
    assert limit.admit(admitted, host(1), 1100.0)  # a host admitted already keeps its place
    assert limit.in_use(admitted, 1100.0) == 2
    # The window slides: host 1's place frees 600 s after it was taken, and host 3 gets it.
    assert limit.admit(admitted, host(3), 1600.5) and not limit.admit(admitted, host(4), 1600.5)
    assert sorted(admitted) == [host(2), host(3)]


def test_a_limit_of_zero_admits_no_host():
    assert not _action_limit.ActionLimit(0, 600).admit({}, host(1), 1.0)


def test_state_values_that_are_malformed_or_in_the_future_hold_no_place_for_longer_than_a_window():
    loaded = _action_limit.admitted_from_state(
        {host(1): 100.0, host(2): 'soon', host(3): True, 7: 100.0, host(4): 99999999999.0}, now=200.0
    )
    assert loaded == {host(1): 100.0, host(4): 200.0}
    assert _action_limit.admitted_from_state(['x']) == {}


# -- in the source --------------------------------------------------------------------------------------------------


def test_events_beyond_the_cap_are_marked_and_warned_about(source_module, source_args, alerts_api, monkeypatch, caplog):
    args = dict(source_args, action_limit=2, action_window=3600)
    first_start(source_module, args, alerts_api, monkeypatch)
    alerts_api.alerts = [alert(n, at(n), device_id=host(n)) for n in range(1, 5)]
    alerts_api.alerts.append(alert(9, at(9), device_id=host(1)))  # a second alert of an admitted host
    queue, _waits = run_source(source_module, args, monkeypatch=monkeypatch)
    verdicts = [(e['summary']['device_id'], e['summary']['within_action_limit']) for e in alert_events(queue)]
    assert verdicts == [(host(1), True), (host(2), True), (host(3), False), (host(4), False), (host(1), True)]
    assert caplog.text.count('beyond the fleet-wide cap') == 2
    assert 'action_limit' in caplog.text and host(3) in caplog.text


def test_the_cap_survives_a_restart(source_module, source_args, alerts_api, monkeypatch):
    args = dict(source_args, action_limit=1)
    first_start(source_module, args, alerts_api, monkeypatch)
    alerts_api.alerts = [alert(1, at(1), device_id=host(1))]
    run_source(source_module, args, monkeypatch=monkeypatch)
    with open(args['state_file'], encoding='utf-8') as handle:
        assert list(json.load(handle)['admitted']) == [host(1)]
    # A new process (a restart, or a crash loop) does not get a fresh budget.
    alerts_api.alerts.append(alert(2, at(2), device_id=host(2)))
    queue, _waits = run_source(source_module, args, monkeypatch=monkeypatch)
    assert [e['summary']['within_action_limit'] for e in alert_events(queue)] == [False]


def test_an_event_without_a_host_carries_no_verdict(source_module, source_args, alerts_api, monkeypatch):
    first_start(source_module, source_args, alerts_api, monkeypatch)
    record = alert(1, at(1))
    record['device'] = {}
    alerts_api.alerts = [record]
    queue, _waits = run_source(source_module, source_args, monkeypatch=monkeypatch)
    assert [sorted(e['summary']) for e in alert_events(queue)][0].count('within_action_limit') == 0


@pytest.mark.parametrize(
    'extra, message',
    [
        ({'action_limit': -1}, 'action_limit must be a whole number from 0 to 10000 (got -1)'),
        ({'action_window': 10}, 'action_window must be a whole number from 60 to 604800 (got 10)'),
        ({'reconcile_interval': 30}, 'reconcile_interval must be 0 (no reconcile events) or 60 to 86400 seconds'),
        ({'reconcile_interval': 'often'}, "reconcile_interval must be a whole number from 0 to 86400 (got 'often')"),
    ],
)
def test_bad_cap_and_reconcile_arguments_stop_the_source(source_module, source_args, monkeypatch, extra, message):
    with pytest.raises(stream.AlertSourceError) as err:
        run_source(source_module, dict(source_args, **extra), monkeypatch=monkeypatch)
    assert message in str(err.value)


# -- reconcile events -----------------------------------------------------------------------------------------------


def test_a_reconcile_event_is_sent_at_start_then_every_interval(source_module, source_args, alerts_api, monkeypatch):
    clock = {'now': 1000.0}
    monkeypatch.setattr(source_module.time, 'monotonic', lambda: clock['now'])
    real_poll = source_module._Source.poll

    async def poll_and_tick(self):
        clock['now'] += 100  # each poll (and its pause) takes 100 s of the clock
        return await real_poll(self)

    monkeypatch.setattr(source_module._Source, 'poll', poll_and_tick)
    queue, _waits = run_source(
        source_module, dict(source_args, reconcile_interval=300), pauses=7, monkeypatch=monkeypatch
    )
    reasons = [e['reconcile']['reason'] for e in queue.events if 'reconcile' in e]
    # Polls at 1000, 1100, ... 1600: reconcile at the start, then at 1300 and 1600.
    assert reasons == ['start', 'interval', 'interval']
    event = next(e for e in queue.events if 'reconcile' in e)
    assert sorted(event) == ['meta', 'reconcile'] and sorted(event['reconcile']) == ['reason', 'time']
    assert stream.parse_time(event['reconcile']['time']) is not None


def test_no_reconcile_event_with_an_interval_of_zero(source_module, source_args, alerts_api, monkeypatch):
    queue, _waits = run_source(
        source_module, dict(source_args, reconcile_interval=0), pauses=3, monkeypatch=monkeypatch
    )
    assert not [e for e in queue.events if 'reconcile' in e]
