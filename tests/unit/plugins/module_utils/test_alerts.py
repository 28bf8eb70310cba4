"""Unit tests of the alerts helpers: composite ids, combined `after` paging, entities batches, actions (HTTP faked at the Session)."""

import pytest

from ansible_collections.secops.falcon.plugins.module_utils._alerts import (
    assignment_action,
    get_alerts,
    search_alerts,
    update_alerts,
    validate_composite_ids,
)
from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconApiError, FalconConfigError

COMBINED = '/alerts/combined/alerts/v1'
ENTITIES = '/alerts/entities/alerts/v2'
UPDATE = '/alerts/entities/alerts/v3'
CID = 'c1d0000000000000000000000000a001'


def alert_id(number):
    """A well-formed composite id."""
    return '%s:ind:%032x:%d-10197-%d' % (CID, number, 100000 + number, number)


def page(fake, numbers, total, after=None):
    """A combined answer with these alerts and pagination."""
    pagination = {'total': total, 'limit': len(numbers)}
    if after is not None:
        pagination['after'] = after
    return fake.make_response(
        200, fake.api_body([{'composite_id': alert_id(n)} for n in numbers], pagination=pagination)
    )


def test_validate_composite_ids_keeps_order_and_names_bad_ones():
    """Duplicates go, order stays; malformed ids are named with an example of the right shape."""
    assert validate_composite_ids([alert_id(2), alert_id(1), alert_id(2)]) == [alert_id(2), alert_id(1)]
    with pytest.raises(FalconConfigError) as err:
        validate_composite_ids([alert_id(1), 'ind:abc', 7])
    assert "'ind:abc', 7" in str(err.value) and '<cid>:<kind>:<id>' in str(err.value)


@pytest.mark.parametrize(
    'value, action',
    [
        ('5b9e2c3a-1f4d-4a7e-9c2b-0d8f6e1a2b3c', 'assign_to_uuid'),
        ('jane.doe@example.com', 'assign_to_user_id'),
        ('Jane Doe', 'assign_to_name'),
    ],
)
def test_assignment_action_by_shape(value, action):
    """A UUID, an e-mail address (user id) or a name."""
    assert assignment_action(value) == action


def test_search_follows_after_and_sends_filter_sort(fake, session, client):
    """Pages of 1000 until no `after`; filter, sort and after travel in the JSON body."""
    session.add(
        COMBINED,
        page(fake, range(1000), 2500, 'a1'),
        page(fake, range(1000, 2000), 2500, 'a2'),
        page(fake, range(2000, 2500), 2500),
    )
    search = search_alerts(client, fql='severity:>=50', sort='created_timestamp|asc')
    assert len(search.alerts) == 2500 and search.total == 2500
    bodies = [c.kwargs['json'] for c in session.calls_to(COMBINED)]
    assert bodies[0] == {'limit': 1000, 'filter': 'severity:>=50', 'sort': 'created_timestamp|asc'}
    assert bodies[1]['after'] == 'a1' and bodies[2]['after'] == 'a2'


def test_search_limit_shrinks_the_last_page(fake, session, client):
    """limit=1500: a page of 1000, then one of 500; total stays the API's count."""
    session.add(COMBINED, page(fake, range(1000), 5000, 'a1'), page(fake, range(1000, 1500), 5000, 'a2'))
    search = search_alerts(client, limit=1500)
    assert len(search.alerts) == 1500 and search.total == 5000
    assert [c.kwargs['json']['limit'] for c in session.calls_to(COMBINED)] == [1000, 500]


def test_search_drops_a_record_that_moved_between_pages(fake, session, client):
    """Paging on live data may show an alert twice; it is returned once."""
    session.add(COMBINED, page(fake, [1, 2], 3, 'a1'), page(fake, [2, 3], 3))
    assert [a['composite_id'] for a in search_alerts(client).alerts] == [alert_id(1), alert_id(2), alert_id(3)]


def test_search_refuses_a_token_that_never_advances(fake, session, client):
    """The same `after` twice would loop forever: a clear error instead."""
    session.add(COMBINED, page(fake, [1], 10, 'same'), page(fake, [2], 10, 'same'))
    with pytest.raises(FalconApiError, match='same after token twice'):
        search_alerts(client)


def test_search_stop_above_reads_one_small_page(fake, session, client):
    """With stop_above=25 the first page asks for 26 and stops when the total is larger."""
    session.add(COMBINED, page(fake, range(26), 400, 'a1'))
    search = search_alerts(client, fql="status:'new'", stop_above=25)
    assert search.alerts is None and search.total == 400
    assert [c.kwargs['json']['limit'] for c in session.calls_to(COMBINED)] == [26]


def test_search_names_the_filter_on_a_400(fake, session, client):
    """A refused filter is named with the API's message."""
    session.add(
        COMBINED,
        fake.make_response(400, fake.api_body(errors=[{'code': 400, 'message': "['x' is an unknown property]"}])),
    )
    with pytest.raises(FalconApiError) as err:
        search_alerts(client, fql="x:'1'")
    assert "filter \"x:'1'\"" in str(err.value) and 'unknown property' in str(err.value)


@pytest.mark.parametrize('limit', [0, -1, True, 'ten'])
def test_search_refuses_bad_limits(client, limit):
    """limit must be a whole number of 1 or more."""
    with pytest.raises(FalconConfigError, match='limit must be a whole number of 1 or more'):
        search_alerts(client, limit=limit)


def test_get_alerts_batches_and_reports_missing(fake, session, client):
    """1000 ids a call; unknown ones are returned as not found, records in request order."""

    def answer(call):
        ids = call.kwargs['json']['composite_ids']
        return fake.make_response(
            200, fake.api_body([{'composite_id': i} for i in reversed(ids) if not i.endswith('-7')])
        )

    session.handler = lambda call: fake.token_response() if call.path == '/oauth2/token' else answer(call)
    ids = [alert_id(n) for n in range(1, 1501)]
    records, missing = get_alerts(client, ids)
    assert [r['composite_id'] for r in records] == [i for i in ids if not i.endswith('-7')]
    assert missing == [i for i in ids if i.endswith('-7')]
    assert [len(c.kwargs['json']['composite_ids']) for c in session.calls_to(ENTITIES)] == [1000, 500]


def test_update_reports_per_id_errors_of_a_200(fake, session, client):
    """A 200 that lists an id in errors (or leaves it out) fails that id only."""
    ids = [alert_id(1), alert_id(2), alert_id(3)]
    session.add(
        UPDATE,
        fake.make_response(200, fake.api_body([ids[0]], errors=[{'code': 404, 'message': 'gone', 'id': ids[1]}])),
    )
    result = update_alerts(client, ids, [('update_status', 'closed')])
    assert result.updated == [ids[0]]
    assert result.failed == {ids[1]: '404: gone', ids[2]: 'the API left this alert out of its answer'}
    body = session.calls_to(UPDATE)[0].kwargs['json']
    assert body == {'composite_ids': ids, 'action_parameters': [{'name': 'update_status', 'value': 'closed'}]}


def test_update_stops_after_a_client_refusal(fake, session, client):
    """A 403 on the first batch fails it and every later batch without sending them."""
    session.add(
        UPDATE,
        fake.make_response(
            403, {'meta': {}, 'errors': [{'code': 403, 'message': 'access denied, scope not permitted'}]}
        ),
    )
    ids = [alert_id(n) for n in range(1, 1201)]
    result = update_alerts(client, ids, [('add_tag', 't')])
    assert result.updated == [] and len(result.failed) == 1200
    assert result.failed[ids[0]] == (
        '403: access denied, scope not permitted. The API client needs the API scope alerts:write (Alerts: Write): '
        'add it to the API client in the Falcon console.'
    )
    assert result.failed[ids[-1]].endswith('(not sent after the refusal above)')
    assert len(session.calls_to(UPDATE)) == 1


def test_update_is_not_retried_on_a_5xx(fake, session, client, sleeps):
    """A PATCH (append_comment is not idempotent) that met a 503 is failed, never sent twice."""
    session.add(UPDATE, fake.make_response(503, fake.api_body(errors=[{'code': 503, 'message': 'busy'}])))
    result = update_alerts(client, [alert_id(1)], [('append_comment', 'once')])
    assert result.failed == {alert_id(1): '503: busy'}
    assert len(session.calls_to(UPDATE)) == 1 and sleeps == []


def test_a_batch_refused_with_400_is_halved_and_the_smaller_size_kept(fake, session, client):
    """The 1000 cap is a guess: a whole-batch 400 sends the same ids again in halves, and later batches stay small."""
    too_many = fake.make_response(400, fake.api_body(errors=[{'code': 400, 'message': 'too many ids'}]))

    def answer(call):
        if call.path.endswith('/oauth2/token'):
            return fake.token_response()
        batch = call.kwargs['json']['composite_ids']
        return too_many if len(batch) > 300 else fake.make_response(200, fake.api_body(batch))

    session.handler = answer
    ids = [alert_id(n) for n in range(1, 1201)]
    result = update_alerts(client, ids, [('add_tag', 't')])
    assert result.failed == {} and result.updated == ids
    sizes = [len(c.kwargs['json']['composite_ids']) for c in session.calls_to(UPDATE)]
    assert sizes == [1000, 500, 250, 250, 250, 250, 200]


def test_a_400_even_for_one_alert_stops_the_rest(fake, session, client):
    """A 400 that halving cannot cure (a bad action value) ends after one single-alert try, not one call per id."""
    bad = fake.make_response(400, fake.api_body(errors=[{'code': 400, 'message': 'Unknown user'}]))
    session.handler = lambda call: fake.token_response() if call.path.endswith('/oauth2/token') else bad
    ids = [alert_id(n) for n in range(1, 9)]
    result = update_alerts(client, ids, [('assign_to_name', 'nobody')])
    assert result.updated == [] and len(result.failed) == 8
    assert len(session.calls_to(UPDATE)) == 4  # 8, 4, 2, 1
