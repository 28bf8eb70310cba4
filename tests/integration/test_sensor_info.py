"""falcon_cid_info and falcon_sensor_installer_info through the real ansible-playbook against the emulator.

Each recorded pitfall of installer choice is a case: Amazon Linux 2 on arm64 and on x86_64 and Amazon Linux 2023,
CentOS 7, RHEL 9 and 10, the LTS suffix, N-2, and the build a sensor update policy pins.
"""

from falcon_emulator.clients import DEFAULT_CLIENT, NOSCOPE_CLIENT
from play_results import calls, connection

CCID = 'GET /sensors/queries/installers/ccid/v1'
INSTALLERS = 'GET /sensors/combined/installers/v2'


def facts(distribution, major, architecture='x86_64', system='Linux'):
    """The facts falcon_sensor_installer_info reads, as a host reports them."""
    return {
        'ansible_system': system,
        'ansible_distribution': distribution,
        'ansible_distribution_major_version': major,
        'ansible_architecture': architecture,
    }


def newest(emulator, os_name, os_version, architecture, decrement=0):
    """The emulator's installer for an (os, os_version, architecture), decrement versions before the newest."""
    found = [
        r
        for r in emulator.installers()
        if r['os'] == os_name and r['os_version'] == os_version and architecture in r['architectures']
    ]
    found.sort(key=lambda r: [int(p) for p in r['version'].split()[0].split('.')], reverse=True)
    return found[decrement]


CASES = [
    {'label': 'amazon 2 arm64', 'facts': facts('Amazon', '2', 'aarch64')},
    {'label': 'amazon 2 x86_64', 'facts': facts('Amazon', '2')},
    {'label': 'amazon 2023', 'facts': facts('Amazon', '2023')},
    {'label': 'centos 7', 'facts': facts('CentOS', '7')},
    {'label': 'rhel 9', 'facts': facts('RedHat', '9')},
    {'label': 'rhel 10', 'facts': facts('RedHat', '10')},
    {'label': 'rocky 8 arm64', 'facts': facts('Rocky', '8', 'aarch64')},
    {'label': 'ubuntu 22 n-2 (an LTS build)', 'facts': facts('Ubuntu', '22'), 'version_decrement': 2},
    {
        'label': 'exact LTS without suffix',
        'platform': 'linux',
        'os': 'Ubuntu',
        'os_version': '24',
        'version': '7.16.18613',
    },
    {'label': 'policy pins n-2', 'facts': facts('RedHat', '9'), 'sensor_update_policy': 'linux - n-2'},
    {'label': 'windows', 'facts': facts('Microsoft Windows Server 2022', '10', '64-bit', 'Win32NT')},
    {'label': 'check mode', 'facts': facts('Debian', '12'), 'check_mode': True},
    {'label': 'beyond the oldest', 'facts': facts('Debian', '12'), 'version_decrement': 9},
    {'label': 'no such target', 'platform': 'linux', 'os': 'Amazon Linux', 'os_version': '2', 'architecture': 's390x'},
    {'label': 'no such policy', 'facts': facts('RedHat', '9'), 'sensor_update_policy': 'Nope'},
    {'label': 'unknown distribution', 'facts': facts('Gentoo', '2')},
    {
        'label': 'no scope',
        'facts': facts('RedHat', '9'),
        'client_id': NOSCOPE_CLIENT.client_id,
        'client_secret': NOSCOPE_CLIENT.client_secret,
    },
]


def test_installer_choice_and_its_pitfalls(falcon_emulator, run_playbook):
    falcon_emulator.reset_counters()
    run = run_playbook('sensor_info_cases', {}, extra_vars=dict(connection(falcon_emulator), cases=CASES))
    assert run.rc == 0, run.explain()
    tenant = run.results['tenant']
    assert tenant['cid'] == DEFAULT_CLIENT.cid and tenant['ccid'].startswith(DEFAULT_CLIENT.cid.upper() + '-')
    results = {r['item']['label']: r for r in run.results['results']}

    def chosen(label):
        result = results[label]
        assert result['failed'] is False and result['changed'] is False, result
        return result['installer']

    assert chosen('amazon 2 arm64') == newest(falcon_emulator, 'Amazon Linux', '2 - arm64', 'arm64')
    assert chosen('amazon 2 x86_64') == newest(falcon_emulator, 'Amazon Linux', '2', 'x86_64')
    assert chosen('amazon 2023') == newest(falcon_emulator, 'Amazon Linux', '2023', 'x86_64')
    assert '.el7.' in chosen('centos 7')['name']
    assert '.el9.' in chosen('rhel 9')['name'] and '.el10.' in chosen('rhel 10')['name']
    assert chosen('rocky 8 arm64')['name'].endswith('.el8.aarch64.rpm')
    n2 = chosen('ubuntu 22 n-2 (an LTS build)')
    assert n2 == newest(falcon_emulator, 'Ubuntu', '16/18/20/22/24', 'x86_64', 2) and n2['version'].endswith(' LTS')
    assert chosen('exact LTS without suffix') == n2
    assert chosen('policy pins n-2')['version'].startswith('7.16.18613')
    assert chosen('windows')['file_type'] == 'exe'
    assert chosen('check mode')['name'].endswith('_amd64.deb')
    # Every candidate of a choice fits its target (never Amazon 2023 for Amazon 2).
    assert {r['os_version'] for r in results['amazon 2 x86_64']['candidates']} == {'2'}
    assert len(results['amazon 2 x86_64']['candidates']) == 4

    for label, words in (
        ('beyond the oldest', 'version_decrement 9'),
        ('no such target', 'Amazon Linux 2 - arm64'),
        ('no such policy', "No sensor update policy named 'Nope' for Linux"),
        ('unknown distribution', 'Gentoo'),
        ('no scope', 'sensor-installers:read (Sensor download: Read)'),
    ):
        assert results[label]['failed'] is True and words in results[label]['msg'], (label, results[label]['msg'])
    # One installers read per task (a platform has fewer than 500), one CCID read.
    assert calls(falcon_emulator, CCID) == 1
    assert calls(falcon_emulator, INSTALLERS) <= len(CASES)
