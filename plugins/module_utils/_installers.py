# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Choice of one sensor installer among the records of GET /sensors/combined/installers/v2, as data.

No HTTP here: the caller fetches the records (installer_filter() narrows that to one platform), this file maps a
target (Ansible facts or explicit options) to the records by exact values and picks one version. The vendor
collection chose with the FQL wildcard os_version:'*<major>*', its most reported bug: '*2*' matches Amazon Linux
'2', '2 - arm64' and '2023' alike, CentOS 7 once got an el8 package, RHEL 9 got nothing. Here an os_version is
compared whole, or as one item of a '/'-separated list ('16/18/20/22/24'), never as a substring. Internal use only.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconConfigError, FalconError
from ansible_collections.secops.falcon.plugins.module_utils._fql import quote
from ansible_collections.secops.falcon.plugins.module_utils._text import describe_items, plural, shortlist, stripped

PLATFORMS = ('linux', 'windows', 'mac')

# Spellings of an architecture -> the one the installer records use. amd64 is Debian's name, x64 Windows', aarch64
# what Linux (and so ansible_architecture) reports on ARM.
ARCHITECTURES = {
    'x86_64': 'x86_64',
    'amd64': 'x86_64',
    'x64': 'x86_64',
    'arm64': 'arm64',
    'aarch64': 'arm64',
    's390x': 's390x',
}
# Windows' ansible_architecture is the localized Win32_OperatingSystem.OSArchitecture ('64-bit', null on a
# non-elevated logon); target_from_facts() reads ansible_architecture2 (POSIX-shaped: x86_64, arm64) first, and
# these English captions only when that fact is missing.
WINDOWS_ARCHITECTURES = {'64-bit': 'x86_64', 'ARM 64-bit Processor': 'arm64'}

# ansible_system -> installer platform.
SYSTEMS = {'Linux': 'linux', 'Win32NT': 'windows', 'Windows': 'windows', 'Darwin': 'mac'}

# In DISTRIBUTIONS: the os_version is ansible_distribution_major_version itself, compared with a record's os_version
# whole or with one item of its '/'-separated list (never as a substring).
MAJOR = '<major>'

# ansible_distribution (as Ansible reports it) -> (platform, installer os, os_version). The os_version is MAJOR, a
# fixed string, or a dict (major, architecture) -> os_version for the distributions that spell the architecture
# into it (a pair missing from the dict falls back to the major itself).
DISTRIBUTIONS = {
    # One os for the RHEL family; os_version is the major alone ('7', '8', '9', '10'). Compared whole, CentOS 7 can
    # no longer get the el8 package, nor RHEL 9 nothing (both came from os_version:'*<major>*').
    'RedHat': ('linux', 'RHEL/CentOS/Oracle', MAJOR),
    'CentOS': ('linux', 'RHEL/CentOS/Oracle', MAJOR),
    'OracleLinux': ('linux', 'RHEL/CentOS/Oracle', MAJOR),
    # Rebuilds of RHEL: the same packages, Ansible names them apart.
    'Rocky': ('linux', 'RHEL/CentOS/Oracle', MAJOR),
    'AlmaLinux': ('linux', 'RHEL/CentOS/Oracle', MAJOR),
    # Amazon Linux 2 on arm64 is its own os_version '2 - arm64'; x86_64 is '2'; '2023' is another release. The
    # wildcard '*2*' matched all three, so an x86_64 host could be handed the arm64 package and the reverse.
    'Amazon': (
        'linux',
        'Amazon Linux',
        {('2', 'x86_64'): '2', ('2', 'arm64'): '2 - arm64', ('2023', 'x86_64'): '2023', ('2023', 'arm64'): '2023'},
    ),
    # One package for several releases: os_version is a list ('16/18/20/22/24', '9/10/11/12'); the major must be
    # one of its items exactly, so '8' never matches '18'.
    'Ubuntu': ('linux', 'Ubuntu', MAJOR),
    'Debian': ('linux', 'Debian', MAJOR),
    # SLES for SAP runs the SLES package; os_version '12' or '15'.
    'SLES': ('linux', 'SLES', MAJOR),
    'SLES_SAP': ('linux', 'SLES', MAJOR),
    # Windows and macOS records have an empty os_version. Windows reports its caption ('Microsoft Windows Server
    # 2022 Standard') as ansible_distribution, so for Win32NT and Darwin the system decides, not these keys.
    'Windows': ('windows', 'Windows', ''),
    'MacOSX': ('mac', 'macOS', ''),
    'Darwin': ('mac', 'macOS', ''),
}
# The entry used for each non-Linux platform whatever ansible_distribution says.
PLATFORM_DISTRIBUTIONS = {'windows': 'Windows', 'mac': 'MacOSX'}

# A sensor version in every spelling the APIs use: 7.18.17106 and 7.17.17005 LTS (installer records), 7.16.18613 (LTS)
# (sensor update builds) and the package's 7.18.0-18803 (kernel records: the build after the dash is the third
# number). parse_version() says which spellings a caller accepts; the text is matched stripped.
_VERSION_RE = re.compile(
    r'(?P<numbers>[0-9]+(?:\.[0-9]+)*)(?:-(?P<build>[0-9]+))?'
    r'(?:\s+(?:(?P<lts>LTS)|(?P<lts_in_parens>\(LTS\))|(?P<note>.*)))?',
    re.IGNORECASE,
)
_BUILD_RE = re.compile(r'[0-9]+')
# The sensor update policy's variant that carries the Linux arm64 build.
ARM64_VARIANT = 'LinuxArm64'


class Target(NamedTuple):
    """What an installer is chosen for: platform (linux/windows/mac), os and os_version as the records spell
    them (os_version may be a major a '/'-separated list holds), and architecture (x86_64, arm64, s390x)."""

    platform: str
    os: str
    os_version: str
    architecture: str


class Version(NamedTuple):
    """A parsed sensor version: numbers (7, 18, 17106), empty when the text is not a version; lts for ' LTS'."""

    numbers: tuple
    lts: bool


_NOT_A_VERSION = Version((), False)


class NoInstallerError(FalconError):
    """No single installer fits the target and version choice (none, or several): the message lists what exists.

    target is the Target; candidates the records matching it whatever the version (newest first), for the result.
    """

    def __init__(self, message, target=None, candidates=None, hint=None):
        super().__init__(message, hint=hint)
        self.target = target
        self.candidates = list(candidates or [])


# -- targets -------------------------------------------------------------------------------------------------------


def normalise_architecture(value) -> str:
    """Return x86_64, arm64 or s390x for any spelling (amd64, x64, aarch64; any case), else FalconConfigError."""
    key = value.strip().lower() if isinstance(value, str) else None
    if key not in ARCHITECTURES:
        raise FalconConfigError(
            'Invalid architecture %r: use one of %s.' % (value, shortlist(sorted(ARCHITECTURES), len(ARCHITECTURES)))
        )
    return ARCHITECTURES[key]


def _fact(facts: dict, name: str):
    """The fact ansible_<name> (hostvars spelling) or <name> (the ansible_facts dict's spelling); None if absent."""
    value = facts.get('ansible_' + name)
    if value is None:
        value = facts.get(name)
    if isinstance(value, str):
        value = value.strip()
    return None if value in (None, '') else value


def _os_version_for(rule, major: str, architecture: str) -> str:
    """The os_version a DISTRIBUTIONS rule gives for this major and architecture."""
    if rule == MAJOR:
        return major
    if isinstance(rule, dict):
        return rule.get((major, architecture), major)
    return rule


def target_from_facts(facts: dict) -> Target:
    """Return the Target of a host from its facts (hostvars or ansible_facts keys, with or without 'ansible_').

    Reads ansible_system, ansible_distribution, ansible_distribution_major_version (both for Linux only) and
    ansible_architecture (ansible_architecture2 first, which Windows sets). FalconConfigError names missing facts,
    an unknown system or distribution, and a bad architecture.

    Supported ansible_distribution values: RedHat, CentOS, OracleLinux, Rocky, AlmaLinux, Amazon, Ubuntu, Debian,
    SLES, SLES_SAP, Windows, MacOSX, Darwin.
    """
    if not isinstance(facts, dict):
        raise FalconConfigError('The facts must be a dict (hostvars or ansible_facts), not %s.' % type(facts).__name__)
    system = _fact(facts, 'system')
    distribution = _fact(facts, 'distribution')
    major = _fact(facts, 'distribution_major_version')
    architecture = _fact(facts, 'architecture2') or _fact(facts, 'architecture')
    missing = []
    if system is None:
        missing.append('ansible_system')
    if SYSTEMS.get(system) == 'linux' or system is None:
        if distribution is None:
            missing.append('ansible_distribution')
        if major is None:
            missing.append('ansible_distribution_major_version')
    if architecture is None:
        missing.append('ansible_architecture')
    if missing:
        raise FalconConfigError(
            'The facts lack %s: gather them first (setup, or gather_facts: true with at least the hardware '
            'and distribution subsets).' % shortlist(missing)
        )
    platform = SYSTEMS.get(system)
    if platform is None:
        raise FalconConfigError(
            'Unsupported ansible_system %r: supported are %s.' % (system, shortlist(list(SYSTEMS), len(SYSTEMS)))
        )
    if platform != 'linux':
        distribution = PLATFORM_DISTRIBUTIONS[platform]
    entry = DISTRIBUTIONS.get(distribution)
    if entry is None or entry[0] != platform:
        supported = [name for name, value in DISTRIBUTIONS.items() if value[0] == 'linux']
        raise FalconConfigError(
            'Unsupported ansible_distribution %r on %s: supported are %s; or give platform, os, os_version and '
            'architecture explicitly.' % (distribution, system, shortlist(supported, len(supported)))
        )
    if platform == 'windows' and architecture in WINDOWS_ARCHITECTURES:
        architecture = WINDOWS_ARCHITECTURES[architecture]
    architecture = normalise_architecture(architecture)
    _platform, os_name, rule = entry
    return Target(platform, os_name, _os_version_for(rule, str(major or ''), architecture), architecture)


def target_from_options(platform, os=None, os_version=None, architecture='x86_64') -> Target:
    """Return the Target given explicitly: platform linux/windows/mac; os and os_version as the records spell them
    ('Amazon Linux', '2 - arm64'), or os_version as a major that a record's '/'-separated list holds ('22' for
    '16/18/20/22/24'). For windows and mac os defaults to 'Windows' / 'macOS' and os_version to ''."""
    if not isinstance(platform, str) or platform.strip().lower() not in PLATFORMS:
        raise FalconConfigError('Invalid platform %r: use one of %s.' % (platform, shortlist(PLATFORMS)))
    platform = platform.strip().lower()
    architecture = normalise_architecture(architecture)
    if os is None or (isinstance(os, str) and not os.strip()):
        if platform == 'linux':
            raise FalconConfigError(
                "The linux platform needs an os as the installer records spell it, e.g. 'RHEL/CentOS/Oracle', "
                "'Amazon Linux', 'Ubuntu', 'Debian' or 'SLES'."
            )
        os = DISTRIBUTIONS[PLATFORM_DISTRIBUTIONS[platform]][1]
    if isinstance(os_version, bool) or not isinstance(os_version, (str, int, type(None))):
        raise FalconConfigError('Invalid os_version %r: give it as text, e.g. 9 or 2 - arm64.' % (os_version,))
    os_version = '' if os_version is None else str(os_version).strip()
    if platform == 'linux' and not os_version:
        raise FalconConfigError(
            "The linux platform needs an os_version, e.g. '9' (RHEL/CentOS/Oracle), '2 - arm64' (Amazon Linux) or "
            "'22' (Ubuntu)."
        )
    return Target(platform, str(os).strip(), os_version, architecture)


def describe_target(target: Target) -> str:
    """'Amazon Linux 2 - arm64 on arm64 (linux)'; 'Windows on x86_64 (windows)'."""
    name = ('%s %s' % (target.os, target.os_version)) if target.os_version else target.os
    return '%s on %s (%s)' % (name, target.architecture, target.platform)


def installer_filter(target: Target) -> str:
    """The FQL filter for fetching a target's candidates: its platform only, exactly.

    Never os_version (a wildcard there is the bug this file answers); not os either: when nothing matches, the
    message lists what the platform offers (so a user asking x86_64 sees that 'Amazon Linux 2 - arm64' exists).
    """
    return 'platform:%s' % quote(target.platform)


# -- matching ------------------------------------------------------------------------------------------------------


# An os_version may name the architecture after its version(s): '2 - arm64' is recorded (Amazon Linux 2 on arm64);
# other records may spell arm64 or s390x builds the same way ('8 - arm64'), or only in `architectures`. Both forms
# are read: the qualifier is split off and must be the target's architecture.
_QUALIFIED = re.compile(r'^(?P<base>.*?)\s+-\s+(?P<arch>[A-Za-z0-9_]+)$')


def split_os_version(text):
    """(versions, architecture or None) of an os_version: ('2', 'arm64') for '2 - arm64', ('9', None) for '9'."""
    text = stripped(text)
    match = _QUALIFIED.match(text)
    if match and match.group('arch').lower() in ARCHITECTURES:
        return match.group('base').strip(), ARCHITECTURES[match.group('arch').lower()]
    return text, None


def _versions_match(offered, wanted) -> bool:
    """offered equals wanted, or is a '/'-separated list with wanted as one item (never a substring)."""
    if offered == wanted:
        return True
    if not wanted or '/' not in offered:
        return False
    return wanted in [item.strip() for item in offered.split('/')]


def os_version_matches(offered, wanted, architecture=None) -> bool:
    """True when a record's os_version fits wanted: the version equals it or is an item of a '/'-separated list,
    and an architecture named in either ('2 - arm64') is the target's architecture.

    Never a substring: '2' does not match '2023', '8' does not match '18' nor '16/18/20'; '2 - arm64' matches '2'
    only for an arm64 target (and never without an architecture).
    """
    offered_versions, offered_arch = split_os_version(offered)
    wanted_versions, wanted_arch = split_os_version(wanted)
    for named in (offered_arch, wanted_arch):
        if named is not None and named != architecture:
            return False
    return _versions_match(offered_versions, wanted_versions)


def record_architectures(record: dict) -> list:
    """The architectures a record serves, spelled as ARCHITECTURES spells them (unknown ones kept as given)."""
    values = record.get('architectures')
    if isinstance(values, str):
        values = [values]
    if not values:
        # Assumption: older records have no (or an empty) architectures list; they predate the arm64 builds, so
        # they are taken as x86_64 only, unless the os_version names an architecture ('2 - arm64' of Amazon Linux).
        return [split_os_version(record.get('os_version'))[1] or 'x86_64']
    out = []
    for value in values:
        text = stripped(value)
        name = ARCHITECTURES.get(text.lower(), text)
        if name not in out:
            out.append(name)
    return out


def matching(records: list, target: Target) -> list:
    """The records for target, newest version first: same platform and os, os_version matched whole or as a list
    item (os_version_matches), and the target's architecture among the record's architectures."""
    found = [
        r
        for r in records or []
        if isinstance(r, dict)
        and stripped(r.get('platform')).lower() == target.platform
        and stripped(r.get('os')) == target.os
        and os_version_matches(r.get('os_version'), target.os_version, target.architecture)
        and target.architecture in record_architectures(r)
    ]
    # The same installer (sha256) listed twice is one installer, not a choice to refuse.
    seen = set()
    unique_found = []
    for record in found:
        key = stripped(record.get('sha256')) or id(record)
        if key not in seen:
            seen.add(key)
            unique_found.append(record)
    return newest_first(unique_found)


# -- versions ------------------------------------------------------------------------------------------------------


def parse_version(text, sensor_update=False) -> Version:
    """Return Version((7, 18, 17106), lts=True) for '7.18.17106 LTS'; Version((), False) for anything that is not a
    version (None, '', 'abc', '7.x'): such a version sorts last and is never chosen by number.

    By default the installers' spelling: one or more numbers ('7.18.17106', '7.10') and an optional ' LTS' (any
    case), nothing else. sensor_update=True reads a version as the sensor update builds and kernel records spell it:
    exactly three numbers, or the package's '7.18.0-18803' (read as (7, 18, 18803)), then any note after a blank;
    lts is True for a note ' LTS' or ' (LTS)'.
    """
    found = _VERSION_RE.fullmatch(text.strip()) if isinstance(text, str) else None
    if found is None:
        return _NOT_A_VERSION
    numbers = tuple(int(part) for part in found.group('numbers').split('.'))
    build = found.group('build')
    if not sensor_update:
        if build is not None or found.group('lts_in_parens', 'note') != (None, None):
            return _NOT_A_VERSION
        return Version(numbers, found.group('lts') is not None)
    if len(numbers) != 3:
        return _NOT_A_VERSION
    if build is not None:
        numbers = numbers[:2] + (int(build),)
    return Version(numbers, found.group('lts', 'lts_in_parens') != (None, None))


def newest_first(records: list) -> list:
    """records sorted by version, newest first (stable); malformed versions last, in their given order."""
    readable = [r for r in records if parse_version(r.get('version')).numbers]
    malformed = [r for r in records if not parse_version(r.get('version')).numbers]
    # Sorting on the number tuples themselves: 7.18.1 is newer than 7.18 (a negated key would get that wrong).
    readable.sort(key=lambda r: parse_version(r.get('version')).numbers, reverse=True)
    return readable + malformed


class _VersionGroup(NamedTuple):
    """The records of one distinct version: numbers (empty if malformed), label as shown, records."""

    numbers: tuple
    label: str
    records: list


def _version_groups(records: list) -> list:
    """Distinct versions of records (already newest first); an LTS record counts as its version: 7.17.17005 LTS and
    7.17.17005 are one version, labelled with the suffix when any of its records has it."""
    groups = []
    by_key = {}
    for record in records:
        text = stripped(record.get('version'))
        parsed = parse_version(text)
        key = parsed.numbers or ('?', text)
        if key not in by_key:
            by_key[key] = _VersionGroup(parsed.numbers, text, [])
            groups.append(key)
        group = by_key[key]
        if parsed.lts and not parse_version(group.label).lts:
            by_key[key] = group = group._replace(label=text)
        group.records.append(record)
    return [by_key[key] for key in groups]


def build_number(text) -> int:
    """The build number of a sensor update policy build ('16410|n|tagged|11', '19320|Auto') or of a plain build
    (16410, '16410'); FalconConfigError for an empty build (updates off) or anything else."""
    if isinstance(text, int) and not isinstance(text, bool) and text >= 0:
        return text
    value = stripped(text) if isinstance(text, str) else None
    if value == '':
        raise FalconConfigError(
            'The sensor build is empty: the sensor update policy has updates turned off, so it pins no build.'
        )
    first = value.split('|', 1)[0].strip() if value is not None else ''
    if _BUILD_RE.fullmatch(first) is None:
        raise FalconConfigError(
            "Invalid sensor build %r: use a build number such as 16410 or a policy build such as "
            "'16410|n|tagged|11'." % (text,)
        )
    return int(first)


def policy_build(policy_settings: dict, target: Target) -> str:
    """The build string of a sensor update policy that applies to target: for linux on arm64 the build of the
    LinuxArm64 variant when the policy has one (even an empty one: updates off there), else settings['build'].

    policy_settings is the policy's settings dict (the policy itself is accepted too). FalconConfigError when the
    build is empty (sensor updates are off in the policy) or not a build.
    """
    settings = policy_settings if isinstance(policy_settings, dict) else {}
    if isinstance(settings.get('settings'), dict):
        settings = settings['settings']
    build = settings.get('build')
    where = 'settings.build'
    if target.platform == 'linux' and target.architecture == 'arm64':
        for variant in settings.get('variants') or []:
            if isinstance(variant, dict) and stripped(variant.get('platform')).lower() == ARM64_VARIANT.lower():
                build = variant.get('build')
                where = 'the %s variant of settings.variants' % ARM64_VARIANT
                break
    if not stripped(build):
        raise FalconConfigError(
            'The sensor update policy has sensor updates turned off for %s (%s is empty): it pins no build; '
            'give version or version_decrement instead, or set a build in the policy.'
            % (describe_target(target), where)
        )
    build = stripped(build)
    build_number(build)
    return build


def validate_choice(version=None, version_decrement=0, build=None):
    """FalconConfigError unless at most one of version, version_decrement > 0 and build is given and each is well
    formed (checkable before any request). version is exact: '7.18' is no prefix of '7.18.17106'."""
    if isinstance(version_decrement, bool) or not isinstance(version_decrement, int) or version_decrement < 0:
        raise FalconConfigError(
            'Invalid version_decrement %r: use 0 for the latest version, 1 for the one before (N-1), and so on.'
            % (version_decrement,)
        )
    given = [
        name
        for name, present in (
            ('version', version not in (None, '')),
            ('version_decrement', version_decrement > 0),
            ('build', build is not None),
        )
        if present
    ]
    if len(given) > 1:
        raise FalconConfigError('Give only one of version, version_decrement and build, not %s.' % ' and '.join(given))
    if version not in (None, '') and not parse_version(version if isinstance(version, str) else None).numbers:
        raise FalconConfigError(
            "Invalid version %r: give the full sensor version as the installers list it, e.g. '7.18.17106' or "
            "'7.17.17005 LTS'." % (version,)
        )
    if build is not None:
        build_number(build)


def _describe_records(records: list) -> str:
    """'name: version; name: version' (first ten, then the count)."""
    return describe_items(
        (stripped(r.get('name')) or stripped(r.get('sha256')) or '?', stripped(r.get('version'))) for r in records
    )


def _offers(records: list, platform: str) -> list:
    """The distinct 'os os_version (architectures)' the records offer for platform, sorted."""
    out = set()
    for r in records or []:
        if isinstance(r, dict) and stripped(r.get('platform')).lower() == platform:
            name = ' '.join(part for part in (stripped(r.get('os')), stripped(r.get('os_version'))) if part)
            out.add('%s (%s)' % (name or '?', ' and '.join(record_architectures(r))))
    return sorted(out)


def _nothing_matches(records: list, target: Target) -> NoInstallerError:
    """The error for a target no record serves, listing what the records offer for its platform."""
    offers = _offers(records, target.platform)
    if offers:
        detail = 'the %s installers offered are: %s' % (target.platform, shortlist(offers))
    else:
        platforms = sorted({stripped(r.get('platform')).lower() for r in records or [] if isinstance(r, dict)} - {''})
        if platforms:
            detail = 'the records hold no %s installer at all (platforms offered: %s)' % (
                target.platform,
                shortlist(platforms),
            )
        else:
            detail = 'the API listed no installer at all'
    return NoInstallerError(
        'No sensor installer for %s: %s. os and os_version are compared exactly (a major may be one item of a '
        "'/'-separated list such as 16/18/20/22/24)." % (describe_target(target), detail),
        target=target,
    )


def select(records: list, target: Target, version=None, version_decrement=0, build=None):
    """Return (record, candidates): the one installer for target and the version choice, and every record matching
    target whatever the version, newest first.

    The choice is at most one of: version (exact, with or without ' LTS': '7.18' does not prefix-match
    '7.18.17106'); version_decrement N (the N-th older distinct version, 0 the latest; an LTS record counts as its
    version); build (a build number or policy build such as '16410|n|tagged|11', matched with the version's last
    part, see policy_build()). Records whose version is malformed are candidates, listed last, never chosen.
    FalconConfigError for a bad choice; NoInstallerError when no record, or several, results.
    """
    validate_choice(version, version_decrement, build)
    candidates = matching(records, target)
    if not candidates:
        raise _nothing_matches(records, target)
    groups = [g for g in _version_groups(candidates) if g.numbers]
    available = shortlist([g.label for g in groups]) or 'none with a readable version'
    where = describe_target(target)
    if version not in (None, ''):
        wanted = parse_version(version).numbers
        chosen = [g for g in groups if g.numbers == wanted]
        missing = 'No sensor installer of version %s for %s (the version must be given in full)' % (version, where)
    elif build is not None:
        number = build_number(build)
        chosen = [g for g in groups if g.numbers[-1] == number]
        missing = 'No sensor installer of build %d (from %r) for %s' % (number, build, where)
    else:
        chosen = groups[version_decrement : version_decrement + 1]
        missing = 'No sensor installer at version_decrement %d (N-%d) for %s: it has %s' % (
            version_decrement,
            version_decrement,
            where,
            plural(len(groups), 'distinct version'),
        )
    if not chosen:
        raise NoInstallerError(
            '%s; versions available: %s. Candidates: %s.' % (missing, available, _describe_records(candidates)),
            target=target,
            candidates=candidates,
        )
    found = [r for g in chosen for r in g.records]
    if len(found) > 1:
        raise NoInstallerError(
            '%s match %s at version %s; expected exactly one: %s.'
            % (
                plural(len(found), 'sensor installer'),
                where,
                shortlist([g.label for g in chosen]),
                describe_items(
                    (stripped(r.get('name')) or '?', 'sha256 %s' % stripped(r.get('sha256'))) for r in found
                ),
            ),
            target=target,
            candidates=candidates,
        )
    return found[0], candidates
