# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sensor update builds and kernel support: the reads, and which build's sensor supports a kernel. Internal use only.

GET /policy/combined/sensor-update-builds/v1 (platform, stage) lists the builds a sensor update policy can pin;
GET /policy/combined/sensor-update-kernels/v1 (FQL filter, offset paging of at most 500) the Linux kernel records,
each with the sensor versions that support it. Both need sensor-update-policies:read. Options are checked in
plan() before any request, so a bad value costs no call.
"""

from __future__ import annotations

from typing import NamedTuple

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconConfigError, FalconError
from ansible_collections.secops.falcon.plugins.module_utils._fql import filter_error, quote
from ansible_collections.secops.falcon.plugins.module_utils._installers import normalise_architecture, parse_version
from ansible_collections.secops.falcon.plugins.module_utils._paging import iter_offset
from ansible_collections.secops.falcon.plugins.module_utils._text import shortlist, stripped

BUILDS_PATH = '/policy/combined/sensor-update-builds/v1'
KERNELS_PATH = '/policy/combined/sensor-update-kernels/v1'
KERNELS_PAGE = 500  # the endpoint's largest page (limit 1-500)

PLATFORMS = ('windows', 'mac', 'linux', 'linuxarm64', 'zlinux')
STAGES = ('prod', 'early_adopter')
# The build platforms of Linux and the architecture each one's sensor runs on (a sensor update policy's Linux
# builds are x86_64; arm64 and s390x are its LinuxArm64 and zLinux variants). Windows and macOS have no kernel here.
LINUX_ARCHITECTURES = {'linux': 'x86_64', 'linuxarm64': 'arm64', 'zlinux': 's390x'}
ARCHITECTURE_PLATFORMS = dict((arch, platform) for platform, arch in LINUX_ARCHITECTURES.items())

# The support rule. A kernel record lists the sensor versions that support it in three fields, one per way the
# support reaches a host (the vendor's documentation of the records): the base package (the kernel is supported
# as installed), Zero Touch Linux (support added through channel files) and the ZTL module (support added by offset
# mapping). Each of them works without installing another sensor, so a version listed in any of the three supports
# the kernel. When several records match (the same release in two distributions, or no architecture to tell
# x86_64 from aarch64), a version supports the kernel only if every one of them lists it: the answer never
# depends on which record the host turns out to be.
SUPPORT_FIELDS = (
    'base_package_supported_sensor_versions',
    'ztl_supported_sensor_versions',
    'ztl_module_supported_sensor_versions',
)

# Examples of the narrowing options' values, for the message of an empty one.
_EXAMPLES = {'kernel_vendor': 'ubuntu, rhel, amzn, sles or debian', 'distro': 'ubuntu20, rhel9 or amzn2023'}


class Plan(NamedTuple):
    """What the task reads: platform (None: no builds), stages, the kernel FQL (None: no kernels), the architecture
    the kernel records must have (None: any) and how the kernel query is shown in messages."""

    platform: str | None
    stages: list
    kernel_fql: str | None
    architecture: str | None
    kernel_label: str | None


def plan(params) -> Plan:
    """The Plan of the module's options; FalconConfigError naming the bad value and what is allowed."""
    platform = stripped(params.get('platform'), missing=None)
    if platform is not None and platform not in PLATFORMS:
        raise FalconConfigError('Invalid platform %r: use one of %s.' % (platform, ', '.join(PLATFORMS)))
    stages = params.get('stage')
    stages = list(STAGES) if stages is None else [stripped(s, missing=None) for s in stages]
    bad = [s for s in stages if s not in STAGES]
    if bad or not stages:
        raise FalconConfigError(
            'Invalid stage %s: use one or more of %s.' % (repr(bad[0]) if bad else '[] (none)', ', '.join(STAGES))
        )
    release = stripped(params.get('kernel_release'), missing=None)
    kernel_filter = stripped(params.get('kernel_filter'), missing=None)
    vendor = stripped(params.get('kernel_vendor'), missing=None)
    distro = stripped(params.get('distro'), missing=None)
    if release is not None and kernel_filter is not None:
        raise FalconConfigError('Give only one of kernel_release and kernel_filter.')
    if release == '':
        raise FalconConfigError(
            'kernel_release is empty: give a kernel release as uname -r prints it, e.g. 5.15.0-1019-aws.'
        )
    if kernel_filter == '':
        raise FalconConfigError("kernel_filter is empty: give an FQL filter, e.g. release:'5.15.0-1019-aws'.")
    for name, value in (('kernel_vendor', vendor), ('distro', distro)):
        if value == '':
            raise FalconConfigError('%s is empty: leave it out or give a value such as %s.' % (name, _EXAMPLES[name]))
        if value is not None and release is None:
            raise FalconConfigError(
                '%s narrows kernel_release: give kernel_release too%s.'
                % (name, ' (or write it into kernel_filter)' if kernel_filter is not None else '')
            )
    asked = release is not None or kernel_filter is not None
    architecture = params.get('architecture')
    if architecture is not None:
        architecture = normalise_architecture(architecture)
        if not asked:
            raise FalconConfigError('architecture selects kernel records: give kernel_release or kernel_filter too.')
    if platform is None and not asked:
        raise FalconConfigError(
            'Give a platform (one of %s) for its builds, or kernel_release or kernel_filter for kernel support.'
            % ', '.join(PLATFORMS)
        )
    if asked and platform is not None:
        implied = LINUX_ARCHITECTURES.get(platform)
        if implied is None:
            raise FalconConfigError(
                'Kernel support is for the Linux builds (platform %s), not platform %s.'
                % (', '.join(LINUX_ARCHITECTURES), platform)
            )
        if architecture is not None and architecture != implied:
            raise FalconConfigError(
                'architecture %s does not run the %s builds (they are %s): use platform %s, or leave architecture out.'
                % (architecture, platform, implied, ARCHITECTURE_PLATFORMS.get(architecture, '?'))
            )
        architecture = implied
    if release is not None:
        fql = '+'.join(
            '%s:%s' % (field, quote(value))
            for field, value in (('release', release), ('vendor', vendor), ('distro', distro))
            if value is not None
        )
        label = ' '.join([release] + [v for v in (vendor, distro) if v is not None])
    elif kernel_filter is not None:
        fql, label = kernel_filter, 'kernel_filter %s' % kernel_filter
    else:
        fql = label = None
    if label is not None and architecture is not None:
        label = '%s (%s)' % (label, architecture)
    return Plan(platform, stages, fql, architecture, label)


# -- reads ---------------------------------------------------------------------------------------------------------


def read_builds(client, platform, stages):
    """The build records of one platform and these stages (stage sent every time: the API's default is unverified)."""
    response = client.request('GET', BUILDS_PATH, params={'platform': platform, 'stage': list(stages)})
    return [record for record in response.resources if isinstance(record, dict)]


def read_kernels(client, fql, architecture=None):
    """Every kernel record fql selects (pages of 500), of this architecture when one is given.

    The architecture is compared here, after normalising both spellings (the records say aarch64, the option may
    say arm64), not in the filter: the API's spelling and matching of it are not verified.
    """
    try:
        records = [
            record
            for record in iter_offset(client, KERNELS_PATH, params={'filter': fql}, page_size=KERNELS_PAGE)
            if isinstance(record, dict)
        ]
    except FalconError as err:
        raise filter_error(err, fql) from None
    if architecture is None:
        return records
    return [record for record in records if record_architecture(record) == architecture]


def record_architecture(record):
    """A kernel record's architecture spelled as the options spell it (x86_64, arm64, s390x); unknown ones as given."""
    value = record.get('architecture')
    try:
        return normalise_architecture(value)
    except FalconConfigError:
        return value


# -- versions and support ------------------------------------------------------------------------------------------


def version_key(text):
    """(major, minor, build) of a sensor version (7.18.18803, 7.18.18803 (LTS), the package's 7.18.0-18803), or None
    when it is not one."""
    return parse_version(text, sensor_update=True).numbers or None


def newest_first(builds):
    """Build records by sensor_version, newest first (stable); the unreadable ones last, as given."""
    readable = [b for b in builds if version_key(b.get('sensor_version')) is not None]
    unreadable = [b for b in builds if version_key(b.get('sensor_version')) is None]
    readable.sort(key=lambda b: version_key(b.get('sensor_version')), reverse=True)
    return readable + unreadable


def _listed(record):
    """{version key: version as the record spells it} of every sensor version a kernel record says supports it."""
    out = {}
    for field in SUPPORT_FIELDS:
        values = record.get(field)
        for value in values if isinstance(values, list) else []:
            key = version_key(value)
            if key is not None:
                out.setdefault(key, value.strip())
    return out


def supporting_versions(kernels):
    """{version key: spelling} of the sensor versions every kernel record lists as supporting it ({} for none)."""
    if not kernels:
        return {}
    listed = [_listed(k) for k in kernels]
    common = set(listed[0]).intersection(*listed[1:])
    return dict((key, listed[0][key]) for key in common)


def supports(build, versions, asked):
    """A build's supports_kernel: None when no kernel was asked or its sensor_version is unreadable, else a bool."""
    if not asked:
        return None
    key = version_key(build.get('sensor_version'))
    return None if key is None else key in versions


def summary(plan_, builds, kernels, versions):
    """The one-line msg of the result."""
    parts = []
    if plan_.platform is not None:
        if builds:
            newest = builds[0]
            parts.append(
                '%d build%s for %s (%s), newest %s (%s).'
                % (
                    len(builds),
                    '' if len(builds) == 1 else 's',
                    plan_.platform,
                    ', '.join(plan_.stages),
                    newest.get('sensor_version'),
                    newest.get('build'),
                )
            )
        else:
            parts.append('No build for %s (%s).' % (plan_.platform, ', '.join(plan_.stages)))
    if plan_.kernel_fql is not None:
        if not kernels:
            parts.append('No kernel record for %s: not known to be supported.' % plan_.kernel_label)
        else:
            shown = [versions[key] for key in sorted(versions, reverse=True)]
            text = 'Kernel %s (%d record%s): supported by %s' % (
                plan_.kernel_label,
                len(kernels),
                '' if len(kernels) == 1 else 's',
                ('sensor %s' % shortlist(shown)) if shown else 'no sensor version',
            )
            if plan_.platform is not None:
                text += '; %d of %d builds' % (sum(1 for b in builds if b.get('supports_kernel')), len(builds))
            parts.append(text + '.')
    return ' '.join(parts)
