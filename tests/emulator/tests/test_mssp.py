"""MSSP children: the parent's child CIDs, their links, member tokens, and what a plain client sees."""

from falcon_emulator.clients import DEFAULT_CLIENT, MSSP_CHILD2_CID, MSSP_CHILD_CID, MSSP_PARENT_CLIENT, NOSCOPE_CLIENT
from falcon_emulator.mssp import checksum


def test_parent_lists_and_reads_its_children(falcon_emulator, api_for):
    parent = api_for(falcon_emulator, MSSP_PARENT_CLIENT)
    query = parent.get('/mssp/queries/children/v1').json()
    assert sorted(query['resources']) == sorted([MSSP_CHILD_CID, MSSP_CHILD2_CID])
    assert query['meta']['pagination'] == {'offset': 2, 'limit': 10, 'total': 2}
    links = parent.post('/mssp/entities/children/GET/v2', json={'ids': query['resources']})
    assert links.status_code == 200
    by_cid = {link['child_cid']: link for link in links.json()['resources']}
    assert by_cid[MSSP_CHILD_CID]['name'] == 'Contoso Retail'
    assert by_cid[MSSP_CHILD2_CID]['child_of'] == MSSP_PARENT_CLIENT.cid
    assert by_cid[MSSP_CHILD_CID]['checksum'] == checksum(MSSP_CHILD_CID)
    old = parent.get('/mssp/entities/children/v1', params={'ids': MSSP_CHILD2_CID}).json()['resources']
    assert [link['name'] for link in old] == ['Fabrikam Health']


def test_paging_sort_filter_and_unknown_children(falcon_emulator, api_for):
    parent = api_for(falcon_emulator, MSSP_PARENT_CLIENT)
    first = parent.get('/mssp/queries/children/v1', params={'limit': 1}).json()
    second = parent.get('/mssp/queries/children/v1', params={'limit': 1, 'offset': 1}).json()
    assert first['resources'] + second['resources'] == [MSSP_CHILD2_CID, MSSP_CHILD_CID]
    ascending = parent.get('/mssp/queries/children/v1', params={'sort': 'last_modified_timestamp|asc'}).json()[
        'resources'
    ]
    assert ascending == [MSSP_CHILD_CID, MSSP_CHILD2_CID]
    assert parent.get('/mssp/queries/children/v1', params={'sort': 'name|asc'}).status_code == 400
    only = parent.get('/mssp/queries/children/v1', params={'filter': "cid:'%s'" % MSSP_CHILD_CID}).json()['resources']
    assert only == [MSSP_CHILD_CID]
    assert parent.get('/mssp/queries/children/v1', params={'filter': "name:'x'"}).status_code == 400
    partial = parent.post('/mssp/entities/children/GET/v2', json={'ids': [MSSP_CHILD_CID, 'a' * 32]})
    assert partial.status_code == 207
    assert [link['child_cid'] for link in partial.json()['resources']] == [MSSP_CHILD_CID]
    assert partial.json()['errors'][0]['code'] == 404
    assert parent.post('/mssp/entities/children/GET/v2', json={}).status_code == 400


def test_each_child_gets_its_own_token_and_hosts(falcon_emulator, api_for):
    seen = {}
    for child in (MSSP_CHILD_CID, MSSP_CHILD2_CID):
        api = api_for(falcon_emulator, MSSP_PARENT_CLIENT, login=False)
        assert api.login(MSSP_PARENT_CLIENT, member_cid=child).status_code == 201
        seen[child] = set(api.get('/devices/queries/devices/v1', params={'limit': 5000}).json()['resources'])
        assert seen[child] == {d['device_id'] for d in falcon_emulator.devices(child)}
    assert not seen[MSSP_CHILD_CID] & seen[MSSP_CHILD2_CID]


def test_a_plain_client_has_no_children_and_scope_is_checked(falcon_emulator, api, api_for):
    assert api.get('/mssp/queries/children/v1').json()['resources'] == []
    assert DEFAULT_CLIENT.children == ()
    refused = api_for(falcon_emulator, NOSCOPE_CLIENT).get('/mssp/queries/children/v1')
    assert refused.status_code == 403
