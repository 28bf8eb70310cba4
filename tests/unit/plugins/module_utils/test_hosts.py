"""Unit tests of the hosts helpers: ids, queries (plain and scroll), details batches, actions, waiting (HTTP faked at the Session)."""
import pytest

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconApiError, FalconConfigError
from ansible_collections.secops.falcon.plugins.module_utils._hosts import (
    device_action, find_hosts, get_devices, query_device_ids, validate_ids, wait_for_status,
)

QUERY = '/devices/queries/devices/v1'
SCROLL = '/devices/queries/devices-scroll/v1'
DETAILS = '/devices/entities/devices/v2'
ACTION = '/devices/entities/devices-actions/v2'


def aid(number):
    """A well-formed device id."""
    return '%032x' % number


def page(fake, ids, total, offset=None):
    """A query answer with pagination."""
    pagination = {'total': total, 'limit': len(ids)}
    if offset is not None:
        pagination['offset'] = offset
    return fake.make_response(200, fake.api_body(ids, pagination=pagination))


def details_handler(fake, records):
    """Answer POST details from records ({id: record}), leaving unknown ids out like the API."""
    def answer(call):
        ids = call.kwargs['json']['ids']
        return fake.make_response(200, fake.api_body([records[i] for i in ids if i in records]))
    return answer


# -- ids -------------------------------------------------------------------------------------------------------------

def test_validate_ids_normalises_and_deduplicates():
    assert validate_ids(['ABCDEF' + '0' * 26, 'abcdef' + '0' * 26, aid(1)]) == ['abcdef' + '0' * 26, aid(1)]


def test_validate_ids_names_every_bad_id():
    with pytest.raises(FalconConfigError) as err:
        validate_ids([aid(1), 'short', 'g' * 32])
    assert "'short'" in err.value.message and "'" + 'g' * 32 + "'" in err.value.message
    assert '32 hexadecimal characters' in err.value.message


# -- queries ----------------------------------------------------------------------------------------------------------

def test_small_limit_uses_one_plain_query(fake, session, client):
    session.add(QUERY, page(fake, [aid(1), aid(2)], 40, offset=2))
    query = query_device_ids(client, "platform_name:'Linux'", sort='hostname.asc', limit=2)
    assert query.ids == [aid(1), aid(2)] and query.total == 40
    (call,) = session.calls_to(QUERY)
    assert call.kwargs['params'] == {'filter': "platform_name:'Linux'", 'sort': 'hostname.asc', 'limit': 2, 'offset': 0}
    assert not session.calls_to(SCROLL)


def test_no_limit_scrolls_until_total_without_an_extra_call(fake, session, client):
    session.add(SCROLL, page(fake, [aid(1), aid(2), aid(3)], 5, offset='tok-1'), page(fake, [aid(4), aid(5)], 5, offset='tok-2'))
    query = query_device_ids(client)
    assert query.ids == [aid(i) for i in range(1, 6)] and query.total == 5
    first, second = session.calls_to(SCROLL)
    assert first.kwargs['params'] == {'limit': 10000}
    assert second.kwargs['params'] == {'limit': 10000, 'offset': 'tok-1'}


def test_scroll_stops_on_an_empty_page(fake, session, client):
    # The last page can still carry a token; the next call answers [] with offset "" (seen in the wild).
    session.add(SCROLL, page(fake, [aid(1)], 3, offset='tok-1'), page(fake, [], 0, offset=''))
    assert query_device_ids(client).ids == [aid(1)]
    assert len(session.calls_to(SCROLL)) == 2


def test_large_limit_scrolls_with_that_limit(fake, session, client):
    many = [aid(i) for i in range(15000)]
    session.add(SCROLL, page(fake, many[:10000], 20000, offset='tok-1'), page(fake, many[10000:], 20000, offset='tok-2'))
    query = query_device_ids(client, limit=15000)
    assert query.ids == many and query.total == 20000
    first, second = session.calls_to(SCROLL)
    assert first.kwargs['params'] == {'limit': 10000}
    assert second.kwargs['params'] == {'limit': 5000, 'offset': 'tok-1'}


def test_stop_above_reads_only_the_first_page(fake, session, client):
    session.add(SCROLL, page(fake, [aid(i) for i in range(3)], 100, offset='tok-1'))
    query = query_device_ids(client, "tags:'x'", stop_above=25)
    assert query.total == 100
    assert len(session.calls_to(SCROLL)) == 1


def test_rejected_filter_names_the_filter_and_the_api_message(fake, session, client):
    body = fake.api_body(errors=[{'code': 400, 'message': "Failed to parse filter expression. ['platform' is an unknown property]"}])
    session.add(SCROLL, fake.make_response(400, body))
    with pytest.raises(FalconApiError) as err:
        query_device_ids(client, "platform:'Linux'")
    text = str(err.value)
    assert "The API rejected the FQL filter \"platform:'Linux'\"" in text
    assert "'platform' is an unknown property" in text and 'HTTP 400' in text
    assert err.value.status == 400


def test_other_query_errors_are_not_blamed_on_the_filter(fake, session, client):
    session.add(SCROLL, fake.make_response(403, {'errors': [{'code': 403, 'message': 'access denied, scope not permitted'}]}))
    with pytest.raises(FalconApiError) as err:
        query_device_ids(client, "platform_name:'Linux'")
    assert 'FQL' not in str(err.value) and err.value.status == 403


# -- details ----------------------------------------------------------------------------------------------------------

def test_get_devices_batches_5000_keeps_order_and_skips_unknown(fake, session, client):
    records = dict((aid(i), {'device_id': aid(i), 'hostname': 'h%d' % i}) for i in range(6000))
    session.add(DETAILS, details_handler(fake, records))
    wanted = [aid(i) for i in range(5999, -1, -1)] + [aid(99999)]
    devices = get_devices(client, wanted)
    assert [d['device_id'] for d in devices] == wanted[:-1]
    calls = session.calls_to(DETAILS)
    assert [len(c.kwargs['json']['ids']) for c in calls] == [5000, 1001]
    assert all(c.method == 'POST' for c in calls)


def test_get_devices_keeps_only_the_asked_fields_of_each_batch(fake, session, client):
    records = dict((aid(i), {'device_id': aid(i), 'hostname': 'h%d' % i, 'status': 'normal', 'tags': ['t'] * 50})
                   for i in range(3))
    session.add(DETAILS, details_handler(fake, records))
    devices = get_devices(client, [aid(0), aid(2)], fields=['status'])
    assert devices == [{'device_id': aid(0), 'hostname': 'h0', 'status': 'normal'},
                       {'device_id': aid(2), 'hostname': 'h2', 'status': 'normal'}]


def test_find_hosts_by_ids_reports_not_found(fake, session, client):
    session.add(DETAILS, details_handler(fake, {aid(1): {'device_id': aid(1), 'hostname': 'a'}}))
    devices, total, not_found = find_hosts(client, ids=[aid(1).upper(), aid(2)])
    assert [d['device_id'] for d in devices] == [aid(1)] and total == 1 and not_found == [aid(2)]


def test_find_hosts_by_ids_guard_needs_no_request(session, client):
    devices, total, _not_found = find_hosts(client, ids=[aid(i) for i in range(30)], stop_above=25)
    assert devices is None and total == 30
    assert session.calls == []


def test_find_hosts_by_hostnames_matches_exactly_and_escapes(fake, session, client):
    records = {
        aid(1): {'device_id': aid(1), 'hostname': 'WEB-1'},
        aid(2): {'device_id': aid(2), 'hostname': 'web-10'},
        aid(3): {'device_id': aid(3), 'hostname': "o'brien"},
    }
    session.add(SCROLL, page(fake, [aid(1), aid(2), aid(3)], 3, offset='tok'))
    session.add(DETAILS, details_handler(fake, records))
    devices, total, not_found = find_hosts(client, hostnames=['web-1', "o'brien", 'gone'])
    # The API's match may be broader (web-10): only exact, case-insensitive names are kept.
    assert [d['device_id'] for d in devices] == [aid(1), aid(3)] and total == 2
    assert not_found == ['gone']
    (call,) = session.calls_to(SCROLL)
    assert call.kwargs['params']['filter'] == "hostname:['web-1','o\\'brien','gone']"


def test_find_hosts_refuses_blank_hostnames_before_any_request(session, client):
    # An unset variable rendered as '' must not turn "contain web-1" into a successful no-op.
    with pytest.raises(FalconConfigError) as err:
        find_hosts(client, hostnames=['web-1', ' '])
    assert "Invalid hostname ' '" in err.value.message and 'must not be empty' in err.value.message
    assert session.calls == []


def test_find_hosts_by_filter_stops_above(fake, session, client):
    session.add(SCROLL, page(fake, [aid(1)], 5000, offset='tok'))
    devices, total, _not_found = find_hosts(client, fql="status:'normal'", stop_above=25)
    assert devices is None and total == 5000
    assert not session.calls_to(DETAILS)


# -- actions ----------------------------------------------------------------------------------------------------------

def test_action_batches_500_and_sorts_per_host_outcomes(fake, session, client):
    ids = [aid(i) for i in range(1200)]

    def answer(call):
        batch = call.kwargs['json']['ids']
        assert call.kwargs['params'] == {'action_name': 'contain'}
        errors = []
        if aid(0) in batch:
            errors = [{'code': 409, 'message': 'Device %s is already contained' % aid(0), 'id': aid(0)},
                      {'code': 404, 'message': 'Device %s was not found' % aid(1)}]
        done = [{'id': i, 'path': ''} for i in batch if i not in (aid(0), aid(1))]
        return fake.make_response(202, fake.api_body(done, errors=errors))
    session.add(ACTION, answer)
    result = device_action(client, 'contain', ids)
    assert [len(c.kwargs['json']['ids']) for c in session.calls_to(ACTION)] == [500, 500, 200]
    assert result.requests == 3
    assert result.unchanged == [aid(0)]
    assert result.failed == {aid(1): '404: Device %s was not found' % aid(1)}
    assert len(result.accepted) == 1198


def test_action_all_already_in_state_answers_409(fake, session, client):
    errors = [{'code': 409, 'message': 'Device %s is already contained' % aid(i), 'id': aid(i)} for i in (1, 2)]
    session.add(ACTION, fake.make_response(409, fake.api_body([], errors=errors)))
    result = device_action(client, 'contain', [aid(1), aid(2)])
    assert result.unchanged == [aid(1), aid(2)] and not result.accepted and not result.failed


def test_action_403_fails_every_host_and_stops(fake, session, client):
    body = {'meta': {'trace_id': 't-403'}, 'errors': [{'code': 403, 'message': 'access denied, scope not permitted'}]}
    session.add(ACTION, fake.make_response(403, body))
    result = device_action(client, 'contain', [aid(i) for i in range(700)])
    assert len(session.calls_to(ACTION)) == 1
    assert len(result.failed) == 700 and not result.accepted
    assert 'HTTP 403' in result.failed[aid(0)] and 'scope not permitted' in result.failed[aid(0)]
    assert result.failed[aid(600)].startswith('not sent: an earlier request was refused')


def test_action_server_error_fails_one_batch_and_continues(fake, session, client):
    def ok(call):
        return fake.make_response(202, fake.api_body([{'id': i, 'path': ''} for i in call.kwargs['json']['ids']]))
    session.add(ACTION, ok, fake.make_response(500, fake.api_body(errors=[{'code': 500, 'message': 'internal error'}])), ok)
    result = device_action(client, 'lift_containment', [aid(i) for i in range(1100)])
    assert len(session.calls_to(ACTION)) == 3  # a write is not retried after a 500: it may have been applied
    assert len(result.accepted) == 600 and len(result.failed) == 500
    assert 'HTTP 500' in result.failed[aid(500)] and 'internal error' in result.failed[aid(500)]


def test_action_2xx_does_not_vouch_for_hosts_it_leaves_out(fake, session, client):
    # 202 listing one affected host: the other was not confirmed and must not count as contained.
    session.add(ACTION, fake.make_response(202, fake.api_body([{'id': aid(1), 'path': ''}])))
    result = device_action(client, 'contain', [aid(1), aid(2)])
    assert result.accepted == [aid(1)]
    assert list(result.failed) == [aid(2)] and 'not confirmed' in result.failed[aid(2)]


def test_action_2xx_with_an_error_naming_no_host_fails_the_unlisted_hosts(fake, session, client):
    errors = [{'code': 500, 'message': 'internal error'}]
    session.add(ACTION, fake.make_response(202, fake.api_body([], errors=errors)))
    result = device_action(client, 'contain', [aid(1)])
    assert not result.accepted and 'internal error' in result.failed[aid(1)]


def test_action_response_without_details_accepts_the_batch(fake, session, client):
    session.add(ACTION, fake.make_response(202, fake.api_body()))
    assert device_action(client, 'contain', [aid(1)]).accepted == [aid(1)]


# -- waiting ----------------------------------------------------------------------------------------------------------

class Clock:
    """A fake monotonic clock advanced by the fake sleep."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_wait_polls_only_hosts_still_pending(fake, session, client):
    statuses = {aid(1): ['containment_pending', 'contained'], aid(2): ['containment_pending', 'containment_pending', 'contained']}

    def answer(call):
        out = []
        for i in call.kwargs['json']['ids']:
            status = statuses[i].pop(0) if len(statuses[i]) > 1 else statuses[i][0]
            out.append({'device_id': i, 'hostname': i[-2:], 'status': status})
        return fake.make_response(200, fake.api_body(out))
    session.add(DETAILS, answer)
    clock = Clock()
    latest = wait_for_status(client, {aid(1): 'contained', aid(2): 'contained'}, 60, 5, sleep=clock.sleep, clock=lambda: clock.now)
    assert latest[aid(1)]['status'] == 'contained' and latest[aid(2)]['status'] == 'contained'
    assert [len(c.kwargs['json']['ids']) for c in session.calls_to(DETAILS)] == [2, 2, 1]
    assert clock.sleeps == [5, 5]


def test_wait_gives_up_at_the_timeout(fake, session, client):
    session.add(DETAILS, fake.make_response(200, fake.api_body([{'device_id': aid(1), 'status': 'containment_pending'}])))
    clock = Clock()
    latest = wait_for_status(client, {aid(1): 'contained'}, 12, 5, sleep=clock.sleep, clock=lambda: clock.now)
    assert latest[aid(1)]['status'] == 'containment_pending'
    assert clock.sleeps == [5, 5, 2]
    assert len(session.calls_to(DETAILS)) == 4
