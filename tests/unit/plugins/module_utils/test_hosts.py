"""Unit tests of the hosts helpers: ids, queries (plain and scroll), details batches, actions, waiting (HTTP faked at the Session)."""

import pytest

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconApiError, FalconConfigError
from ansible_collections.secops.falcon.plugins.module_utils._hosts import (
    device_action,
    find_hosts,
    get_devices,
    query_device_ids,
    validate_ids,
    wait_for_status,
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


def test_validate_ids_refuses_a_trailing_newline():
    # re.match with '$' lets 'id\n' through; ids come from files and YAML blocks that end in a newline.
    with pytest.raises(FalconConfigError) as err:
        validate_ids([aid(1) + '\n'])
    assert repr(aid(1) + '\n') in err.value.message


def test_validate_ids_names_every_bad_id():
    with pytest.raises(FalconConfigError) as err:
        validate_ids([aid(1), 'short', 'g' * 32])
    assert "'short'" in err.value.message and "'" + 'g' * 32 + "'" in err.value.message
    assert '32 hexadecimal characters' in err.value.message


def test_many_bad_ids_are_counted_not_listed():
    """20,000 malformed ids (a wrong column pasted in) give a readable message: five named, the rest counted."""
    bad = ['bad-%05d' % n for n in range(20000)]
    with pytest.raises(FalconConfigError) as err:
        validate_ids([aid(1)] + bad)
    message = err.value.message
    assert "'bad-00000'" in message and "'bad-00004'" in message and "'bad-00005'" not in message
    assert 'and 19995 more (20000 of the 20001 given are malformed)' in message
    assert len(message) < 300


# -- queries ----------------------------------------------------------------------------------------------------------


def test_small_limit_uses_one_plain_query(fake, session, client):
    session.add(QUERY, page(fake, [aid(1), aid(2)], 40, offset=2))
    query = query_device_ids(client, "platform_name:'Linux'", sort='hostname.asc', limit=2)
    assert query.ids == [aid(1), aid(2)] and query.total == 40
    (call,) = session.calls_to(QUERY)
    assert call.kwargs['params'] == {'filter': "platform_name:'Linux'", 'sort': 'hostname.asc', 'limit': 2, 'offset': 0}
    assert not session.calls_to(SCROLL)


def test_no_limit_scrolls_until_total_without_an_extra_call(fake, session, client):
    session.add(
        SCROLL, page(fake, [aid(1), aid(2), aid(3)], 5, offset='tok-1'), page(fake, [aid(4), aid(5)], 5, offset='tok-2')
    )
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
    session.add(
        SCROLL, page(fake, many[:10000], 20000, offset='tok-1'), page(fake, many[10000:], 20000, offset='tok-2')
    )
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
    body = fake.api_body(
        errors=[{'code': 400, 'message': "Failed to parse filter expression. ['platform' is an unknown property]"}]
    )
    session.add(SCROLL, fake.make_response(400, body))
    with pytest.raises(FalconApiError) as err:
        query_device_ids(client, "platform:'Linux'")
    text = str(err.value)
    assert "The API rejected the FQL filter \"platform:'Linux'\"" in text
    assert "'platform' is an unknown property" in text and 'HTTP 400' in text
    assert err.value.status == 400


def test_other_query_errors_are_not_blamed_on_the_filter(fake, session, client):
    session.add(
        SCROLL, fake.make_response(403, {'errors': [{'code': 403, 'message': 'access denied, scope not permitted'}]})
    )
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
    # The two batches may overlap (bounded parallel reads): their order on the wire is not fixed, the result's is.
    assert sorted(len(c.kwargs['json']['ids']) for c in calls) == [1001, 5000]
    assert all(c.method == 'POST' for c in calls)


def test_get_devices_keeps_only_the_asked_fields_of_each_batch(fake, session, client):
    records = dict(
        (aid(i), {'device_id': aid(i), 'hostname': 'h%d' % i, 'status': 'normal', 'tags': ['t'] * 50}) for i in range(3)
    )
    session.add(DETAILS, details_handler(fake, records))
    devices = get_devices(client, [aid(0), aid(2)], fields=['status'])
    assert devices == [
        {'device_id': aid(0), 'hostname': 'h0', 'status': 'normal'},
        {'device_id': aid(2), 'hostname': 'h2', 'status': 'normal'},
    ]


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
    # OR'd single forms: case-insensitive on the real API, unlike the case-sensitive list form (API behaviour 9.2).
    assert call.kwargs['params']['filter'] == "hostname:'web-1',hostname:'o\\'brien',hostname:'gone'"


def test_find_hosts_refuses_blank_hostnames_before_any_request(session, client):
    # An unset variable rendered as '' must not turn "contain web-1" into a successful no-op.
    with pytest.raises(FalconConfigError) as err:
        find_hosts(client, hostnames=['web-1', ' '])
    assert "Invalid hostname ' '" in err.value.message and 'must not be empty' in err.value.message
    assert session.calls == []


def test_hostname_prefix_extras_do_not_count_against_stop_above(fake, session, client):
    # hostname:'host-1' is a prefix match on the real API: host-10 ... host-19 come back too. The guard counts exact
    # matches (issue 10 #11), so one host is selected, not eleven.
    records = dict((aid(i), {'device_id': aid(i), 'hostname': 'HOST-%d' % i}) for i in [1] + list(range(10, 20)))
    session.add(SCROLL, page(fake, list(records), len(records), offset='tok'))
    session.add(DETAILS, details_handler(fake, records))
    devices, total, not_found = find_hosts(client, hostnames=['host-1'], stop_above=2)
    assert [d['hostname'] for d in devices] == ['HOST-1'] and total == 1 and not_found == []


def test_hostnames_above_the_guard_after_the_exact_match(fake, session, client):
    records = dict((aid(i), {'device_id': aid(i), 'hostname': 'h%d' % i}) for i in range(3))
    session.add(SCROLL, page(fake, list(records), 3, offset='tok'))
    session.add(DETAILS, details_handler(fake, records))
    devices, total, _not_found = find_hosts(client, hostnames=['h0', 'h1', 'h2'], stop_above=2)
    assert devices is None and total == 3


def test_hundreds_of_hostnames_take_few_queries(fake, session, client):
    names = ['host-%05d' % i for i in range(400)]
    records = dict((aid(i), {'device_id': aid(i), 'hostname': n.upper()}) for i, n in enumerate(names))
    by_name = dict((r['hostname'].lower(), i) for i, r in records.items())

    def scroll(call):
        asked = [
            v.lower() for v in call.kwargs['params']['filter'].replace("hostname:'", '').replace("'", '').split(',')
        ]
        return page(fake, [by_name[n] for n in asked], len(asked), offset='tok')

    session.add(SCROLL, scroll)
    session.add(DETAILS, details_handler(fake, records))
    devices, total, not_found = find_hosts(client, hostnames=names)
    assert total == 400 and not_found == []
    assert len(session.calls_to(SCROLL)) == 2 and len(session.calls_to(DETAILS)) == 1  # 6000-byte filters


@pytest.mark.parametrize(
    'names, text',
    [
        (['*'], "Invalid hostname '*': hostnames are matched exactly"),
        (['web-01', ''], "Invalid hostname '': hostnames must not be empty."),
    ],
)
def test_hostnames_that_cannot_be_exact_fail_before_any_request(session, client, names, text):
    with pytest.raises(FalconConfigError) as err:
        find_hosts(client, hostnames=names)
    assert text in err.value.message
    assert session.calls == []


def test_blank_filter_is_an_error_not_the_whole_fleet(session, client):
    with pytest.raises(FalconConfigError) as err:
        find_hosts(client, fql='   ')
    assert "filter '   ' is blank" in err.value.message
    assert session.calls == []


def test_filter_answered_500_after_retries_names_the_filter(fake, session, client, sleeps):
    body = fake.api_body(errors=[{'code': 500, 'message': 'Internal Server Error'}])
    session.add(SCROLL, fake.make_response(500, body))
    with pytest.raises(FalconApiError) as err:
        query_device_ids(client, "os_version:'*10*'")
    assert "HTTP 500 to the FQL filter \"os_version:'*10*'\"" in str(err.value)
    assert len(session.calls_to(SCROLL)) > 1 and sleeps  # retried as a read first


def test_find_hosts_by_filter_stops_above(fake, session, client):
    session.add(SCROLL, page(fake, [aid(1)], 5000, offset='tok'))
    devices, total, _not_found = find_hosts(client, fql="status:'normal'", stop_above=25)
    assert devices is None and total == 5000
    assert not session.calls_to(DETAILS)


# -- actions ----------------------------------------------------------------------------------------------------------


def test_action_batches_100_and_sorts_per_host_outcomes(fake, session, client):
    ids = [aid(i) for i in range(250)]

    def answer(call):
        batch = call.kwargs['json']['ids']
        assert call.kwargs['params'] == {'action_name': 'contain'}
        errors = []
        if aid(0) in batch:
            errors = [
                {'code': 409, 'message': 'Device %s is already contained' % aid(0), 'id': aid(0)},
                {'code': 404, 'message': 'Device %s was not found' % aid(1)},
            ]
        done = [{'id': i, 'path': ''} for i in batch if i not in (aid(0), aid(1))]
        return fake.make_response(202, fake.api_body(done, errors=errors))

    session.add(ACTION, answer)
    result = device_action(client, 'contain', ids)
    assert [len(c.kwargs['json']['ids']) for c in session.calls_to(ACTION)] == [100, 100, 50]
    assert result.requests == 3
    assert result.unchanged == [aid(0)]
    assert result.failed == {aid(1): '404: Device %s was not found' % aid(1)}
    assert len(result.accepted) == 248


@pytest.mark.parametrize('status', [207, 400, 409])
def test_mixed_batch_is_classified_host_by_host_whatever_the_status(fake, session, client, status):
    # A mixed batch answers non-202 but still lists the accepted hosts (API behaviour 9.4): they are never failed.
    errors = [
        {'code': 409, 'message': 'Device %s is already contained' % aid(2), 'id': aid(2)},
        {'code': 400, 'message': 'Device %s is not eligible for containment' % aid(3)},
    ]
    session.add(ACTION, fake.make_response(status, fake.api_body([{'id': aid(1), 'path': ''}], errors=errors)))
    result = device_action(client, 'contain', [aid(1), aid(2), aid(3), aid(4)])
    assert result.accepted == [aid(1)] and result.unchanged == [aid(2)]
    assert sorted(result.failed) == [aid(3), aid(4)]
    assert 'not eligible' in result.failed[aid(3)] and 'HTTP %s' % status in result.failed[aid(4)]
    assert result.unknown == {}


def test_batch_refused_as_too_large_is_split_and_the_smaller_size_kept(fake, session, client):
    sizes = []

    def answer(call):
        batch = call.kwargs['json']['ids']
        sizes.append(len(batch))
        if len(batch) > 30:
            return fake.make_response(400, fake.api_body(errors=[{'code': 400, 'message': 'too many ids (max 30)'}]))
        return fake.make_response(202, fake.api_body([{'id': i, 'path': ''} for i in batch]))

    session.add(ACTION, answer)
    result = device_action(client, 'contain', [aid(i) for i in range(120)])
    # 100 refused, 50 refused, 25 accepted; then never above 25.
    assert sizes == [100, 50, 25, 25, 25, 25, 20]
    assert len(result.accepted) == 120 and not result.failed and result.batch_size == 25


def test_a_single_host_refused_as_a_whole_stops_instead_of_splitting_forever(fake, session, client):
    session.add(ACTION, fake.make_response(400, fake.api_body(errors=[{'code': 400, 'message': 'invalid action'}])))
    result = device_action(client, 'contain', [aid(i) for i in range(150)])
    # 100, 50, 25, 12, 6, 3, 1: then the rest is not sent.
    assert [len(c.kwargs['json']['ids']) for c in session.calls_to(ACTION)] == [100, 50, 25, 12, 6, 3, 1]
    assert len(result.failed) == 150 and not result.accepted
    assert 'invalid action' in result.failed[aid(0)]
    assert result.failed[aid(149)].startswith('not sent: an earlier request was refused')


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


def test_action_server_error_leaves_one_batch_unknown_and_continues(fake, session, client):
    def ok(call):
        return fake.make_response(202, fake.api_body([{'id': i, 'path': ''} for i in call.kwargs['json']['ids']]))

    session.add(
        ACTION, ok, fake.make_response(500, fake.api_body(errors=[{'code': 500, 'message': 'internal error'}])), ok
    )
    result = device_action(client, 'lift_containment', [aid(i) for i in range(250)])
    assert len(session.calls_to(ACTION)) == 3  # a write is not retried after a 500: it may have been applied
    assert len(result.accepted) == 150 and not result.failed
    # A 5xx on a write is ambiguous: those hosts are "state unknown", for the caller to read again.
    assert sorted(result.unknown) == [aid(i) for i in range(100, 200)]
    assert 'may have reached the API' in result.unknown[aid(100)] and 'internal error' in result.unknown[aid(100)]


def test_action_timeout_is_unknown_but_exhausted_429_is_failed(fake, session, client, sleeps):
    import requests

    session.add(ACTION, requests.exceptions.ReadTimeout('read timed out'))
    result = device_action(client, 'contain', [aid(1)])
    assert list(result.unknown) == [aid(1)] and not result.failed
    session.routes[ACTION] = [
        fake.make_response(
            429,
            fake.api_body(errors=[{'code': 429, 'message': 'API rate limit exceeded.'}]),
            headers={'X-Ratelimit-Retryafter': '1'},
        )
    ]
    limited = device_action(client, 'contain', [aid(2)])
    assert list(limited.failed) == [aid(2)] and not limited.unknown


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
    statuses = {
        aid(1): ['containment_pending', 'contained'],
        aid(2): ['containment_pending', 'containment_pending', 'contained'],
    }

    def answer(call):
        out = []
        for i in call.kwargs['json']['ids']:
            status = statuses[i].pop(0) if len(statuses[i]) > 1 else statuses[i][0]
            out.append({'device_id': i, 'hostname': i[-2:], 'status': status})
        return fake.make_response(200, fake.api_body(out))

    session.add(DETAILS, answer)
    clock = Clock()
    latest = wait_for_status(
        client, {aid(1): 'contained', aid(2): 'contained'}, 60, 5, sleep=clock.sleep, clock=lambda: clock.now
    )
    assert latest[aid(1)]['status'] == 'contained' and latest[aid(2)]['status'] == 'contained'
    assert [len(c.kwargs['json']['ids']) for c in session.calls_to(DETAILS)] == [2, 2, 1]
    assert clock.sleeps == [5, 5]


def test_wait_gives_up_at_the_timeout(fake, session, client):
    session.add(
        DETAILS, fake.make_response(200, fake.api_body([{'device_id': aid(1), 'status': 'containment_pending'}]))
    )
    clock = Clock()
    latest = wait_for_status(client, {aid(1): 'contained'}, 12, 5, sleep=clock.sleep, clock=lambda: clock.now)
    assert latest[aid(1)]['status'] == 'containment_pending'
    assert clock.sleeps == [5, 5, 2]
    assert len(session.calls_to(DETAILS)) == 4
