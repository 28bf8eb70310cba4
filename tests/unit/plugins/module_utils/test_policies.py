"""Unit tests of the policy readers: family endpoints, ids, names, members, CSPM settings (HTTP faked at the Session)."""

import pytest

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconApiError, FalconConfigError
from ansible_collections.secops.falcon.plugins.module_utils._policies import (
    CSPM_SERVICES,
    find_policies_by_name,
    get_cspm_policy_settings,
    get_policies,
    member_ids,
    normalise_service,
    query_policies,
    validate_policy_ids,
)

CSPM = '/settings/entities/policy/v1'


def pid(number):
    """A well-formed policy id."""
    return '%032x' % number


@pytest.mark.parametrize(
    'policy_type, path',
    [
        ('prevention', '/policy/combined/prevention/v1'),
        ('sensor_update', '/policy/combined/sensor-update/v2'),
        ('device_control', '/policy/combined/device-control/v1'),
        ('firewall', '/policy/combined/firewall/v1'),
        ('response', '/policy/combined/response/v1'),
    ],
)
def test_query_uses_the_family_combined_endpoint(fake, session, client, policy_type, path):
    session.add(path, fake.paged([{'id': pid(1), 'name': 'a'}], limit=5000))
    assert query_policies(client, policy_type, "platform_name:'Linux'") == [{'id': pid(1), 'name': 'a'}]
    (call,) = session.calls_to(path)
    assert call.kwargs['params'] == {'filter': "platform_name:'Linux'", 'offset': 0, 'limit': 5000}


def test_query_pages_by_5000(fake, session, client):
    path = '/policy/combined/prevention/v1'
    first = [{'id': pid(i)} for i in range(5000)]
    session.add(
        path,
        fake.paged(first, limit=5000, total=5002),
        fake.paged([{'id': pid(5000)}, {'id': pid(5001)}], limit=5000, offset=5002, total=5002),
    )
    assert len(query_policies(client, 'prevention')) == 5002
    assert [c.kwargs['params']['offset'] for c in session.calls_to(path)] == [0, 5000]


def test_query_bad_filter_names_the_filter(fake, session, client):
    body = fake.api_body(
        errors=[{'code': 400, 'message': "Failed to parse filter expression. ['platform' is an unknown property]"}]
    )
    session.add('/policy/combined/firewall/v1', fake.make_response(400, body))
    with pytest.raises(FalconApiError) as err:
        query_policies(client, 'firewall', "platform:'x'")
    assert "platform:'x'" in str(err.value) and 'unknown property' in str(err.value)


def test_get_policies_keeps_found_ones_on_404(fake, session, client):
    path = '/policy/entities/sensor-update/v2'
    body = fake.api_body(
        [{'id': pid(2)}], errors=[{'code': 404, 'message': 'Could not find policy with id %s' % pid(3)}]
    )
    session.add(path, fake.make_response(404, body))
    found, missing = get_policies(client, 'sensor_update', [pid(3), pid(2)])
    assert found == [{'id': pid(2)}] and missing == [pid(3)]
    assert session.calls_to(path)[0].kwargs['params'] == {'ids': [pid(3), pid(2)]}


def test_get_policies_batches_ids_in_the_url(fake, session, client):
    path = '/policy/entities/prevention/v1'
    session.add(
        path, lambda call: fake.make_response(200, fake.api_body([{'id': i} for i in call.kwargs['params']['ids']]))
    )
    found, missing = get_policies(client, 'prevention', [pid(i) for i in range(1200)])
    assert len(found) == 1200 and missing == []
    assert [len(c.kwargs['params']['ids']) for c in session.calls_to(path)] == [500, 500, 200]


def test_validate_policy_ids():
    assert validate_policy_ids([pid(1).upper(), pid(1)]) == [pid(1)]
    with pytest.raises(FalconConfigError) as err:
        validate_policy_ids(['nope'])
    assert "'nope'" in err.value.message


@pytest.mark.parametrize(
    'policy_type, path',
    [
        ('prevention', '/policy/combined/prevention/v1'),
        ('sensor_update', '/policy/combined/sensor-update/v2'),
        ('device_control', '/policy/combined/device-control/v1'),
        ('firewall', '/policy/combined/firewall/v1'),
        ('response', '/policy/combined/response/v1'),
    ],
)
def test_find_by_name_reads_the_family_and_matches_here(fake, session, client, policy_type, path):
    # The API's name filter returns nothing on sensor-update and only platform_default elsewhere (API behaviour 9.3).
    items = [
        {'id': pid(1), 'name': 'Servers'},
        {'id': pid(2), 'name': 'Servers - old'},
        {'id': pid(3), 'name': 'platform_default'},
    ]
    session.add(path, fake.paged(items, limit=5000))
    found, missing = find_policies_by_name(client, policy_type, ['servers', 'Laptops', ' PLATFORM_DEFAULT '])
    assert found == [items[0], items[2]] and missing == ['Laptops']
    (call,) = session.calls_to(path)
    assert 'filter' not in call.kwargs['params'] and 'sort' not in call.kwargs['params']


def test_find_by_name_refuses_blank_names(session, client):
    with pytest.raises(FalconConfigError) as err:
        find_policies_by_name(client, 'prevention', ['Servers', ''])
    assert "Invalid policy name '': names must not be empty." in err.value.message
    assert session.calls == []


def test_policy_and_cspm_ids_refuse_a_trailing_newline(session, client):
    with pytest.raises(FalconConfigError):
        validate_policy_ids([pid(1) + '\n'])
    with pytest.raises(FalconConfigError) as err:
        get_cspm_policy_settings(client, policy_id='257\n')
    assert "Invalid CSPM policy_id '257\\n'" in err.value.message
    assert session.calls == []


def test_member_ids_pages_the_members_query(fake, session, client):
    path = '/policy/queries/sensor-update-members/v1'
    session.add(
        path,
        fake.paged(['a'] * 5000, limit=5000, total=5001),
        fake.paged(['b'], limit=5000, offset=5001, total=5001),
    )
    assert len(member_ids(client, 'sensor_update', pid(1))) == 5001
    assert [c.kwargs['params'] for c in session.calls_to(path)] == [
        {'id': pid(1), 'offset': 0, 'limit': 5000},
        {'id': pid(1), 'offset': 5000, 'limit': 5000},
    ]


def test_normalise_service():
    assert normalise_service('ec2') == 'EC2'
    assert normalise_service(' compute engine ') == 'Compute Engine'
    assert normalise_service('NLB/ALB') == 'NLB/ALB'
    with pytest.raises(FalconConfigError) as err:
        normalise_service('EC3')
    assert "Invalid CSPM service 'EC3'" in err.value.message
    assert all(s in err.value.message for s in CSPM_SERVICES)


def test_cspm_settings_sends_the_dashed_params(fake, session, client):
    session.add(CSPM, fake.make_response(207, fake.api_body([{'policy_id': 7, 'cloud_service': 'S3'}])))
    settings, api_errors = get_cspm_policy_settings(client, service='s3', cloud_platform='aws', policy_id='7')
    assert settings == [{'policy_id': 7, 'cloud_service': 'S3'}] and api_errors == []
    assert session.calls_to(CSPM)[0].kwargs['params'] == {'service': 'S3', 'cloud-platform': 'aws', 'policy-id': '7'}


@pytest.mark.parametrize(
    'kwargs, text',
    [
        ({'cloud_platform': 'oracle'}, "Invalid cloud_platform 'oracle'. Allowed values: aws, azure, gcp."),
        ({'policy_id': '12a'}, "Invalid CSPM policy_id '12a'"),
        ({'service': 'nope'}, "Invalid CSPM service 'nope'"),
    ],
)
def test_cspm_bad_values_fail_before_any_request(session, client, kwargs, text):
    with pytest.raises(FalconConfigError) as err:
        get_cspm_policy_settings(client, **kwargs)
    assert text in err.value.message
    assert session.calls == []
