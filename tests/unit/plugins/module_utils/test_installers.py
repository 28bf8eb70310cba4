"""Unit tests of the installer choice: facts/options to a target, exact os_version matching, versions, N-x, builds."""

import hashlib
import re

import pytest

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconConfigError, FalconError
from ansible_collections.secops.falcon.plugins.module_utils._installers import (
    DISTRIBUTIONS,
    NoInstallerError,
    Target,
    build_number,
    installer_filter,
    matching,
    newest_first,
    normalise_architecture,
    os_version_matches,
    parse_version,
    policy_build,
    record_architectures,
    select,
    target_from_facts,
    target_from_options,
    validate_choice,
)

NEWEST = '7.18.17106'
LTS = '7.17.17005 LTS'
OLDER = '7.16.16903'
VERSIONS = (NEWEST, LTS, OLDER)
FILE_TYPES = {'linux': 'rpm', 'windows': 'exe', 'mac': 'pkg'}


def record(os_name, os_version, version, architectures=('x86_64',), platform='linux', name=None, file_type=None):
    """One installer record as GET /sensors/combined/installers/v2 lists it (architectures=None leaves it out)."""
    name = name or 'falcon-sensor-%s-%s-%s-%s' % (version, os_name, os_version, '-'.join(architectures or ['none']))
    out = {
        'description': 'Falcon sensor for %s' % os_name,
        'file_size': 1000,
        'file_type': file_type or FILE_TYPES[platform],
        'name': name,
        'os': os_name,
        'os_version': os_version,
        'platform': platform,
        'release_date': '2024-01-01T00:00:00Z',
        'sha256': hashlib.sha256(name.encode()).hexdigest(),
        'version': version,
    }
    if architectures is not None:
        out['architectures'] = list(architectures)
    return out


def catalogue():
    """A realistic catalogue: each os row in three versions (the middle one LTS)."""
    rows = [
        ('RHEL/CentOS/Oracle', '7', ['x86_64'], 'el7'),
        ('RHEL/CentOS/Oracle', '8', ['x86_64'], 'el8'),
        ('RHEL/CentOS/Oracle', '8', ['arm64'], 'el8.aarch64'),
        ('RHEL/CentOS/Oracle', '9', ['x86_64'], 'el9'),
        ('RHEL/CentOS/Oracle', '9', ['arm64'], 'el9.aarch64'),
        ('RHEL/CentOS/Oracle', '9', ['s390x'], 'el9.s390x'),
        ('RHEL/CentOS/Oracle', '10', ['x86_64'], 'el10'),
        ('Amazon Linux', '2', ['x86_64'], 'amzn2'),
        ('Amazon Linux', '2 - arm64', ['arm64'], 'amzn2.aarch64'),
        ('Amazon Linux', '2023', ['x86_64'], 'amzn2023'),
        ('Amazon Linux', '2023', ['arm64'], 'amzn2023.aarch64'),
        ('Ubuntu', '16/18/20/22/24', ['x86_64'], 'ubuntu.amd64'),
        ('Ubuntu', '16/18/20/22/24', ['arm64'], 'ubuntu.arm64'),
        ('Debian', '9/10/11/12', ['x86_64'], 'debian.amd64'),
        ('SLES', '12', ['x86_64'], 'suse12'),
        ('SLES', '15', ['x86_64'], 'suse15'),
    ]
    out = []
    for version in VERSIONS:
        for os_name, os_version, archs, tag in rows:
            file_type = 'deb' if os_name in ('Ubuntu', 'Debian') else 'rpm'
            name = 'falcon-sensor-%s.%s.%s' % (version.split()[0], tag, file_type)
            out.append(record(os_name, os_version, version, archs, name=name, file_type=file_type))
        out.append(
            record('Windows', '', version, ['x86_64'], platform='windows', name='WindowsSensor.%s.exe' % version)
        )
        out.append(
            record('macOS', '', version, ['x86_64', 'arm64'], platform='mac', name='FalconSensorMacOS.%s.pkg' % version)
        )
    return out


def facts(distribution, major, architecture='x86_64', system='Linux'):
    """The four facts target_from_facts reads, as hostvars spell them."""
    return {
        'ansible_system': system,
        'ansible_distribution': distribution,
        'ansible_distribution_major_version': major,
        'ansible_architecture': architecture,
    }


def pick(target, **choice):
    """The chosen record's name."""
    chosen, _candidates = select(catalogue(), target, **choice)
    return chosen['name']


# -- architectures and targets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    'value, expected',
    [
        ('x86_64', 'x86_64'),
        ('amd64', 'x86_64'),
        ('X64', 'x86_64'),
        ('arm64', 'arm64'),
        ('aarch64', 'arm64'),
        ('s390x', 's390x'),
    ],
)
def test_normalise_architecture_spellings(value, expected):
    assert normalise_architecture(value) == expected


@pytest.mark.parametrize('value', ['i386', 'ppc64le', '', None, 64])
def test_bad_architecture_names_the_value_and_the_allowed(value):
    with pytest.raises(FalconConfigError) as err:
        normalise_architecture(value)
    text = str(err.value)
    assert repr(value) in text and 'aarch64' in text and 'x86_64' in text and 's390x' in text


def test_aarch64_fact_is_accepted_as_arm64():
    """Linux reports aarch64; the records say arm64."""
    assert target_from_facts(facts('RedHat', '9', 'aarch64')) == Target('linux', 'RHEL/CentOS/Oracle', '9', 'arm64')
    assert pick(target_from_facts(facts('RedHat', '9', 'aarch64'))) == 'falcon-sensor-7.18.17106.el9.aarch64.rpm'


def test_facts_table_covers_every_distribution_in_the_docstring():
    """The docstring's list and the table agree both ways."""
    text = ' '.join(target_from_facts.__doc__.split())
    listed = re.search(r'Supported ansible_distribution values: ([^.]+)\.', text).group(1)
    names = [name.strip() for name in listed.split(',')]
    assert sorted(names) == sorted(DISTRIBUTIONS)
    for name in names:
        platform = DISTRIBUTIONS[name][0]
        system = {'linux': 'Linux', 'windows': 'Win32NT', 'mac': 'Darwin'}[platform]
        assert target_from_facts(facts(name, '9', system=system)).platform == platform


@pytest.mark.parametrize('distribution', ['RedHat', 'CentOS', 'OracleLinux', 'Rocky', 'AlmaLinux'])
def test_rhel_family_maps_to_one_os(distribution):
    target = target_from_facts(facts(distribution, '8'))
    assert target == Target('linux', 'RHEL/CentOS/Oracle', '8', 'x86_64')
    assert pick(target) == 'falcon-sensor-7.18.17106.el8.rpm'


def test_sles_sap_uses_the_sles_package():
    assert pick(target_from_facts(facts('SLES_SAP', '15'))) == 'falcon-sensor-7.18.17106.suse15.rpm'
    assert pick(target_from_facts(facts('SLES', '12'))) == 'falcon-sensor-7.18.17106.suse12.rpm'


def test_windows_system_decides_not_its_caption_and_reads_architecture2():
    """Windows reports its caption as distribution and a localized '64-bit' architecture."""
    host = facts('Microsoft Windows Server 2022 Standard', '10', '64-bit', system='Win32NT')
    assert target_from_facts(host) == Target('windows', 'Windows', '', 'x86_64')
    host['ansible_architecture2'] = 'x86_64'
    host['ansible_architecture'] = None  # null on a non-elevated logon
    assert pick(target_from_facts(host)) == 'WindowsSensor.7.18.17106.exe'


def test_macos_on_apple_silicon_from_ansible_facts_keys():
    """The ansible_facts dict spells the facts without the prefix."""
    host = {'system': 'Darwin', 'distribution': 'MacOSX', 'distribution_major_version': '14', 'architecture': 'arm64'}
    assert target_from_facts(host) == Target('mac', 'macOS', '', 'arm64')
    assert pick(target_from_facts(host)) == 'FalconSensorMacOS.7.18.17106.pkg'


def test_missing_facts_are_named():
    with pytest.raises(FalconConfigError) as err:
        target_from_facts({'ansible_system': 'Linux', 'ansible_architecture': 'x86_64'})
    assert 'ansible_distribution, ansible_distribution_major_version' in str(err.value)
    with pytest.raises(FalconConfigError) as err:
        target_from_facts({})
    assert 'ansible_system' in str(err.value) and 'ansible_architecture' in str(err.value)


def test_unknown_distribution_and_system_list_the_supported():
    with pytest.raises(FalconConfigError) as err:
        target_from_facts(facts('Gentoo', '2'))
    assert "'Gentoo'" in str(err.value) and 'RedHat' in str(err.value) and 'SLES_SAP' in str(err.value)
    with pytest.raises(FalconConfigError) as err:
        target_from_facts(facts('FreeBSD', '14', system='FreeBSD'))
    assert "'FreeBSD'" in str(err.value) and 'Win32NT' in str(err.value)
    with pytest.raises(FalconConfigError):
        target_from_facts(['not', 'a', 'dict'])


def test_target_from_options_validates_and_defaults():
    assert target_from_options('linux', 'Amazon Linux', '2 - arm64', 'aarch64') == Target(
        'linux', 'Amazon Linux', '2 - arm64', 'arm64'
    )
    assert target_from_options('Windows') == Target('windows', 'Windows', '', 'x86_64')
    assert target_from_options('mac', architecture='arm64') == Target('mac', 'macOS', '', 'arm64')
    assert target_from_options('linux', 'RHEL/CentOS/Oracle', 9).os_version == '9'
    with pytest.raises(FalconConfigError) as err:
        target_from_options('solaris', 'x', '1')
    assert "'solaris'" in str(err.value) and 'linux, windows, mac' in str(err.value)
    with pytest.raises(FalconConfigError) as err:
        target_from_options('linux', 'Ubuntu', '22', 'sparc')
    assert "'sparc'" in str(err.value)
    with pytest.raises(FalconConfigError):
        target_from_options('linux', None, '9')
    with pytest.raises(FalconConfigError):
        target_from_options('linux', 'Ubuntu', '')


def test_options_with_a_list_major_pick_the_list_record():
    assert pick(target_from_options('linux', 'Ubuntu', '22', 'arm64')) == 'falcon-sensor-7.18.17106.ubuntu.arm64.deb'
    assert pick(target_from_options('linux', 'Ubuntu', '16/18/20/22/24')) == 'falcon-sensor-7.18.17106.ubuntu.amd64.deb'


def test_installer_filter_names_the_platform_only():
    """Never a wildcard on os_version."""
    assert installer_filter(Target('linux', 'Amazon Linux', '2', 'x86_64')) == "platform:'linux'"


# -- the recorded pitfalls -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    'major, architecture, os_version, name',
    [
        ('2', 'x86_64', '2', 'falcon-sensor-7.18.17106.amzn2.rpm'),
        ('2', 'aarch64', '2 - arm64', 'falcon-sensor-7.18.17106.amzn2.aarch64.rpm'),
        ('2023', 'x86_64', '2023', 'falcon-sensor-7.18.17106.amzn2023.rpm'),
        ('2023', 'aarch64', '2023', 'falcon-sensor-7.18.17106.amzn2023.aarch64.rpm'),
    ],
)
def test_amazon_linux_2_arm64_x86_64_and_2023_each_get_their_own(major, architecture, os_version, name):
    target = target_from_facts(facts('Amazon', major, architecture))
    assert target.os_version == os_version
    chosen, candidates = select(catalogue(), target)
    assert chosen['name'] == name
    # No '*2*' confusion: every candidate has exactly the target's os_version.
    assert {c['os_version'] for c in candidates} == {os_version} and len(candidates) == 3


def test_two_never_matches_2023_or_2_arm64():
    assert not os_version_matches('2023', '2')
    assert not os_version_matches('2 - arm64', '2')
    assert not os_version_matches('2', '2023')
    assert os_version_matches('2 - arm64', '2 - arm64', 'arm64') and os_version_matches('2 - arm64', '2', 'arm64')
    assert not os_version_matches('2 - arm64', '2', 'x86_64') and not os_version_matches('2 - arm64', '2 - arm64')


def test_centos_7_gets_the_el7_package_not_el8():
    chosen, candidates = select(catalogue(), target_from_facts(facts('CentOS', '7')))
    assert chosen['name'] == 'falcon-sensor-7.18.17106.el7.rpm'
    assert all('el7' in c['name'] for c in candidates)


@pytest.mark.parametrize('major', ['9', '10'])
def test_rhel_9_and_10_are_found(major):
    assert pick(target_from_facts(facts('RedHat', major))) == 'falcon-sensor-7.18.17106.el%s.rpm' % major


def test_rhel_9_s390x():
    assert pick(target_from_facts(facts('RedHat', '9', 's390x'))) == 'falcon-sensor-7.18.17106.el9.s390x.rpm'


def test_ubuntu_22_on_arm64_found_in_the_list():
    chosen, candidates = select(catalogue(), target_from_facts(facts('Ubuntu', '22', 'aarch64')))
    assert chosen['name'] == 'falcon-sensor-7.18.17106.ubuntu.arm64.deb' and chosen['os_version'] == '16/18/20/22/24'
    assert {c['architectures'][0] for c in candidates} == {'arm64'}


def test_debian_12_found_in_the_list():
    assert pick(target_from_facts(facts('Debian', '12'))) == 'falcon-sensor-7.18.17106.debian.amd64.deb'


def test_eight_never_matches_eighteen():
    assert not os_version_matches('18', '8')
    assert not os_version_matches('16/18/20/22/24', '8')
    assert not os_version_matches('16/18/20/22/24', '2')
    assert os_version_matches('16/18/20/22/24', '18')
    records = [record('RHEL/CentOS/Oracle', '18', NEWEST), record('Ubuntu', '16/18/20/22/24', NEWEST)]
    assert matching(records, Target('linux', 'RHEL/CentOS/Oracle', '8', 'x86_64')) == []
    assert matching(records, Target('linux', 'Ubuntu', '8', 'x86_64')) == []


def test_empty_os_version_matches_only_empty():
    assert os_version_matches('', '') and os_version_matches(None, '')
    assert not os_version_matches('16/18', '')


def test_missing_architectures_are_taken_as_x86_64():
    old = record('RHEL/CentOS/Oracle', '8', NEWEST, architectures=None)
    assert record_architectures(old) == ['x86_64']
    assert record_architectures(record('Amazon Linux', '2 - arm64', NEWEST, architectures=None)) == ['arm64']
    assert matching([old], Target('linux', 'RHEL/CentOS/Oracle', '8', 'x86_64')) == [old]
    assert matching([old], Target('linux', 'RHEL/CentOS/Oracle', '8', 'arm64')) == []
    assert record_architectures(record('x', '1', NEWEST, architectures=['aarch64', 'arm64'])) == ['arm64']


# -- versions ------------------------------------------------------------------------------------------------------


def test_parse_version_with_and_without_lts():
    assert parse_version('7.18.17106') == ((7, 18, 17106), False)
    assert parse_version('7.17.17005 LTS') == ((7, 17, 17005), True)
    assert parse_version(' 7.17.17005 lts ').lts is True
    assert parse_version('7.18.17106').numbers > parse_version('7.17.17005 LTS').numbers


@pytest.mark.parametrize('text', [None, '', 'abc', '7.x.1', '7..1', 'LTS', '7.18.17106 beta', 7, ['7']])
def test_malformed_versions_never_crash(text):
    assert parse_version(text).numbers == ()


@pytest.mark.parametrize(
    'text, installer, sensor_update',
    [
        ('7.18.18803', ((7, 18, 18803), False), ((7, 18, 18803), False)),
        (' 7.18.18803 ', ((7, 18, 18803), False), ((7, 18, 18803), False)),
        ('7.17.17005 LTS', ((7, 17, 17005), True), ((7, 17, 17005), True)),
        ('7.17.17005 lts', ((7, 17, 17005), True), ((7, 17, 17005), True)),
        ('7.16.18613 (LTS)', ((), False), ((7, 16, 18613), True)),
        ('7.18.0-18803', ((), False), ((7, 18, 18803), False)),
        ('7.18.0-18803 (LTS)', ((), False), ((7, 18, 18803), True)),
        ('7.18.18803 beta', ((), False), ((7, 18, 18803), False)),
        ('7.10', ((7, 10), False), ((), False)),
        ('7.18-18803', ((), False), ((), False)),
        ('7.18.0-', ((), False), ((), False)),
        ('soon', ((), False), ((), False)),
        (None, ((), False), ((), False)),
    ],
)
def test_one_parser_reads_each_spelling(text, installer, sensor_update):
    """Installer records: numbers and ' LTS' only; sensor update builds and kernel records: three numbers or the
    package's 7.18.0-18803, then any note ((LTS) sets lts)."""
    assert parse_version(text) == installer
    assert parse_version(text, sensor_update=True) == sensor_update


def test_malformed_versions_sort_last_and_are_never_chosen():
    records = [
        record('Ubuntu', '16/18/20/22/24', 'garbage', name='bad-1'),
        record('Ubuntu', '16/18/20/22/24', '7.9.1', name='old'),
        record('Ubuntu', '16/18/20/22/24', None, name='bad-2'),
        record('Ubuntu', '16/18/20/22/24', '7.10.2', name='new'),
        record('Ubuntu', '16/18/20/22/24', '7.10', name='short'),
    ]
    assert [r['name'] for r in newest_first(records)] == ['new', 'short', 'old', 'bad-1', 'bad-2']
    target = Target('linux', 'Ubuntu', '20', 'x86_64')
    chosen, candidates = select(records, target)
    assert chosen['name'] == 'new' and [c['name'] for c in candidates][-2:] == ['bad-1', 'bad-2']
    with pytest.raises(NoInstallerError) as err:
        select(records, target, version_decrement=3)
    assert '7.10.2, 7.10, 7.9.1' in str(err.value)
    with pytest.raises(NoInstallerError) as err:
        select([records[0]], target)
    assert 'none with a readable version' in str(err.value)


def test_exact_version_with_and_without_lts_suffix():
    target = target_from_facts(facts('RedHat', '8'))
    assert pick(target, version='7.17.17005') == 'falcon-sensor-7.17.17005.el8.rpm'
    assert pick(target, version='7.17.17005 LTS') == 'falcon-sensor-7.17.17005.el8.rpm'
    assert pick(target, version='7.18.17106 LTS') == 'falcon-sensor-7.18.17106.el8.rpm'


def test_version_is_never_a_prefix():
    """'7.18' is not 7.18.17106: only the full version is accepted."""
    with pytest.raises(NoInstallerError) as err:
        select(catalogue(), target_from_facts(facts('RedHat', '8')), version='7.18')
    assert 'version 7.18 ' in str(err.value) and '7.18.17106' in str(err.value)


def test_version_decrement_counts_distinct_versions_not_records():
    """N-1 is the LTS release (it counts as its version); two records per version do not make two steps."""
    target = Target('linux', 'RHEL/CentOS/Oracle', '8', 'x86_64')
    records = catalogue() + [record('RHEL/CentOS/Oracle', '8', NEWEST, ['arm64', 'x86_64'], name='el8-dup-arch')]
    records = [r for r in records if r['name'] != 'falcon-sensor-7.18.17106.el8.rpm']
    assert select(records, target)[0]['name'] == 'el8-dup-arch'
    assert select(records, target, version_decrement=1)[0]['name'] == 'falcon-sensor-7.17.17005.el8.rpm'
    assert select(records, target, version_decrement=2)[0]['name'] == 'falcon-sensor-7.16.16903.el8.rpm'


def test_version_decrement_beyond_the_oldest_names_the_versions():
    target = target_from_facts(facts('Amazon', '2'))
    with pytest.raises(NoInstallerError) as err:
        select(catalogue(), target, version_decrement=3)
    text = str(err.value)
    assert 'N-3' in text and '3 distinct versions' in text
    assert 'versions available: 7.18.17106, 7.17.17005 LTS, 7.16.16903' in text
    assert 'Amazon Linux 2 on x86_64 (linux)' in text
    assert len(err.value.candidates) == 3 and err.value.target == target
    assert isinstance(err.value, FalconError)


def test_choice_options_are_exclusive_and_validated():
    target = Target('linux', 'Ubuntu', '22', 'x86_64')
    with pytest.raises(FalconConfigError) as err:
        select(catalogue(), target, version=NEWEST, version_decrement=1)
    assert 'version and version_decrement' in str(err.value)
    with pytest.raises(FalconConfigError):
        select(catalogue(), target, version_decrement=1, build='16410|n|tagged|11')
    with pytest.raises(FalconConfigError):
        validate_choice(version=NEWEST, build=17106)
    for bad in (-1, True, '1'):
        with pytest.raises(FalconConfigError) as err:
            validate_choice(version_decrement=bad)
        assert repr(bad) in str(err.value)
    with pytest.raises(FalconConfigError) as err:
        validate_choice(version='latest')
    assert "'latest'" in str(err.value)
    validate_choice(version=NEWEST, version_decrement=0)


# -- builds --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    'text, number',
    [
        ('16410|n|tagged|11', 16410),
        ('19320|Auto', 19320),
        ('17106', 17106),
        (17106, 17106),
        (' 16410 |n-1|tagged|5', 16410),
    ],
)
def test_build_number(text, number):
    assert build_number(text) == number


@pytest.mark.parametrize('text', ['n|tagged', 'abc', -1, True, None, '16410x|n'])
def test_bad_build_names_the_value(text):
    with pytest.raises(FalconConfigError) as err:
        build_number(text)
    assert repr(text) in str(err.value)


def test_empty_build_means_updates_off():
    with pytest.raises(FalconConfigError) as err:
        build_number('')
    assert 'updates turned off' in str(err.value)


def test_policy_pinned_build_picks_its_version():
    target = target_from_facts(facts('Ubuntu', '22'))
    settings = {'build': '17005|n-1|tagged|11', 'variants': [{'build': '16903|n-2|tagged|3', 'platform': 'LinuxArm64'}]}
    build = policy_build(settings, target)
    assert build == '17005|n-1|tagged|11'
    assert pick(target, build=build) == 'falcon-sensor-7.17.17005.ubuntu.amd64.deb'
    assert pick(target, build=16903) == 'falcon-sensor-7.16.16903.ubuntu.amd64.deb'


def test_policy_arm64_variant_applies_to_linux_arm64_only():
    settings = {'build': '17005|n-1|tagged|11', 'variants': [{'build': '16903|n-2|tagged|3', 'platform': 'LinuxArm64'}]}
    arm = target_from_facts(facts('Ubuntu', '22', 'aarch64'))
    assert policy_build(settings, arm) == '16903|n-2|tagged|3'
    assert pick(arm, build=policy_build(settings, arm)) == 'falcon-sensor-7.16.16903.ubuntu.arm64.deb'
    # The whole policy is accepted too; without a variant arm64 falls back to settings.build.
    assert policy_build({'settings': {'build': '19320|Auto'}}, arm) == '19320|Auto'
    mac = target_from_options('mac', architecture='arm64')
    assert policy_build(settings, mac) == '17005|n-1|tagged|11'


def test_updates_off_policy_is_a_config_error():
    target = target_from_facts(facts('RedHat', '9'))
    with pytest.raises(FalconConfigError) as err:
        policy_build({'build': ''}, target)
    assert 'turned off' in str(err.value) and 'settings.build' in str(err.value)
    arm = target_from_facts(facts('RedHat', '9', 'aarch64'))
    with pytest.raises(FalconConfigError) as err:
        policy_build({'build': '17005|n|tagged|1', 'variants': [{'build': '', 'platform': 'LinuxArm64'}]}, arm)
    assert 'LinuxArm64' in str(err.value)
    with pytest.raises(FalconConfigError):
        policy_build({}, target)


def test_build_not_offered_names_the_versions():
    with pytest.raises(NoInstallerError) as err:
        select(catalogue(), target_from_facts(facts('RedHat', '9')), build='12345|n|tagged|1')
    assert 'build 12345' in str(err.value) and '7.16.16903' in str(err.value)


# -- what the errors list ------------------------------------------------------------------------------------------


def test_zero_matches_lists_what_exists_for_the_platform():
    """Asking x86_64 of a catalogue with only the arm64 Amazon Linux 2 shows that it exists."""
    records = [r for r in catalogue() if r['os_version'] != '2']
    target = target_from_facts(facts('Amazon', '2'))
    with pytest.raises(NoInstallerError) as err:
        select(records, target)
    text = str(err.value)
    assert 'Amazon Linux 2 - arm64 (arm64)' in text and 'Amazon Linux 2023 (x86_64)' in text
    assert 'macOS (x86_64 and arm64)' not in text  # only the asked platform's offers
    assert err.value.candidates == [] and not isinstance(err.value, FalconConfigError)


def test_zero_matches_cut_at_ten():
    records = [record('RHEL/CentOS/Oracle', str(n), NEWEST) for n in range(20, 35)]
    with pytest.raises(NoInstallerError) as err:
        select(records, Target('linux', 'RHEL/CentOS/Oracle', '9', 'x86_64'))
    assert '… (15 in all)' in str(err.value)


def test_zero_matches_without_any_record_of_the_platform():
    records = [r for r in catalogue() if r['platform'] != 'mac']
    with pytest.raises(NoInstallerError) as err:
        select(records, target_from_options('mac'))
    assert 'no mac installer at all' in str(err.value) and 'linux, windows' in str(err.value)
    records = [r for r in catalogue() if r['platform'] == 'mac' and r['version'] == NEWEST]
    with pytest.raises(NoInstallerError) as err:
        select(records, target_from_options('mac', architecture='s390x'))
    assert 'macOS (x86_64 and arm64)' in str(err.value)
    with pytest.raises(NoInstallerError) as err:
        select([], target_from_options('mac'))
    assert 'no installer at all' in str(err.value)


def test_two_records_of_one_version_are_listed():
    records = [
        record('SLES', '15', NEWEST, name='suse15-a'),
        record('SLES', '15', NEWEST + ' LTS', name='suse15-b'),
        record('SLES', '15', OLDER, name='suse15-old'),
    ]
    with pytest.raises(NoInstallerError) as err:
        select(records, target_from_facts(facts('SLES', '15')))
    text = str(err.value)
    assert '2 sensor installers' in text and 'suse15-a: sha256 ' in text and 'suse15-b: sha256 ' in text
    assert 'suse15-old' not in text and len(err.value.candidates) == 3
    # The same installer (sha256) listed twice is no choice.
    assert select([records[0], dict(records[0]), records[2]], target_from_facts(facts('SLES', '15')))[0] == records[0]


def test_candidates_are_every_version_newest_first():
    shuffled = list(reversed(catalogue()))
    chosen, candidates = select(shuffled, target_from_facts(facts('Debian', '11')))
    assert [c['version'] for c in candidates] == list(VERSIONS)
    assert chosen is candidates[0]


@pytest.mark.parametrize(
    'offered, wanted, architecture, fits',
    [
        ('8 - arm64', '8', 'arm64', True),
        ('8 - arm64', '8', 'x86_64', False),
        ('2023 - arm64', '2023', 'arm64', True),
        ('2023 - arm64', '2', 'arm64', False),
        ('15 - s390x', '15', 's390x', True),
        ('16/18/20/22/24 - arm64', '22', 'arm64', True),
        ('16/18/20/22/24 - arm64', '22', 'x86_64', False),
        ('9', '9 - arm64', 'x86_64', False),
        ('RHEL 9 - beta', 'RHEL 9 - beta', 'x86_64', True),  # a dash that names no architecture is plain text
    ],
)
def test_an_architecture_named_in_the_os_version_must_be_the_targets(offered, wanted, architecture, fits):
    assert os_version_matches(offered, wanted, architecture) is fits


def test_rhel_8_on_arm64_finds_a_record_that_spells_the_architecture_in_its_os_version():
    records = [
        {
            'platform': 'linux',
            'os': 'RHEL/CentOS/Oracle',
            'os_version': '8',
            'architectures': ['x86_64'],
            'version': '7.18.17106',
            'sha256': 'a' * 64,
            'name': 'el8.x86_64',
        },
        {
            'platform': 'linux',
            'os': 'RHEL/CentOS/Oracle',
            'os_version': '8 - arm64',
            'architectures': ['arm64'],
            'version': '7.18.17106',
            'sha256': 'b' * 64,
            'name': 'el8.aarch64',
        },
    ]
    facts = {
        'ansible_system': 'Linux',
        'ansible_distribution': 'RedHat',
        'ansible_distribution_major_version': '8',
        'ansible_architecture': 'aarch64',
    }
    record, candidates = select(records, target_from_facts(facts))
    assert record['name'] == 'el8.aarch64' and candidates == [record]
