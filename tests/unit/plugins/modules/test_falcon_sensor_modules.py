"""Unit tests of falcon_cid_info and falcon_sensor_installer_info (HTTP faked at the Session)."""

import pytest

from ansible_collections.secops.falcon.plugins.modules import falcon_cid_info, falcon_sensor_installer_info

TOKEN = '/oauth2/token'
CCID = '/sensors/queries/installers/ccid/v1'
INSTALLERS = '/sensors/combined/installers/v2'
POLICIES = '/policy/combined/sensor-update/v2'


def installer(os_name, os_version, version, arch='x86_64', name=None, platform='linux'):
    """An installer record as the API spells it (sha256 derived from the rest)."""
    key = '%s|%s|%s|%s' % (os_name, os_version, version, arch)
    return {
        'sha256': '%064x' % (abs(hash(key)) % (16**64)),
        'name': name or 'falcon-sensor-%s.%s.rpm' % (version, arch),
        'version': version,
        'os': os_name,
        'os_version': os_version,
        'platform': platform,
        'file_type': 'rpm',
        'architectures': [arch],
    }


AMAZON = [
    installer('Amazon Linux', '2', '7.18.17106'),
    installer('Amazon Linux', '2 - arm64', '7.18.17106', 'arm64'),
    installer('Amazon Linux', '2023', '7.18.17106'),
    installer('Amazon Linux', '2', '7.17.17005'),
]


def test_cid_info_returns_both_forms(fake, session, module_runner):
    session.add(CCID, fake.make_response(200, fake.api_body(['C1D0000000000000000000000000A001-7F'])))
    result = module_runner(falcon_cid_info, check_mode=True)[0]
    assert not result.get('failed') and result['changed'] is False
    assert (
        result['cid'] == 'c1d0000000000000000000000000a001' and result['ccid'] == 'C1D0000000000000000000000000A001-7F'
    )


@pytest.mark.parametrize('answer', [[], ['not-a-ccid'], [{'ccid': 'x'}]])
def test_cid_info_refuses_an_answer_that_is_no_ccid(fake, session, module_runner, answer):
    session.add(CCID, fake.make_response(200, fake.api_body(answer)))
    result = module_runner(falcon_cid_info)[0]
    assert result['failed'] and 'not a CCID' in result['msg']


def test_cid_info_403_names_the_scope(fake, session, module_runner):
    body = fake.api_body(errors=[{'code': 403, 'message': 'access denied, scope not permitted'}])
    session.add(CCID, fake.make_response(403, body))
    result = module_runner(falcon_cid_info)[0]
    assert result['failed'] and 'sensor-installers:read (Sensor download: Read)' in result['msg']


def test_installer_from_facts_picks_amazon_linux_2_arm64_not_2023(fake, session, module_runner):
    session.add(INSTALLERS, fake.paged(AMAZON))
    facts = {
        'ansible_system': 'Linux',
        'ansible_distribution': 'Amazon',
        'ansible_distribution_major_version': '2',
        'ansible_architecture': 'aarch64',
    }
    result = module_runner(falcon_sensor_installer_info, facts=facts)[0]
    assert not result.get('failed'), result
    assert result['installer'] == AMAZON[1] and result['candidates'] == [AMAZON[1]]
    assert result['target'] == {
        'platform': 'linux',
        'os': 'Amazon Linux',
        'os_version': '2 - arm64',
        'architecture': 'arm64',
    }
    (call,) = session.calls_to(INSTALLERS)
    assert call.kwargs['params']['filter'] == "platform:'linux'" and call.kwargs['params']['limit'] == 500


def test_installer_n_minus_one_and_none_left(fake, session, module_runner):
    session.add(INSTALLERS, fake.paged(AMAZON))
    args = dict(platform='linux', os='Amazon Linux', os_version='2')
    older = module_runner(falcon_sensor_installer_info, version_decrement=1, **args)[0]
    assert older['installer'] == AMAZON[3]
    gone = module_runner(falcon_sensor_installer_info, version_decrement=2, **args)[0]
    assert gone['failed'] and 'version_decrement 2' in gone['msg'] and len(gone['candidates']) == 2


def test_installer_nothing_fits_lists_what_the_platform_offers(fake, session, module_runner):
    session.add(INSTALLERS, fake.paged(AMAZON))
    result = module_runner(
        falcon_sensor_installer_info, platform='linux', os='Amazon Linux', os_version='2023', architecture='s390x'
    )[0]
    assert result['failed'] and '2 - arm64' in result['msg'] and result['candidates'] == []


def test_installer_of_the_build_a_policy_pins(fake, session, module_runner):
    session.add(INSTALLERS, fake.paged(AMAZON))
    policy = {'name': 'Production', 'platform_name': 'Linux', 'settings': {'build': '17005|n-1|tagged|2'}}
    other = {'name': 'production', 'platform_name': 'Windows', 'settings': {'build': '17106|n|tagged|3'}}
    session.add(POLICIES, fake.paged([other, policy]))
    result = module_runner(
        falcon_sensor_installer_info,
        platform='linux',
        os='Amazon Linux',
        os_version='2',
        sensor_update_policy='PRODUCTION',
    )[0]
    assert not result.get('failed'), result
    assert result['installer'] == AMAZON[3]


def test_installer_bad_choices_fail_before_any_call(fake, session, module_runner):
    both = module_runner(
        falcon_sensor_installer_info,
        platform='linux',
        os='Ubuntu',
        os_version='22',
        version_decrement=1,
        sensor_update_policy='Production',
    )[0]
    assert both['failed'] and 'only one of version_decrement and sensor_update_policy' in both['msg']
    arch = module_runner(
        falcon_sensor_installer_info, platform='linux', os='Ubuntu', os_version='22', architecture='sparc'
    )[0]
    assert arch['failed'] and 'sparc' in arch['msg']
    assert session.calls_to(INSTALLERS) == [] and session.calls_to(TOKEN) == []
