"""devices-scroll: the recorded constant token with its server-side cursor, and the older rotating tokens."""

import math
import time

import pytest

SCROLL = '/devices/queries/devices-scroll/v1'
QUERY = '/devices/queries/devices/v1'


def _page(api, token=None, **params):
    """One scroll call; returns the reply."""
    if token:
        params['offset'] = token
    return api.get(SCROLL, params=params)


def test_constant_token_to_the_end(falcon_emulator, api):
    """One token for the whole scroll; only expires_at changes; no limit key; the end is {total: 0, offset: ''}."""
    first = _page(api, limit=20, sort='hostname.asc').json()
    token = first['meta']['pagination']['offset']
    assert token.startswith('DnF1ZXJ5VGhlbkZldGNo')
    seen, expiries, calls = list(first['resources']), [first['meta']['pagination']['expires_at']], 1
    while True:
        body = _page(api, token, limit=20).json()
        calls += 1
        pagination = body['meta']['pagination']
        if not body['resources']:
            assert pagination == {'offset': '', 'total': 0}
            break
        assert set(pagination) == {'offset', 'total', 'expires_at'}
        assert pagination['offset'] == token and pagination['total'] == 50
        expiries.append(pagination['expires_at'])
        seen += body['resources']
    assert calls == math.ceil(50 / 20) + 1
    assert expiries == sorted(expiries)
    assert abs(expiries[-1] / 1e9 - (time.time() + 120)) < 5  # epoch nanoseconds, about now + scroll_ttl
    by_name = sorted(falcon_emulator.devices(), key=lambda d: d['hostname'].lower())
    assert seen == [d['device_id'] for d in by_name]
    again = _page(api, token, limit=20)
    assert again.status_code == 200 and again.json()['resources'] == []  # the end page, again


def test_cursor_lives_on_the_server(falcon_emulator, api):
    """Calling the same token twice reads two different pages: a lost answer is not sent again."""
    token = _page(api, limit=10).json()['meta']['pagination']['offset']
    second = _page(api, token, limit=10).json()['resources']
    third = _page(api, token, limit=10).json()['resources']
    assert len(second) == len(third) == 10 and not set(second) & set(third)
    assert falcon_emulator.counters()['calls']['GET ' + SCROLL] == 3


def test_two_scrolls_are_independent(api):
    """Each scroll without offset opens its own cursor and token."""
    one = _page(api, limit=30).json()['meta']['pagination']['offset']
    two = _page(api, limit=30).json()['meta']['pagination']['offset']
    assert one != two
    assert len(_page(api, one, limit=30).json()['resources']) == 20
    assert len(_page(api, two, limit=30).json()['resources']) == 20


def test_no_match_answers_the_end_page(api):
    """A scroll that matches nothing answers resources [] with {total: 0, offset: ''} at once."""
    body = _page(api, filter="hostname:'nothing-like-this'").json()
    assert body['resources'] == [] and body['meta']['pagination'] == {'offset': '', 'total': 0}


def test_25000_hosts_in_three_pages(emulator_factory, api_for):
    """25,000 hosts at limit 10000: pages of 10000, 10000 and 5000 under one token; total says when to stop."""
    emulator = emulator_factory(hosts=25000, seed=1)
    api = api_for(emulator)
    body = _page(api, limit=10000).json()
    token, sizes, seen = body['meta']['pagination']['offset'], [len(body['resources'])], set(body['resources'])
    while len(seen) < body['meta']['pagination']['total']:
        body = _page(api, token, limit=10000).json()
        assert body['meta']['pagination'] == {
            'offset': token,
            'total': 25000,
            'expires_at': body['meta']['pagination']['expires_at'],
        }
        sizes.append(len(body['resources']))
        seen.update(body['resources'])
    assert sizes == [10000, 10000, 5000] and len(seen) == 25000
    assert emulator.counters()['calls']['GET ' + SCROLL] == 3


@pytest.mark.parametrize('status', [400, 404, 500])
def test_unknown_or_expired_token(emulator_factory, api_for, status):
    """An unknown token, or one idle longer than scroll_ttl, answers scroll_expired_status (400 by default)."""
    settings = {} if status == 400 else {'scroll_expired_status': status}
    emulator = emulator_factory(hosts=30, scroll_ttl=0.3, **settings)
    api = api_for(emulator)
    token = _page(api, limit=10).json()['meta']['pagination']['offset']
    assert _page(api, token, limit=10).status_code == 200
    time.sleep(0.4)
    expired = _page(api, token, limit=10)
    assert expired.status_code == status
    assert expired.json()['errors'][0]['message'].startswith('The offset token is invalid or has expired')
    assert _page(api, 'garbage').status_code == status


def test_each_page_renews_the_token(emulator_factory, api_for):
    """expires_at is renewed by every page, so a scroll read faster than scroll_ttl per page never expires."""
    emulator = emulator_factory(hosts=30, scroll_ttl=0.5)
    api = api_for(emulator)
    token = _page(api, limit=5).json()['meta']['pagination']['offset']
    for _unused in range(5):
        time.sleep(0.3)
        assert _page(api, token, limit=5).status_code == 200


def test_limit_range(api):
    """limit is 1..10000 on scroll."""
    assert _page(api, limit=10001).status_code == 400
    assert _page(api, limit=0).status_code == 400
    assert _page(api, limit=10000).status_code == 200


def test_bad_filter_on_scroll_answers_500(falcon_emulator, api):
    """A bad filter on devices-scroll answers 500 (recorded), or 400 with scroll_bad_filter_status=400."""
    bad = {'filter': "last_seen:'Last week'"}
    reply = _page(api, **bad)
    assert reply.status_code == 500
    assert reply.json()['errors'] == [{'code': 500, 'message': 'Internal Server Error'}]
    assert api.get(QUERY, params=bad).status_code == 400  # the offset query keeps its 400
    falcon_emulator.configure(scroll_bad_filter_status=400)
    reply = _page(api, **bad)
    assert reply.status_code == 400
    assert "'Last week' is not a valid timestamp for property 'last_seen'" in reply.json()['errors'][0]['message']


def test_rotating_mode(falcon_emulator, api):
    """scroll_token_mode='rotating': a new token per page (reusable until it expires), limit and expires_at keys."""
    falcon_emulator.configure(scroll_token_mode='rotating')
    body = _page(api, limit=20).json()
    tokens, seen = [], list(body['resources'])
    while body['resources']:
        pagination = body['meta']['pagination']
        assert set(pagination) == {'offset', 'limit', 'total', 'expires_at'} and pagination['limit'] == 20
        tokens.append(pagination['offset'])
        body = _page(api, tokens[-1], limit=20).json()
        seen += body['resources']
    assert body['meta']['pagination'] == {'offset': '', 'limit': 20, 'total': 0, 'expires_at': 0}
    assert len(tokens) == len(set(tokens)) == 3
    assert len(seen) == len(set(seen)) == 50
    retried = _page(api, tokens[0], limit=20).json()['resources']
    assert retried == _page(api, tokens[0], limit=20).json()['resources'] and len(retried) == 20


def test_bad_scroll_settings_are_refused(falcon_emulator):
    """The scroll settings take only their listed values."""
    for key, value in (
        ('scroll_token_mode', 'sticky'),
        ('scroll_expired_status', 410),
        ('scroll_bad_filter_status', 503),
    ):
        with pytest.raises(ValueError, match=key):
            falcon_emulator.configure(**{key: value})
