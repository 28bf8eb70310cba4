"""FalconPy's HostGroup and FlightControl (MSSP) service classes against the emulator."""

from falcon_emulator.clients import MSSP_CHILD2_CID, MSSP_CHILD_CID, MSSP_PARENT_CLIENT
from falconpy import FlightControl, HostGroup


def test_host_group_reads(falcon_emulator, falcon_auth):
    """query / combined / get agree with each other and with the device records' group ids."""
    service = HostGroup(auth_object=falcon_auth)
    ids = service.query_host_groups(sort='name.asc')['body']['resources']
    combined = service.query_combined_host_groups(sort='name.asc')
    assert combined['status_code'] == 200
    assert [g['id'] for g in combined['body']['resources']] == ids
    assert [g['name'] for g in combined['body']['resources']] == [
        'Canary',
        'Finance',
        'Production Servers',
        'Workstations',
    ]
    got = service.get_host_groups(ids=ids)
    assert got['status_code'] == 200 and sorted(g['id'] for g in got['body']['resources']) == sorted(ids)
    used = {gid for record in falcon_emulator.devices() for gid in record['groups']}
    assert used <= set(ids)
    dynamic = service.query_combined_host_groups(filter="group_type:'dynamic'")['body']['resources']
    assert {g['name'] for g in dynamic} == {'Production Servers', 'Workstations'}
    missing = service.get_host_groups(ids=[ids[0], 'f' * 32])
    assert missing['status_code'] == 404 and len(missing['body']['resources']) == 1


def test_flight_control_children(falcon_emulator, falconpy_login):
    """queryChildren then getChildrenV2 (and v1) as FalconPy sends them, with the parent's token."""
    auth = falconpy_login(falcon_emulator, client=MSSP_PARENT_CLIENT)
    service = FlightControl(auth_object=auth)
    query = service.query_children()
    assert query['status_code'] == 200
    assert sorted(query['body']['resources']) == sorted([MSSP_CHILD_CID, MSSP_CHILD2_CID])
    links = service.get_children_v2(ids=query['body']['resources'])
    assert links['status_code'] == 200
    assert {link['child_cid']: link['name'] for link in links['body']['resources']} == {
        MSSP_CHILD_CID: 'Contoso Retail',
        MSSP_CHILD2_CID: 'Fabrikam Health',
    }
    old = service.get_children(ids=MSSP_CHILD_CID)
    assert old['status_code'] == 200 and old['body']['resources'][0]['child_of'] == MSSP_PARENT_CLIENT.cid
    assert auth.base_url == falcon_emulator.url
