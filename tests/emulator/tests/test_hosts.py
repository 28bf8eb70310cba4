"""Hosts: records, queries and paging caps, scroll, details, actions and the containment status machine."""

import re
import time

import pytest
from falcon_emulator import Emulator, EmulatorConfig
from falcon_emulator.clients import DEFAULT_CLIENT, EU_CLIENT

QUERY = '/devices/queries/devices/v1'
SCROLL = '/devices/queries/devices-scroll/v1'
DETAILS = '/devices/entities/devices/v2'
ACTIONS = '/devices/entities/devices-actions/v2'


def test_records_are_realistic_and_deterministic(falcon_emulator):
    """Same seed, same hosts; ids are 32 hex, hostnames host-NNNNN, policies point at seeded policies."""
    records = falcon_emulator.devices()
    again = Emulator(EmulatorConfig(hosts=50, seed=1)).app.tenant().hosts
    assert [r['device_id'] for r in records] == [h.device_id for h in again]
    prefix_names = {10: 'host-0001', 20: 'host-0002', 30: 'host-0003'}
    assert [r['hostname'].lower() for r in records] == [prefix_names.get(n, 'host-%05d' % n) for n in range(1, 51)]
    assert {r['platform_name'] for r in records} == {'Windows', 'Mac', 'Linux'}
    policy_ids = {p['id'] for items in falcon_emulator.app.tenant().policies.values() for p in items}
    for record in records:
        assert re.match(r'^[0-9a-f]{32}$', record['device_id'])
        assert record['cid'] == DEFAULT_CLIENT.cid
        assert record['status'] == 'normal'
        assert re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$', record['last_seen'])
        assert record['device_policies']['prevention']['policy_id'] in policy_ids
        assert record['device_policies']['sensor_update']['policy_id'] in policy_ids
    other_seed = Emulator(EmulatorConfig(hosts=50, seed=2)).app.tenant().hosts
    assert other_seed[0].device_id != records[0]['device_id']
    assert other_seed[0].hostname.lower() == 'host-00001'


def test_windows_hostnames_are_upper_case_and_some_are_prefixes(falcon_emulator):
    """Windows hosts carry upper-case names, the others lower case; host-0001..3 are prefixes of nine names each."""
    records = falcon_emulator.devices()
    for record in records:
        expected = record['hostname'].upper() if record['platform_name'] == 'Windows' else record['hostname'].lower()
        assert record['hostname'] == expected
    assert {r['platform_name'] for r in records if r['hostname'].isupper()} == {'Windows'}
    names = [r['hostname'].lower() for r in records]
    for short in ('host-0001', 'host-0002', 'host-0003'):
        assert sum(1 for n in names if n.startswith(short) and n != short) == 9


def test_query_paging_returns_next_offset(falcon_emulator, api):
    """meta.pagination.offset is the next offset; pages cover every visible host once."""
    seen, offset = [], 0
    while True:
        body = api.get(QUERY, params={'limit': 15, 'offset': offset, 'sort': 'hostname.asc'}).json()
        seen += body['resources']
        assert body['meta']['pagination']['total'] == 50
        if not body['resources']:
            break
        offset = body['meta']['pagination']['offset']
    assert len(seen) == len(set(seen)) == 50
    hostnames = {d['device_id']: d['hostname'] for d in falcon_emulator.devices()}
    assert [hostnames[i] for i in seen] == sorted(hostnames.values(), key=str.lower)  # sorting ignores case


@pytest.mark.parametrize(
    'params, message',
    [
        ({'limit': 0}, 'limit'),
        ({'limit': 5001}, 'limit'),
        ({'limit': 'ten'}, 'limit'),
        ({'offset': -1}, 'offset'),
        ({'offset': 5000, 'limit': 5000}, 'limit + offset must be less than 10000'),
        ({'offset': 9999, 'limit': 1}, 'limit + offset must be less than 10000'),
        ({'filter': "bogus:'x'"}, "Failed to parse filter expression. ['bogus' is an unknown property]"),
        ({'sort': 'nope.asc'}, "Invalid sort 'nope.asc'"),
    ],
)
def test_query_validation(api, params, message):
    """Out-of-range limit/offset, the 10000 cap, bad filters and sorts: 400 naming the problem."""
    reply = api.get(QUERY, params=params)
    assert reply.status_code == 400
    assert message in reply.json()['errors'][0]['message']
    assert reply.json()['resources'] == []


def test_query_filters_and_sorts(falcon_emulator, api):
    """FQL over real fields and every sort form give what a Python filter over the records gives."""
    records = falcon_emulator.devices()
    windows = [r for r in records if r['platform_name'] == 'Windows']
    body = api.get(QUERY, params={'filter': "platform_name:'Windows'", 'limit': 5000, 'sort': 'last_seen|desc'}).json()
    expected = [r['device_id'] for r in sorted(windows, key=lambda r: r['last_seen'], reverse=True)]
    assert body['resources'] == expected
    assert body['meta']['pagination']['total'] == len(windows)
    names = [records[2]['hostname'], records[6]['hostname']]
    ids = api.get(QUERY, params={'filter': "hostname:['%s']" % "','".join(names)}).json()['resources']
    assert sorted(ids) == sorted(r['device_id'] for r in records if r['hostname'] in names)
    stale = api.get(QUERY, params={'filter': "last_seen:<'now-1d'", 'limit': 5000}).json()['resources']
    cutoff = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(time.time() - 86400))
    assert sorted(stale) == sorted(r['device_id'] for r in records if r['last_seen'] < cutoff)
    tagged = api.get(QUERY, params={'filter': "tags:'FalconGroupingTags/Production'+platform_name:!'Mac'"}).json()
    assert tagged['meta']['pagination']['total'] == len(
        [r for r in records if 'FalconGroupingTags/Production' in r['tags'] and r['platform_name'] != 'Mac']
    )
    wildcard = api.get(QUERY, params={'filter': "hostname:'host-0001*'", 'limit': 100}).json()['resources']
    assert len(wildcard) == 10  # host-0001 itself and host-00011 .. host-00019


def test_scroll_to_the_end(falcon_emulator, api):
    """Scroll pages with string tokens; the last page still has a token whose call gives [] and offset ''."""
    seen, offset, calls = [], None, 0
    while True:
        params = {'limit': 20}
        if offset:
            params['offset'] = offset
        body = api.get(SCROLL, params=params).json()
        calls += 1
        pagination = body['meta']['pagination']
        if not body['resources']:
            assert pagination['offset'] == '' and pagination['total'] == 0
            break
        assert pagination['total'] == 50 and isinstance(pagination['offset'], str) and pagination['offset']
        assert pagination['expires_at'] > time.time() * 1e9
        seen += body['resources']
        offset = pagination['offset']
    assert calls == 4  # 20 + 20 + 10, then the empty page
    assert sorted(seen) == sorted(d['device_id'] for d in falcon_emulator.devices())


def test_scroll_token_expires(emulator_factory, api_for):
    """A token older than scroll_ttl, or an unknown one, is refused with 400; limit is 1..10000."""
    emulator = emulator_factory(hosts=30, scroll_ttl=0.3)
    api = api_for(emulator)
    token = api.get(SCROLL, params={'limit': 10}).json()['meta']['pagination']['offset']
    assert api.get(SCROLL, params={'limit': 10, 'offset': token}).status_code == 200
    time.sleep(0.4)
    expired = api.get(SCROLL, params={'limit': 10, 'offset': token})
    assert expired.status_code == 400
    assert 'expired' in expired.json()['errors'][0]['message']
    assert api.get(SCROLL, params={'offset': 'garbage'}).status_code == 400
    assert api.get(SCROLL, params={'limit': 10001}).status_code == 400
    assert api.get(SCROLL, params={'limit': 10000}).status_code == 200


def test_details_get_and_post(falcon_emulator, api):
    """GET takes repeated or comma-separated ids (<=100), POST takes {"ids"} (<=5000); unknown ids are left out."""
    records = falcon_emulator.devices()
    ids = [r['device_id'] for r in records[:3]]
    repeated = api.get(DETAILS, params={'ids': ids + ['f' * 32]}).json()['resources']
    assert [r['device_id'] for r in repeated] == ids
    comma = api.get(DETAILS, params={'ids': ','.join(ids)}).json()['resources']
    assert comma == repeated
    posted = api.post(DETAILS, json={'ids': ids + ['not-a-host']})
    assert posted.status_code == 200
    assert posted.json()['resources'] == repeated
    assert posted.json()['resources'][0] == records[0]
    too_many = api.get(DETAILS, params={'ids': ['a' * 32] * 101})
    assert too_many.status_code == 400
    assert too_many.json()['errors'][0]['message'] == 'request must contain between 0 and 100 ids'
    assert api.post(DETAILS, json={'ids': ['a' * 32] * 5001}).status_code == 400
    assert api.post(DETAILS, json={'ids': []}).status_code == 400
    assert api.post(DETAILS, json={'nope': 1}).status_code == 400
    bad_json = api.post(DETAILS, data='{"ids": [', headers={'Content-Type': 'application/json'})
    assert bad_json.status_code == 400
    assert 'Invalid JSON' in bad_json.json()['errors'][0]['message']


def _status(api, device_id):
    """Current status of one host over the API."""
    return api.get(DETAILS, params={'ids': device_id}).json()['resources'][0]['status']


def test_containment_status_machine(falcon_emulator, api):
    """normal -> containment_pending -> contained -> lift_containment_pending -> normal, delay-driven."""
    falcon_emulator.configure(containment_delay=0.3)
    host = falcon_emulator.devices()[0]['device_id']
    reply = api.post(ACTIONS, params={'action_name': 'contain'}, json={'ids': [host]})
    assert reply.status_code == 202
    assert reply.json()['resources'] == [{'id': host, 'path': ''}]
    assert _status(api, host) == 'containment_pending'
    again = api.post(ACTIONS, params={'action_name': 'contain'}, json={'ids': [host]})
    assert again.status_code == 409
    assert host in again.json()['errors'][0]['message'] and again.json()['errors'][0]['code'] == 409
    time.sleep(0.35)
    assert _status(api, host) == 'contained'
    assert api.get(QUERY, params={'filter': "status:'contained'"}).json()['resources'] == [host]
    assert api.post(ACTIONS, params={'action_name': 'contain'}, json={'ids': [host]}).status_code == 409
    assert api.post(ACTIONS, params={'action_name': 'lift_containment'}, json={'ids': [host]}).status_code == 202
    assert _status(api, host) == 'lift_containment_pending'
    time.sleep(0.35)
    assert _status(api, host) == 'normal'
    assert api.post(ACTIONS, params={'action_name': 'lift_containment'}, json={'ids': [host]}).status_code == 409


@pytest.mark.parametrize('partial_status', [None, 207, 409])
def test_mixed_action_results(falcon_emulator, api, partial_status):
    """A mixed batch answers action_partial_status (400 by default), still listing the accepted hosts
    (API behaviour 9.4)."""
    if partial_status:
        falcon_emulator.configure(action_partial_status=partial_status)
    hosts = [d['device_id'] for d in falcon_emulator.devices()[:3]]
    assert api.post(ACTIONS, params={'action_name': 'contain'}, json={'ids': hosts[:1]}).status_code == 202
    unknown = 'e' * 32
    reply = api.post(ACTIONS, params={'action_name': 'contain'}, json={'ids': hosts + [unknown]})
    assert reply.status_code == (partial_status or 400)
    body = reply.json()
    assert sorted(r['id'] for r in body['resources']) == sorted(hosts[1:])
    assert body['meta']['writes'] == {'resources_affected': 2}
    codes = {e['code']: e['message'] for e in body['errors']}
    assert hosts[0] in codes[409] and unknown in codes[404]
    assert {d['device_id']: d['status'] for d in falcon_emulator.devices()}[hosts[1]] == 'containment_pending'
    only_unknown = api.post(ACTIONS, params={'action_name': 'contain'}, json={'ids': [unknown]})
    assert only_unknown.status_code == 404
    assert only_unknown.json()['resources'] == []


def test_fully_accepted_batch_is_202(falcon_emulator, api):
    """Every host accepted: 202 with no errors, whatever action_partial_status says."""
    falcon_emulator.configure(action_partial_status=409)
    hosts = [d['device_id'] for d in falcon_emulator.devices()[:5]]
    reply = api.post(ACTIONS, params={'action_name': 'contain'}, json={'ids': hosts})
    assert reply.status_code == 202 and reply.json()['errors'] == []
    assert [r['id'] for r in reply.json()['resources']] == hosts


@pytest.mark.parametrize(
    'setting, action, cap',
    [
        (None, 'contain', 100),
        (None, 'lift_containment', 100),
        (None, 'hide_host', 100),
        (None, 'detection_suppress', 500),
        (20, 'contain', 20),
        ({'contain': 30}, 'contain', 30),
        ({'contain': 30}, 'lift_containment', 100),
    ],
)
def test_batch_over_the_cap_is_refused_whole(emulator_factory, api_for, setting, action, cap):
    """Over action_max_ids the whole batch is refused with 400 and no host changes; at the cap it is accepted."""
    emulator = emulator_factory(hosts=600, containment_delay=0)
    if setting is not None:
        emulator.configure(action_max_ids=setting)
    api = api_for(emulator)
    hosts = [d['device_id'] for d in emulator.devices()]
    if action == 'lift_containment':
        for start in range(0, cap + 1, 20):
            assert (
                api.post(
                    ACTIONS, params={'action_name': 'contain'}, json={'ids': hosts[start : min(start + 20, cap + 1)]}
                ).status_code
                == 202
            )
    before = emulator.devices()
    refused = api.post(ACTIONS, params={'action_name': action}, json={'ids': hosts[: cap + 1]})
    assert refused.status_code == 400 and refused.json()['resources'] == []
    assert refused.json()['errors'] == [{'code': 400, 'message': 'request must contain between 0 and %d ids' % cap}]
    assert emulator.devices() == before
    assert api.post(ACTIONS, params={'action_name': action}, json={'ids': hosts[:cap]}).status_code == 202


def test_no_cap(falcon_emulator, api):
    """action_max_ids=None turns the cap off."""
    falcon_emulator.configure(action_max_ids=None)
    hosts = [d['device_id'] for d in falcon_emulator.devices()]
    assert api.post(ACTIONS, params={'action_name': 'contain'}, json={'ids': hosts * 3}).status_code == 202


@pytest.mark.parametrize('value', [0, 'many', {'explode': 5}, {'contain': 0}, True])
def test_bad_action_settings_are_refused(falcon_emulator, value):
    """action_max_ids takes a positive int, a dict of known actions or None; action_partial_status 400/207/409."""
    with pytest.raises(ValueError, match='action_max_ids'):
        falcon_emulator.configure(action_max_ids=value)
    with pytest.raises(ValueError, match='action_partial_status'):
        falcon_emulator.configure(action_partial_status=202)


@pytest.mark.parametrize(
    'params, body, status',
    [
        ({'action_name': 'explode'}, {'ids': ['a' * 32]}, 400),
        ({}, {'ids': ['a' * 32]}, 400),
        ({'action_name': 'contain'}, {'ids': []}, 400),
        ({'action_name': 'hide_host'}, {'ids': ['a' * 32] * 101}, 400),
        ({'action_name': 'contain'}, {'ids': ['a' * 32] * 101}, 400),
    ],
)
def test_action_validation(api, params, body, status):
    """Bad action_name, no ids, or more ids than the per-action cap: 400."""
    assert api.post(ACTIONS, params=params, json=body).status_code == status


def test_hide_unhide_and_suppress(falcon_emulator, api):
    """Hidden hosts vanish from queries (and show in devices-hidden); suppression is a 409-guarded toggle."""
    host = falcon_emulator.devices()[5]['device_id']
    assert api.post(ACTIONS, params={'action_name': 'hide_host'}, json={'ids': [host]}).status_code == 202
    visible = api.get(QUERY, params={'limit': 5000}).json()
    assert host not in visible['resources'] and visible['meta']['pagination']['total'] == 49
    assert api.get('/devices/queries/devices-hidden/v1').json()['resources'] == [host]
    assert api.post(ACTIONS, params={'action_name': 'hide_host'}, json={'ids': [host]}).status_code == 409
    assert api.post(ACTIONS, params={'action_name': 'unhide_host'}, json={'ids': [host]}).status_code == 202
    assert host in api.get(QUERY, params={'limit': 5000}).json()['resources']
    assert api.post(ACTIONS, params={'action_name': 'detection_suppress'}, json={'ids': [host]}).status_code == 202
    assert api.post(ACTIONS, params={'action_name': 'detection_suppress'}, json={'ids': [host]}).status_code == 409
    record = api.get(DETAILS, params={'ids': host}).json()['resources'][0]
    assert record['detection_suppression_status'] == 'suppressed'
    assert api.post(ACTIONS, params={'action_name': 'detection_unsuppress'}, json={'ids': [host]}).status_code == 202


def test_data_is_per_cid(falcon_emulator, api_for):
    """The eu-1 client's hosts are its own CID's, disjoint from the default CID's."""
    api = api_for(falcon_emulator, client=EU_CLIENT, cloud='eu-1')
    ids = set(api.get(QUERY, params={'limit': 5000}).json()['resources'])
    assert ids == {d['device_id'] for d in falcon_emulator.devices(EU_CLIENT.cid)}
    assert not ids & {d['device_id'] for d in falcon_emulator.devices()}


def test_large_tenant(emulator_factory, api_for):
    """100,000 hosts: filtered totals match the records, and POST details returns 5000 records."""
    emulator = emulator_factory(hosts=100000)
    api = api_for(emulator)
    tenant = emulator.app.tenant()
    linux = sum(1 for h in tenant.hosts if h.platform == 'Linux')
    body = api.get(QUERY, params={'filter': "platform_name:'Linux'", 'limit': 5000, 'sort': 'hostname.desc'}).json()
    assert body['meta']['pagination']['total'] == linux
    assert api.get(QUERY, params={'filter': "hostname:'host-99999'"}).json()['resources'] == [
        tenant.hosts[99998].device_id
    ]
    assert (
        api.get(QUERY, params={'filter': "hostname:'host-9999'"}).json()['meta']['pagination']['total'] == 10
    )  # host-99990 .. host-99999
    details = api.post(DETAILS, json={'ids': body['resources']}).json()['resources']
    assert len(details) == 5000 and all(d['platform_name'] == 'Linux' for d in details)
    assert api.get(QUERY, params={'offset': 4999, 'limit': 5000}).status_code == 200


def test_recorded_fql_over_http(falcon_emulator, api):
    """On device queries the single form is a prefix match, the list form case-sensitive and !~ a 400
    (API behaviour 9.2)."""
    records = falcon_emulator.devices()
    prefix = api.get(QUERY, params={'filter': "hostname:'%s'" % records[11]['hostname'][:-1], 'limit': 100}).json()
    assert sorted(prefix['resources']) == sorted(
        r['device_id'] for r in records if r['hostname'].lower().startswith(records[11]['hostname'][:-1].lower())
    )
    assert prefix['meta']['pagination']['total'] >= 2
    name = records[0]['hostname']
    swapped = name.swapcase()
    assert api.get(QUERY, params={'filter': "hostname:['%s']" % swapped}).json()['resources'] == []
    assert api.get(QUERY, params={'filter': "hostname:['%s']" % name}).json()['resources'] == [records[0]['device_id']]
    assert api.get(QUERY, params={'filter': "hostname:'%s'" % swapped}).json()['resources'] == [records[0]['device_id']]
    refused = api.get(QUERY, params={'filter': "hostname:!~'host'"})
    assert refused.status_code == 400
    assert "operator '!~' is not supported for property 'hostname'" in refused.json()['errors'][0]['message']
    falcon_emulator.configure(fql_text_match='exact')
    assert api.get(QUERY, params={'filter': "hostname:['%s']" % swapped}).json()['resources'] == [
        records[0]['device_id']
    ]
    assert api.get(QUERY, params={'filter': "hostname:!~'host'"}).status_code == 200
