"""FalconPy policy service classes and CSPMRegistration against the emulator."""

import pytest
from falconpy import (
    CSPMRegistration,
    DeviceControlPolicies,
    FirewallPolicies,
    PreventionPolicy,
    ResponsePolicies,
    SensorUpdatePolicy,
)

FAMILIES = [
    (PreventionPolicy, 'prevention'),
    (SensorUpdatePolicy, 'sensor_update'),
    (DeviceControlPolicies, 'device_control'),
    (FirewallPolicies, 'firewall'),
    (ResponsePolicies, 'remote_response'),
]


@pytest.mark.parametrize('service_class, slot', FAMILIES, ids=[slot for _cls, slot in FAMILIES])
def test_policy_family(falcon_emulator, falcon_auth, service_class, slot):
    """query_policies / query_combined_policies / get_policies / members agree with each other and the hosts."""
    service = service_class(auth_object=falcon_auth)
    ids = service.query_policies(sort='name.asc')['body']['resources']
    combined = service.query_combined_policies(sort='name.asc')
    assert combined['status_code'] == 200
    assert [p['id'] for p in combined['body']['resources']] == ids
    got = service.get_policies(ids=ids)
    assert got['status_code'] == 200 and sorted(p['id'] for p in got['body']['resources']) == sorted(ids)
    windows = service.query_combined_policies(filter="platform_name:'Windows'")['body']['resources']
    assert windows and all(p['platform_name'] == 'Windows' for p in windows)
    for policy_id in ids:
        members = service.query_policy_members(id=policy_id, limit=5000)['body']['resources']
        expected = [
            d['device_id']
            for d in falcon_emulator.devices()
            if d['device_policies'].get(slot, {}).get('policy_id') == policy_id
        ]
        assert members == expected
    missing = service.get_policies(ids=[ids[0], 'f' * 32])
    assert missing['status_code'] == 404 and len(missing['body']['resources']) == 1


@pytest.mark.parametrize('service_class, slot', FAMILIES, ids=[slot for _cls, slot in FAMILIES])
def test_policy_filters_as_recorded(falcon_auth, service_class, slot):
    """Through FalconPy: a custom name matches nothing, a typo'd field is 200 with nothing, platform_name sort is 500."""
    service = service_class(auth_object=falcon_auth)
    combined = service.query_combined_policies()['body']['resources']
    custom = next(p for p in combined if p['name'] != 'platform_default')
    by_name = service.query_combined_policies(filter="name:'%s'" % custom['name'])
    assert by_name['status_code'] == 200 and by_name['body']['resources'] == []
    typo = service.query_policies(filter="nmae:'x'")
    assert typo['status_code'] == 200 and typo['body']['resources'] == []
    assert service.query_policies(sort='platform_name.asc')['status_code'] == 500
    del slot


def test_sensor_update_v2(falcon_auth):
    """The v2 combined/entities calls FalconPy offers carry the full sensor update settings."""
    service = SensorUpdatePolicy(auth_object=falcon_auth)
    combined = service.query_combined_policies_v2()['body']['resources']
    assert {p['settings']['uninstall_protection'] for p in combined} == {'ENABLED'}
    got = service.get_policies_v2(ids=[p['id'] for p in combined])['body']['resources']
    assert got == combined
    members = service.query_combined_policy_members(id=combined[0]['id'])
    assert members['status_code'] == 200


def test_cspm_get_policy_settings_and_policy(falcon_auth):
    """get_policy_settings with service/cloud_platform and get_policy by integer id."""
    cspm = CSPMRegistration(auth_object=falcon_auth)
    reply = cspm.get_policy_settings(service='S3', cloud_platform='aws')
    assert reply['status_code'] == 200
    resources = reply['body']['resources']
    assert resources and all(r['cloud_service'] == 's3' and r['cloud_provider'] == 'aws' for r in resources)
    by_id = cspm.get_policy_settings(policy_id=str(resources[0]['policy_id']))['body']['resources']
    assert [r['policy_id'] for r in by_id] == [resources[0]['policy_id']]
    bad = cspm.get_policy_settings(service='Bucket')
    assert bad['status_code'] == 400 and "'Bucket'" in bad['body']['errors'][0]['message']
    info = cspm.get_policy(ids=resources[0]['policy_id'])
    assert info['status_code'] == 200 and info['body']['resources'][0]['ID'] == resources[0]['policy_id']
    unknown = cspm.get_policy(ids=121231)
    assert unknown['status_code'] == 400
    assert unknown['body']['errors'] == [{'code': 400, 'message': 'Invalid policy ID 121231 provided'}]
