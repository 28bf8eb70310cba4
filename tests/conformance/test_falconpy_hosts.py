"""FalconPy Hosts against the emulator: queries, scroll to the end, details (POST and GET), actions."""

import time

from falcon_emulator.clients import NOSCOPE_CLIENT
from falconpy import Hosts


def test_query_devices_by_filter_paging(falcon_emulator, falcon_auth):
    """Offset paging the way FalconPy's samples do it: next offset from meta.pagination until total."""
    hosts = Hosts(auth_object=falcon_auth)
    seen, offset, total = [], 0, None
    while total is None or offset < total:
        reply = hosts.query_devices_by_filter(
            filter="platform_name:['Windows','Linux']", sort='hostname|asc', limit=7, offset=offset
        )
        assert reply['status_code'] == 200
        seen += reply['body']['resources']
        offset = reply['body']['meta']['pagination']['offset']
        total = reply['body']['meta']['pagination']['total']
    expected = sorted(
        (d['hostname'].lower(), d['device_id'])
        for d in falcon_emulator.devices()
        if d['platform_name'] in ('Windows', 'Linux')
    )
    assert seen == [device_id for _name, device_id in expected]


def test_query_errors_come_back_as_400(falcon_auth):
    """An unknown FQL property and the offset cap are 400s FalconPy passes through."""
    hosts = Hosts(auth_object=falcon_auth)
    reply = hosts.query_devices_by_filter(filter="os:'Windows'")
    assert reply['status_code'] == 400
    assert reply['body']['errors'][0]['message'] == "Failed to parse filter expression. ['os' is an unknown property]"
    assert (
        hosts.query_devices_by_filter(offset=9950, limit=100)['body']['errors'][0]['message']
        == 'limit + offset must be less than 10000'
    )


def test_scroll_to_the_end(falcon_emulator, falcon_auth):
    """query_devices_by_filter_scroll through one constant token until resources are empty and offset is ''."""
    hosts = Hosts(auth_object=falcon_auth)
    seen, offset, calls, tokens = [], None, 0, set()
    while True:
        kwargs = {'limit': 16, 'sort': 'hostname.desc'}
        if offset:
            kwargs['offset'] = offset
        reply = hosts.query_devices_by_filter_scroll(**kwargs)
        calls += 1
        assert reply['status_code'] == 200
        pagination = reply['body']['meta']['pagination']
        if not reply['body']['resources']:
            assert pagination == {'offset': '', 'total': 0}
            break
        assert 'limit' not in pagination and pagination['total'] == 50
        seen += reply['body']['resources']
        offset = pagination['offset']
        tokens.add(offset)
    assert calls == 5  # 16 + 16 + 16 + 2, then the empty page
    assert len(tokens) == 1  # the same token on every page (API behaviour 9.1)
    assert seen == [
        d['device_id'] for d in sorted(falcon_emulator.devices(), key=lambda d: d['hostname'].lower(), reverse=True)
    ]


def test_get_device_details_post_and_get(falcon_emulator, falcon_auth):
    """get_device_details (POST v2) and get_device_details_v2 (GET) return the same records."""
    hosts = Hosts(auth_object=falcon_auth)
    ids = [d['device_id'] for d in falcon_emulator.devices()[:10]]
    posted = hosts.get_device_details(ids=ids + ['0' * 32])
    got = hosts.get_device_details_v2(ids=ids)
    assert posted['status_code'] == got['status_code'] == 200
    assert [r['device_id'] for r in posted['body']['resources']] == ids
    assert posted['body']['resources'] == got['body']['resources']
    assert falcon_emulator.counters()['calls']['POST /devices/entities/devices/v2'] == 1
    assert falcon_emulator.counters()['calls']['GET /devices/entities/devices/v2'] == 1


def test_perform_action_contain_and_lift(falcon_emulator, falcon_auth):
    """contain: 202, again: 409 naming the host; after the delay lift: 202 and back to normal."""
    hosts = Hosts(auth_object=falcon_auth)
    aid = falcon_emulator.devices()[3]['device_id']
    first = hosts.perform_action(action_name='contain', ids=[aid])
    assert first['status_code'] == 202
    assert first['body']['resources'] == [{'id': aid, 'path': ''}]
    second = hosts.perform_action(action_name='contain', ids=[aid])
    assert second['status_code'] == 409
    assert aid in second['body']['errors'][0]['message']
    time.sleep(falcon_emulator.config.containment_delay + 0.05)
    assert hosts.get_device_details(ids=[aid])['body']['resources'][0]['status'] == 'contained'
    assert hosts.perform_action(action_name='lift_containment', ids=[aid])['status_code'] == 202
    time.sleep(falcon_emulator.config.containment_delay + 0.05)
    assert hosts.get_device_details(ids=[aid])['body']['resources'][0]['status'] == 'normal'


def test_scroll_stops_on_total_like_the_samples(emulator_factory, falconpy_login):
    """FalconPy's samples stop when the ids read reach total: 2,500 hosts at limit 1000 take 3 calls."""
    emulator = emulator_factory(hosts=2500)
    hosts = Hosts(auth_object=falconpy_login(emulator))
    seen, offset, total = [], None, None
    while total is None or len(seen) < total:
        reply = hosts.query_devices_by_filter_scroll(limit=1000, **({'offset': offset} if offset else {}))
        assert reply['status_code'] == 200
        seen += reply['body']['resources']
        offset, total = reply['body']['meta']['pagination']['offset'], reply['body']['meta']['pagination']['total']
    assert len(seen) == len(set(seen)) == 2500
    assert emulator.counters()['calls']['GET /devices/queries/devices-scroll/v1'] == 3


def test_prefix_and_case_rules(falcon_emulator, falcon_auth):
    """The single form is a case-insensitive prefix match, the list form exact and case-sensitive
    (API behaviour 9.2)."""
    hosts = Hosts(auth_object=falcon_auth)
    records = falcon_emulator.devices()
    short = next(r for r in records if r['hostname'].lower() == 'host-0001')
    prefix = hosts.query_devices_by_filter(filter="hostname:'HOST-0001'", limit=100)['body']['resources']
    assert sorted(prefix) == sorted(r['device_id'] for r in records if r['hostname'].lower().startswith('host-0001'))
    assert len(prefix) == 10
    exact = hosts.query_devices_by_filter(filter="hostname:['%s']" % short['hostname'])['body']['resources']
    assert exact == [short['device_id']]
    assert (
        hosts.query_devices_by_filter(filter="hostname:['%s']" % short['hostname'].swapcase())['body']['resources']
        == []
    )


def test_mixed_action_batch(falcon_emulator, falcon_auth):
    """A batch with an unknown id answers 400 but still lists the accepted hosts, which do change
    (API behaviour 9.4)."""
    hosts = Hosts(auth_object=falcon_auth)
    accepted = [d['device_id'] for d in falcon_emulator.devices()[5:8]]
    reply = hosts.perform_action(action_name='contain', ids=accepted + ['0' * 32])
    assert reply['status_code'] == 400
    assert sorted(r['id'] for r in reply['body']['resources']) == sorted(accepted)
    assert [e['code'] for e in reply['body']['errors']] == [404]
    statuses = {r['device_id']: r['status'] for r in hosts.get_device_details(ids=accepted)['body']['resources']}
    assert set(statuses.values()) <= {'containment_pending', 'contained'}


def test_batch_over_the_cap_is_refused(emulator_factory, falconpy_login):
    """101 ids in one contain call: 400, nothing contained; 100 are accepted."""
    emulator = emulator_factory(hosts=101)
    hosts = Hosts(auth_object=falconpy_login(emulator))
    ids = [d['device_id'] for d in emulator.devices()]
    refused = hosts.perform_action(action_name='contain', ids=ids)
    assert refused['status_code'] == 400 and refused['body']['resources'] == []
    assert {d['status'] for d in emulator.devices()} == {'normal'}
    assert hosts.perform_action(action_name='contain', ids=ids[:100])['status_code'] == 202


def test_scope_403(falcon_emulator, falconpy_login):
    """A client without devices:read gets 403 'access denied, scope not permitted'."""
    auth = falconpy_login(falcon_emulator, client=NOSCOPE_CLIENT)
    reply = Hosts(auth_object=auth).query_devices_by_filter()
    assert reply['status_code'] == 403
    assert reply['body']['errors'] == [{'code': 403, 'message': 'access denied, scope not permitted'}]
