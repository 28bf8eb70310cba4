"""Endpoint policy families and CSPM policy settings."""

import pytest

FAMILIES = ('prevention', 'sensor-update', 'device-control', 'firewall', 'response')
SLOTS = {
    'prevention': 'prevention',
    'sensor-update': 'sensor_update',
    'device-control': 'device_control',
    'firewall': 'firewall',
    'response': 'remote_response',
}


@pytest.mark.parametrize('family', FAMILIES)
def test_family_queries_combined_entities_members(falcon_emulator, api, family):
    """queries ids = combined ids; entities returns them; members are the hosts pointing at the policy."""
    ids = api.get('/policy/queries/%s/v1' % family).json()['resources']
    combined = api.get('/policy/combined/%s/v1' % family).json()
    assert [p['id'] for p in combined['resources']] == ids
    assert combined['meta']['pagination'] == {'offset': len(ids), 'limit': 100, 'total': len(ids)}
    names = {p['name'] for p in combined['resources']}
    assert 'platform_default' in names and len(names) > 1
    entities = api.get('/policy/entities/%s/v1' % family, params={'ids': ids}).json()['resources']
    assert entities == combined['resources']
    records = falcon_emulator.devices()
    total_members = 0
    for policy_id in ids:
        members = api.get('/policy/queries/%s-members/v1' % family, params={'id': policy_id, 'limit': 5000}).json()
        expected = [
            r['device_id'] for r in records if r['device_policies'].get(SLOTS[family], {}).get('policy_id') == policy_id
        ]
        assert members['resources'] == expected
        total_members += len(expected)
        full = api.get('/policy/combined/%s-members/v1' % family, params={'id': policy_id, 'limit': 5000}).json()[
            'resources'
        ]
        assert [r['device_id'] for r in full] == expected
    assert total_members == sum(1 for r in records if SLOTS[family] in r['device_policies'])


def test_policy_filter_sort_and_paging(api):
    """FQL on name/platform/enabled, the sort enum, and next-offset paging."""
    windows = api.get(
        '/policy/combined/prevention/v1', params={'filter': "platform_name:'Windows'+enabled:true"}
    ).json()['resources']
    assert windows and all(p['platform_name'] == 'Windows' and p['enabled'] for p in windows)
    named = api.get('/policy/queries/prevention/v1', params={'filter': "name:'platform_default'"}).json()
    assert named['meta']['pagination']['total'] == 5  # Windows, Mac, Linux, Android, iOS
    by_name = api.get('/policy/combined/prevention/v1', params={'sort': 'name.desc'}).json()['resources']
    assert [p['name'].lower() for p in by_name] == sorted((p['name'].lower() for p in by_name), reverse=True)
    page = api.get('/policy/queries/prevention/v1', params={'limit': 2, 'offset': 2}).json()
    assert len(page['resources']) == 2 and page['meta']['pagination']['offset'] == 4
    for params in ({'sort': 'hostname.asc'}, {'limit': 0}, {'limit': 5001}, {'filter': "name:'x"}, {'offset': 'x'}):
        assert api.get('/policy/queries/prevention/v1', params=params).status_code == 400, params


@pytest.mark.parametrize('family', FAMILIES)
def test_recorded_name_filters(api, family):
    """name finds nothing on sensor-update and only platform_default elsewhere; name.raw works (API behaviour 9.3)."""
    combined = api.get('/policy/combined/%s/v1' % family).json()['resources']
    custom = next(p for p in combined if p['name'] != 'platform_default')
    by_name = api.get('/policy/combined/%s/v1' % family, params={'filter': "name:'%s'" % custom['name']})
    assert by_name.status_code == 200 and by_name.json()['resources'] == []
    defaults = api.get('/policy/queries/%s/v1' % family, params={'filter': "name:'platform_default'"}).json()
    expected = [] if family == 'sensor-update' else [p['id'] for p in combined if p['name'] == 'platform_default']
    assert defaults['resources'] == expected and defaults['meta']['pagination']['total'] == len(expected)
    raw = api.get('/policy/queries/%s/v1' % family, params={'filter': "name.raw:'%s'" % custom['name']}).json()[
        'resources'
    ]
    assert raw == [custom['id']]


@pytest.mark.parametrize('family', FAMILIES)
def test_unknown_field_and_platform_name_sort(falcon_emulator, api, family):
    """An unknown filter field answers 200 with nothing; sort by platform_name answers 500; 'lenient' is the old way."""
    typo = api.get('/policy/combined/%s/v1' % family, params={'filter': "nmae:'x'"})
    assert (
        typo.status_code == 200 and typo.json()['resources'] == [] and typo.json()['meta']['pagination']['total'] == 0
    )
    mixed = api.get('/policy/queries/%s/v1' % family, params={'filter': "nmae:'x',enabled:true"}).json()['resources']
    assert mixed  # the unknown term matches nothing, the other one still matches
    for path in ('/policy/queries/%s/v1', '/policy/combined/%s/v1'):
        sorted_reply = api.get(path % family, params={'sort': 'platform_name.asc'})
        assert sorted_reply.status_code == 500 and sorted_reply.json()['errors'][0]['code'] == 500
    falcon_emulator.configure(policy_filters='lenient')
    assert api.get('/policy/combined/%s/v1' % family, params={'filter': "nmae:'x'"}).status_code == 400
    assert api.get('/policy/combined/%s/v1' % family, params={'sort': 'platform_name.asc'}).status_code == 200
    combined = api.get('/policy/combined/%s/v1' % family).json()['resources']
    custom = next(p for p in combined if p['name'] != 'platform_default')
    assert api.get('/policy/queries/%s/v1' % family, params={'filter': "name:'%s'" % custom['name']}).json()[
        'resources'
    ] == [custom['id']]


def test_policy_answers_have_no_powered_by(api):
    """Recorded policy answers carry meta without powered_by (J1 HAR); errors still name the service."""
    assert 'powered_by' not in api.get('/policy/combined/prevention/v1').json()['meta']
    assert 'powered_by' not in api.get('/policy/queries/firewall/v1').json()['meta']
    assert api.get('/policy/entities/firewall/v1').json()['meta']['powered_by'] == 'firewall-policies'


def test_mobile_defaults_and_detection_only_sliders(falcon_emulator, api):
    """Prevention has Android and iOS platform_default policies without members; some sliders only detect."""
    combined = api.get('/policy/combined/prevention/v1', params={'limit': 5000}).json()['resources']
    defaults = {p['platform_name']: p for p in combined if p['name'] == 'platform_default'}
    assert sorted(defaults) == ['Android', 'Linux', 'Mac', 'Windows', 'iOS']
    for platform in ('Android', 'iOS'):
        members = api.get('/policy/queries/prevention-members/v1', params={'id': defaults[platform]['id']}).json()
        assert members['resources'] == []
    assert {r['platform_name'] for r in falcon_emulator.devices()} == {'Windows', 'Mac', 'Linux'}
    settings = {s['id']: s for p in combined for c in p['prevention_settings'] for s in c['settings']}
    for slider in ('ExtendedUserModeDataSlider', 'CloudBasedAnomalousProcessExecution'):
        assert settings[slider]['type'] == 'mlslider' and set(settings[slider]['value']) == {'detection'}
    assert set(settings['CloudAntiMalware']['value']) == {'detection', 'prevention'}


def test_entities_unknown_ids_404_with_found_ones(api):
    """Unknown policy ids: 404 with errors naming them, the found ones still in resources."""
    known = api.get('/policy/queries/firewall/v1').json()['resources'][0]
    reply = api.get('/policy/entities/firewall/v1', params={'ids': [known, 'f' * 32]})
    assert reply.status_code == 404
    body = reply.json()
    assert [p['id'] for p in body['resources']] == [known]
    assert body['errors'][0]['code'] == 404 and 'f' * 32 in body['errors'][0]['message']
    assert api.get('/policy/entities/firewall/v1').status_code == 400


def test_members_need_a_known_policy(api):
    """Members without id: 400; with an unknown id: 404."""
    assert api.get('/policy/queries/prevention-members/v1').status_code == 400
    assert api.get('/policy/combined/prevention-members/v1', params={'id': 'f' * 32}).status_code == 404


def test_sensor_update_v1_and_v2(api):
    """v2 has the full settings (stage, uninstall_protection ...); v1 only the build."""
    v2 = api.get('/policy/combined/sensor-update/v2').json()['resources']
    v1 = api.get('/policy/combined/sensor-update/v1').json()['resources']
    assert [p['id'] for p in v1] == [p['id'] for p in v2]
    assert set(v1[0]['settings']) == {'build'}
    assert v2[0]['settings']['stage'] in ('prod', 'early_adopter')
    assert v2[0]['settings']['uninstall_protection'] == 'ENABLED'
    ids = [p['id'] for p in v2]
    assert api.get('/policy/entities/sensor-update/v2', params={'ids': ids}).json()['resources'] == v2


def test_write_operations_are_not_emulated(api):
    """Policy writes answer 405 instead of pretending to work."""
    assert api.post('/policy/entities/prevention/v1', json={'resources': []}).status_code == 405


def test_cspm_policy_settings(api):
    """service / cloud-platform / policy-id filter the assignments; each has per-account settings."""
    everything = api.get('/settings/entities/policy/v1').json()['resources']
    providers = {p['cloud_provider'] for p in everything}
    assert providers == {'aws', 'azure', 'gcp', 'oci'}
    s3 = api.get('/settings/entities/policy/v1', params={'service': 'S3', 'cloud-platform': 'aws'}).json()['resources']
    assert s3 and all(p['cloud_service'] == 's3' for p in s3)
    settings = s3[0]['policy_settings']
    assert len(settings) == 3 and all(len(s['account_id']) == 12 for s in settings)
    one = api.get('/settings/entities/policy/v1', params={'policy-id': str(s3[0]['policy_id'])}).json()['resources']
    assert [p['policy_id'] for p in one] == [s3[0]['policy_id']]
    spaced = api.get('/settings/entities/policy/v1', params={'service': 'Cloud Storage'}).json()['resources']
    assert spaced and {p['cloud_provider'] for p in spaced} == {'gcp'}
    assert len(api.get('/settings/entities/policy/v1', params={'service': 'Any'}).json()['resources']) == len(
        everything
    )
    azure = api.get('/settings/entities/policy/v1', params={'cloud-platform': 'azure'}).json()['resources']
    assert azure and all(s['tenant_id'] for p in azure for s in p['policy_settings'])


@pytest.mark.parametrize(
    'params, named',
    [
        ({'service': 's3'}, "'s3'"),
        ({'service': 'NotAService'}, "'NotAService'"),
        ({'policy-id': 'abc'}, "'abc'"),
        ({'cloud-platform': 'oracle'}, "'oracle'"),
    ],
)
def test_cspm_validation(api, params, named):
    """Bad enum or pattern values: 400 naming the value."""
    reply = api.get('/settings/entities/policy/v1', params=params)
    assert reply.status_code == 400
    assert named in reply.json()['errors'][0]['message']


def test_cspm_records_as_recorded(api):
    """Lower-case cloud_service, ids like 257, no cid/fql_policy, zero policy_timestamp on some, meta.writes
    (API behaviour 9.7)."""
    reply = api.get('/settings/entities/policy/v1', params={'service': 'IAM'}).json()
    records = reply['resources']
    assert {p['cloud_service'] for p in records} == {'iam'}
    assert {p['cloud_provider'] for p in records} == {'aws', 'gcp', 'oci'}
    assert reply['meta']['writes'] == {'resources_affected': 0}
    everything = api.get('/settings/entities/policy/v1').json()['resources']
    ids = [p['policy_id'] for p in everything]
    assert 257 in ids and min(ids) == 201 and len(ids) == len(set(ids))
    assert not any('cid' in p or 'fql_policy' in p for p in everything)
    assert {p['policy_timestamp'] for p in everything} == {'0001-01-01T00:00:00Z', '2023-02-14T09:30:00Z'}
    oci = [p for p in everything if p['cloud_provider'] == 'oci']
    assert oci and all(s['account_id'].startswith('ocid1.tenancy.oc1..') for p in oci for s in p['policy_settings'])
    assert (
        api.get('/settings/entities/policy/v1', params={'cloud-platform': 'oci'}).status_code == 400
    )  # the spec's pattern


def test_cspm_policy_details(api):
    """policy-details by integer id; a bad id is 400; unknown ids get a per-id 400 beside the found ones."""
    info = api.get('/settings/entities/policy-details/v1', params={'ids': 257}).json()['resources'][0]
    assert info['ID'] == 257 and info['cloud_platform_type'] in ('aws', 'azure', 'gcp', 'oci')
    assert api.get('/settings/entities/policy-details/v1', params={'ids': 'x'}).status_code == 400
    assert api.get('/settings/entities/policy-details/v1').status_code == 400
    mixed = api.get('/settings/entities/policy-details/v1', params={'ids': [257, 121231, 260]})
    assert mixed.status_code == 207
    assert [r['ID'] for r in mixed.json()['resources']] == [257, 260]
    assert mixed.json()['errors'] == [{'code': 400, 'message': 'Invalid policy ID 121231 provided'}]
    missing = api.get('/settings/entities/policy-details/v1', params={'ids': 999999})
    assert missing.status_code == 400 and missing.json()['resources'] == []
    assert missing.json()['errors'] == [{'code': 400, 'message': 'Invalid policy ID 999999 provided'}]
