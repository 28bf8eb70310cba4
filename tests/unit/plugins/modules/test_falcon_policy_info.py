"""Unit tests of falcon_policy_info: option checks, members, CSPM (HTTP faked at the Session)."""

import pytest

from ansible_collections.secops.falcon.plugins.modules import falcon_policy_info

TOKEN = '/oauth2/token'
CSPM = '/settings/entities/policy/v1'


def pid(number):
    """A well-formed policy id."""
    return '%032x' % number


@pytest.fixture
def run(module_runner):
    """Run falcon_policy_info with args; return the result dict."""

    def runner(**args):
        return module_runner(falcon_policy_info, **args)[0]

    return runner


def test_all_policies_with_members(fake, session, run):
    policies = [{'id': pid(1), 'name': 'A'}, {'id': pid(2), 'name': 'B'}]
    session.add('/policy/combined/firewall/v1', fake.paged(policies))
    members = {pid(1): ['d1', 'd2'], pid(2): []}
    session.add('/policy/queries/firewall-members/v1', lambda call: fake.paged(members[call.kwargs['params']['id']]))
    result = run(policy_type='firewall', include_members=True, check_mode=True)
    assert result['changed'] is False and not result.get('failed')
    assert result['policies'] == [
        {'id': pid(1), 'name': 'A', 'members': ['d1', 'd2']},
        {'id': pid(2), 'name': 'B', 'members': []},
    ]
    assert result['total'] == 2 and result['not_found'] == [] and result['msg'] == 'Found 2 firewall policies.'


def test_ids_not_found(fake, session, run):
    body = fake.api_body(
        [{'id': pid(1), 'name': 'A'}], errors=[{'code': 404, 'message': 'Could not find policy with id %s' % pid(9)}]
    )
    session.add('/policy/entities/device-control/v1', fake.make_response(404, body))
    result = run(policy_type='device_control', ids=[pid(1), pid(9)])
    assert [p['id'] for p in result['policies']] == [pid(1)]
    assert result['not_found'] == [pid(9)]
    assert result['msg'] == 'Found 1 device control policy (not found: %s).' % pid(9)


def test_cspm_unknown_policy_id_is_not_found(fake, session, run):
    session.add(CSPM, fake.make_response(200, fake.api_body([])))
    result = run(policy_type='cspm', policy_id='424242', cloud_platform='gcp')
    assert result['policies'] == [] and result['not_found'] == ['424242']
    assert session.calls_to(CSPM)[0].kwargs['params'] == {'policy-id': '424242', 'cloud-platform': 'gcp'}


def test_cspm_partial_answer_is_reported_not_taken_for_the_whole(fake, session, run):
    errors = [{'code': 500, 'message': 'failed to read policy settings for account 123456789012'}]
    session.add(CSPM, fake.make_response(207, fake.api_body([{'policy_id': 7, 'cloud_service': 'S3'}], errors=errors)))
    result = run(policy_type='cspm', service='S3')
    assert result['policies'] == [{'policy_id': 7, 'cloud_service': 'S3'}]
    assert result['api_errors'] == errors
    assert 'only part of the settings' in result['msg'] and '123456789012' in result['msg']
    warnings = [w['event']['msg'] if isinstance(w, dict) else w for w in result.get('warnings', [])]
    assert any('Partial CSPM answer' in w for w in warnings)


def test_filter_matching_nothing_says_an_unknown_field_matches_nothing(fake, session, run):
    session.add('/policy/combined/prevention/v1', fake.paged([]))
    result = run(policy_type='prevention', filter="platfrom_name:'Windows'")
    assert not result.get('failed') and result['policies'] == []
    assert "the filter \"platfrom_name:'Windows'\" matched nothing" in result['msg']
    assert 'unknown field also matches nothing' in result['msg']


def test_names_are_matched_here_for_sensor_update(fake, session, run):
    policies = [{'id': pid(1), 'name': 'Production servers'}, {'id': pid(2), 'name': 'platform_default'}]
    session.add('/policy/combined/sensor-update/v2', fake.paged(policies))
    result = run(policy_type='sensor_update', names=['PRODUCTION SERVERS'])
    assert result['policies'] == [policies[0]] and result['not_found'] == []
    assert 'filter' not in session.calls_to('/policy/combined/sensor-update/v2')[0].kwargs['params']


@pytest.mark.parametrize(
    'args, text',
    [
        (
            {'policy_type': 'prevention', 'cloud_platform': 'aws'},
            'cloud_platform cannot be used with policy_type=prevention; service, cloud_platform and policy_id apply to policy_type=cspm only.',
        ),
        (
            {'policy_type': 'cspm', 'names': ['x'], 'include_members': True},
            'names, include_members cannot be used with policy_type=cspm; CSPM settings take service, cloud_platform and policy_id.',
        ),
        (
            {'policy_type': 'cspm', 'service': 'Route53'},
            "Invalid CSPM service 'Route53'. Allowed values (case-insensitive): ACM, ACR,",
        ),
        ({'policy_type': 'response', 'filter': ''}, 'filter is empty; omit it to read every response policy.'),
        ({'policy_type': 'response', 'ids': ['x']}, "Invalid policy id 'x'"),
        ({'policy_type': 'prevention', 'names': ['']}, "Invalid policy name '': names must not be empty."),
        ({'policy_type': 'cspm', 'policy_id': '257\n'}, "Invalid CSPM policy_id '257\\n'"),
        ({'policy_type': 'firewall', 'ids': [pid(1)], 'names': ['a']}, 'mutually exclusive'),
        ({'policy_type': 'ioa'}, 'value of policy_type must be one of'),
    ],
)
def test_bad_options_fail_before_any_api_call(session, run, args, text):
    result = run(**args)
    assert result['failed'] is True and text in result['msg']
    assert [c.path for c in session.calls if c.path != TOKEN] == []
