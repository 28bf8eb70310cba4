"""FalconPy Hosts against the emulator: queries, scroll to the end, details (POST and GET), actions."""
import time

from falconpy import Hosts

from falcon_emulator.clients import NOSCOPE_CLIENT


def test_query_devices_by_filter_paging(falcon_emulator, falcon_auth):
    """Offset paging the way FalconPy's samples do it: next offset from meta.pagination until total."""
    hosts = Hosts(auth_object=falcon_auth)
    seen, offset, total = [], 0, None
    while total is None or offset < total:
        reply = hosts.query_devices_by_filter(filter="platform_name:['Windows','Linux']", sort='hostname|asc', limit=7, offset=offset)
        assert reply['status_code'] == 200
        seen += reply['body']['resources']
        offset = reply['body']['meta']['pagination']['offset']
        total = reply['body']['meta']['pagination']['total']
    expected = sorted((d['hostname'].lower(), d['device_id']) for d in falcon_emulator.devices() if d['platform_name'] in ('Windows', 'Linux'))
    assert seen == [device_id for _name, device_id in expected]


def test_query_errors_come_back_as_400(falcon_auth):
    """An unknown FQL property and the offset cap are 400s FalconPy passes through."""
    hosts = Hosts(auth_object=falcon_auth)
    reply = hosts.query_devices_by_filter(filter="os:'Windows'")
    assert reply['status_code'] == 400
    assert reply['body']['errors'][0]['message'] == "Failed to parse filter expression. ['os' is an unknown property]"
    assert hosts.query_devices_by_filter(offset=9950, limit=100)['body']['errors'][0]['message'] == 'limit + offset must be less than 10000'


def test_scroll_to_the_end(falcon_emulator, falcon_auth):
    """query_devices_by_filter_scroll: follow the string offset until resources are empty / offset is ''."""
    hosts = Hosts(auth_object=falcon_auth)
    seen, offset, calls = [], None, 0
    while True:
        kwargs = {'limit': 16, 'sort': 'hostname.desc'}
        if offset:
            kwargs['offset'] = offset
        reply = hosts.query_devices_by_filter_scroll(**kwargs)
        calls += 1
        assert reply['status_code'] == 200
        if not reply['body']['resources']:
            assert reply['body']['meta']['pagination']['offset'] == ''
            break
        seen += reply['body']['resources']
        offset = reply['body']['meta']['pagination']['offset']
    assert calls == 5  # 16 + 16 + 16 + 2, then the empty page
    assert seen == [d['device_id'] for d in sorted(falcon_emulator.devices(), key=lambda d: d['hostname'].lower(), reverse=True)]


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


def test_scope_403(falcon_emulator, falconpy_login):
    """A client without devices:read gets 403 'access denied, scope not permitted'."""
    auth = falconpy_login(falcon_emulator, client=NOSCOPE_CLIENT)
    reply = Hosts(auth_object=auth).query_devices_by_filter()
    assert reply['status_code'] == 403
    assert reply['body']['errors'] == [{'code': 403, 'message': 'access denied, scope not permitted'}]
