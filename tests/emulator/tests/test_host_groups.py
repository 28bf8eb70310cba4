"""Host groups: queries, combined and entities agree with the device records' group ids; scope and bad input."""

from falcon_emulator.clients import DEVICES_ONLY_CLIENT


def test_combined_lists_every_group_the_hosts_point_at(falcon_emulator, api):
    combined = api.get('/devices/combined/host-groups/v1', params={'limit': 5000}).json()
    names = {g['name'] for g in combined['resources']}
    assert names == {'Production Servers', 'Workstations', 'Finance', 'Canary'}
    assert combined['meta']['pagination'] == {'offset': 4, 'limit': 5000, 'total': 4}
    ids = {g['id'] for g in combined['resources']}
    used = {gid for record in falcon_emulator.devices() for gid in record['groups']}
    assert used and used <= ids


def test_query_ids_filter_sort_and_paging(api):
    everything = api.get('/devices/queries/host-groups/v1').json()['resources']
    assert len(everything) == 4
    static = api.get('/devices/combined/host-groups/v1', params={'filter': "group_type:'static'"}).json()['resources']
    assert [g['name'] for g in static] == ['Finance']
    by_name = api.get('/devices/combined/host-groups/v1', params={'sort': 'name.asc'}).json()['resources']
    assert [g['name'] for g in by_name] == ['Canary', 'Finance', 'Production Servers', 'Workstations']
    second = api.get('/devices/queries/host-groups/v1', params={'limit': 2, 'offset': 2}).json()
    assert second['resources'] == everything[2:]
    assert second['meta']['pagination'] == {'offset': 4, 'limit': 2, 'total': 4}


def test_entities_known_and_unknown(api):
    ids = api.get('/devices/queries/host-groups/v1').json()['resources']
    reply = api.get('/devices/entities/host-groups/v1', params={'ids': ids[:2]})
    assert reply.status_code == 200 and [g['id'] for g in reply.json()['resources']] == ids[:2]
    missing = api.get('/devices/entities/host-groups/v1', params={'ids': [ids[0], 'f' * 32]})
    assert missing.status_code == 404
    body = missing.json()
    assert [g['id'] for g in body['resources']] == [ids[0]]
    assert body['errors'][0]['code'] == 404 and 'f' * 32 in body['errors'][0]['message']


def test_bad_input_and_missing_scope(falcon_emulator, api, api_for):
    assert api.get('/devices/combined/host-groups/v1', params={'limit': 0}).status_code == 400
    assert api.get('/devices/combined/host-groups/v1', params={'sort': 'hostname.asc'}).status_code == 400
    bad = api.get('/devices/combined/host-groups/v1', params={'filter': "nope:'x'"})
    assert bad.status_code == 400 and 'nope' in bad.json()['errors'][0]['message']
    assert api.get('/devices/entities/host-groups/v1').status_code == 400
    assert api.post('/devices/entities/host-groups/v1', json={'resources': []}).status_code == 405
    devices_only = api_for(falcon_emulator, DEVICES_ONLY_CLIENT)
    refused = devices_only.get('/devices/combined/host-groups/v1')
    assert refused.status_code == 403
    assert refused.json()['errors'][0]['message'] == 'access denied, scope not permitted'
    assert devices_only.get('/devices/queries/devices/v1').status_code == 200
