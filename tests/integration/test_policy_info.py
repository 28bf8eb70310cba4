"""falcon_policy_info through the real ansible-playbook against the emulator: families, members, CSPM, errors."""

from falcon_emulator.clients import NOSCOPE_CLIENT
from play_results import by_label


def family(emulator, name):
    """The emulator's own policies of one family (URL name), in precedence order."""
    return emulator.app.tenant().policies[name]


def members_of(emulator, slot, policy_id):
    """Device ids whose device_policies.<slot> is policy_id, from the emulator's device records."""
    return sorted(
        d['device_id'] for d in emulator.devices() if d['device_policies'].get(slot, {}).get('policy_id') == policy_id
    )


def test_endpoint_policies(falcon_emulator, emulator_env, run_playbook):
    """Every family, by ids / names / filter, with members, and the errors a user can make."""
    prevention = family(falcon_emulator, 'prevention')
    sensor = family(falcon_emulator, 'sensor-update')
    windows = [p['name'] for p in prevention if p['platform_name'] == 'Windows']
    unknown = 'a' * 32
    cases = [
        {'label': 'prevention', 'policy_type': 'prevention'},
        {'label': 'sensor members', 'policy_type': 'sensor_update', 'include_members': True},
        {'label': 'device control', 'policy_type': 'device_control'},
        {'label': 'firewall', 'policy_type': 'firewall'},
        {'label': 'response', 'policy_type': 'response'},
        {
            'label': 'ids',
            'policy_type': 'prevention',
            'ids': [prevention[1]['id'], unknown, prevention[0]['id'].upper()],
        },
        {'label': 'names', 'policy_type': 'sensor_update', 'names': [sensor[0]['name'].upper(), 'No such policy']},
        {'label': 'filter', 'policy_type': 'prevention', 'fql': "platform_name:'Windows'", 'check_mode': True},
        {'label': 'bad filter', 'policy_type': 'prevention', 'fql': "platform:'Windows'"},
        {'label': 'bad id', 'policy_type': 'firewall', 'ids': ['12345']},
        {'label': 'cspm option', 'policy_type': 'prevention', 'service': 'EC2'},
        {
            'label': 'no scope',
            'policy_type': 'response',
            'client_id': NOSCOPE_CLIENT.client_id,
            'client_secret': NOSCOPE_CLIENT.client_secret,
        },
    ]
    results = by_label(run_playbook('policy_info_cases', emulator_env, extra_vars={'cases': cases}))

    everything = results['prevention']
    assert everything['failed'] is False and everything['changed'] is False
    assert [p['id'] for p in everything['policies']] == [p['id'] for p in prevention]
    assert everything['total'] == len(prevention) and everything['not_found'] == []
    assert everything['policies'][0]['prevention_settings'] == prevention[0]['prevention_settings']
    assert everything['msg'] == 'Found %d prevention policies.' % len(prevention)

    with_members = results['sensor members']['policies']
    # sensor_update reads v2: it carries the uninstall protection and stage settings.
    assert all('uninstall_protection' in p['settings'] for p in with_members)
    for policy in with_members:
        assert sorted(policy['members']) == members_of(falcon_emulator, 'sensor_update', policy['id'])
    assert sum(len(p['members']) for p in with_members) == 50

    for label, name in (('device control', 'device-control'), ('firewall', 'firewall'), ('response', 'response')):
        assert [p['id'] for p in results[label]['policies']] == [p['id'] for p in family(falcon_emulator, name)]

    by_id = results['ids']
    assert [p['id'] for p in by_id['policies']] == [prevention[1]['id'], prevention[0]['id']]
    assert by_id['not_found'] == [unknown] and unknown in by_id['msg']

    by_name = results['names']
    assert [p['name'] for p in by_name['policies']] == [sensor[0]['name']]
    assert by_name['not_found'] == ['No such policy']

    assert sorted(p['name'] for p in results['filter']['policies']) == sorted(windows)

    # On the real API an unknown policy filter field answers 200 with nothing (API behaviour 9.3): the message says so.
    bad = results['bad filter']
    assert bad['failed'] is False and bad['policies'] == []
    assert "the filter \"platform:'Windows'\" matched nothing" in bad['msg']
    assert results['bad id']['failed'] is True and "'12345'" in results['bad id']['msg']
    assert results['cspm option']['failed'] is True
    assert 'service cannot be used with policy_type=prevention' in results['cspm option']['msg']
    denied = results['no scope']
    assert denied['failed'] is True and denied['status'] == 403 and 'scope' in denied['msg']


def test_cspm_policy_settings(falcon_emulator, emulator_env, run_playbook):
    """CSPM settings by service and platform, one policy id, and a bad service named with the allowed ones."""
    cases = [
        {'label': 'ec2', 'policy_type': 'cspm', 'service': 'EC2', 'cloud_platform': 'aws'},
        {'label': 'case', 'policy_type': 'cspm', 'service': 'keyvault'},
        {'label': 'one', 'policy_type': 'cspm', 'policy_id': '257'},
        {'label': 'unknown id', 'policy_type': 'cspm', 'policy_id': '999999'},
        {'label': 'bad service', 'policy_type': 'cspm', 'service': 'EC3'},
        {'label': 'bad policy id', 'policy_type': 'cspm', 'policy_id': 'abc'},
        {'label': 'bad platform', 'policy_type': 'cspm', 'cloud_platform': 'oracle'},
        {'label': 'members', 'policy_type': 'cspm', 'include_members': True},
    ]
    results = by_label(run_playbook('policy_info_cases', emulator_env, extra_vars={'cases': cases}))

    ec2 = results['ec2']
    assert ec2['failed'] is False and ec2['total'] == len(ec2['policies']) > 0
    # cloud_service comes back lower case although the service parameter takes the enum spelling (API behaviour 9.7).
    assert all(p['cloud_service'].lower() == 'ec2' and p['cloud_provider'] == 'aws' for p in ec2['policies'])
    assert all(isinstance(p['policy_settings'], list) for p in ec2['policies'])
    assert ec2['msg'] == 'Found %d CSPM policies.' % ec2['total']

    assert results['case']['policies'] and all(
        p['cloud_service'].lower() == 'keyvault' for p in results['case']['policies']
    )
    assert [p['policy_id'] for p in results['one']['policies']] == [257]
    assert results['unknown id']['policies'] == [] and results['unknown id']['not_found'] == ['999999']

    bad = results['bad service']
    assert bad['failed'] is True
    assert "Invalid CSPM service 'EC3'" in bad['msg'] and 'EC2' in bad['msg'] and 'KeyVault' in bad['msg']
    assert results['bad policy id']['failed'] is True and "'abc'" in results['bad policy id']['msg']
    assert results['bad platform']['failed'] is True and 'oracle' in results['bad platform']['msg']
    assert results['members']['failed'] is True and 'include_members' in results['members']['msg']
    # Bad values are refused before any request: only the four valid reads reached the API.
    assert falcon_emulator.counters()['calls'].get('GET /settings/entities/policy/v1') == 4


FAMILIES = (
    ('prevention', 'prevention'),
    ('sensor_update', 'sensor-update'),
    ('device_control', 'device-control'),
    ('firewall', 'firewall'),
    ('response', 'response'),
)


def test_policy_names_are_found_in_every_family(falcon_emulator, emulator_env, run_playbook):
    """Every policy of every family by name, asked in another case: the API's name filter is not relied on
    (API behaviour 9.3)."""
    cases = []
    expected = {}
    for policy_type, family_name in FAMILIES:
        policies = family(falcon_emulator, family_name)
        names = [p['name'] for p in policies]
        expected[policy_type] = sorted(set(p['id'] for p in policies))
        cases.append(
            {
                'label': policy_type,
                'policy_type': policy_type,
                'names': [n.swapcase() for n in names] + ['No such policy'],
            }
        )
    cases.append({'label': 'blank name', 'policy_type': 'firewall', 'names': ['']})
    cases.append({'label': 'nothing matched', 'policy_type': 'prevention', 'fql': "name:'No such policy'"})
    results = by_label(run_playbook('policy_info_cases', emulator_env, extra_vars={'cases': cases}))
    for policy_type, _family_name in FAMILIES:
        result = results[policy_type]
        assert result['failed'] is False, result['msg']
        assert sorted(p['id'] for p in result['policies']) == expected[policy_type], policy_type
        assert result['not_found'] == ['No such policy']
    # Names are matched in the module: each family is read once, without a name filter.
    calls = falcon_emulator.counters()['calls']
    assert (
        calls.get('GET /policy/combined/sensor-update/v2') == 1 and calls.get('GET /policy/combined/response/v1') == 1
    )
    blank = results['blank name']
    assert blank['failed'] is True and "Invalid policy name '': names must not be empty." in blank['msg']
    nothing = results['nothing matched']
    assert nothing['failed'] is False and nothing['policies'] == []
    assert "the filter \"name:'No such policy'\" matched nothing" in nothing['msg']
    assert 'a filter on an unknown field also matches nothing' in nothing['msg']
