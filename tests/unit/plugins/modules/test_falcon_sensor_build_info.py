"""Unit tests of falcon_sensor_build_info (HTTP faked at the Session): params sent, kernel paging, the support rule."""

import pytest

from ansible_collections.secops.falcon.plugins.module_utils import _sensor_builds as sensor_builds
from ansible_collections.secops.falcon.plugins.modules import falcon_sensor_build_info

BUILDS = '/policy/combined/sensor-update-builds/v1'
KERNELS = '/policy/combined/sensor-update-kernels/v1'


def build(number, version, stage='prod', platform='linux', tag=None):
    """A build record as the API spells it."""
    return {
        'build': '%d|%s' % (number, tag) if tag else str(number),
        'platform': platform,
        'sensor_version': version,
        'stage': stage,
    }


def kernel(release, architecture='x86_64', base=(), ztl=(), ztl_module=(), distro='ubuntu20', index=0):
    """A kernel record with these supporting versions."""
    return {
        'id': '%032x' % (hash((release, architecture, distro, index)) % (16**32)),
        'architecture': architecture,
        'base_package_supported_sensor_versions': list(base),
        'ztl_supported_sensor_versions': list(ztl),
        'ztl_module_supported_sensor_versions': list(ztl_module),
        'distro': distro,
        'distro_version': '20.04',
        'flavor': 'aws',
        'release': release,
        'vendor': 'ubuntu',
        'version': '#1 SMP',
    }


LINUX = [
    build(18803, '7.18.18803', tag='n|tagged|1'),
    build(18905, '7.19.18905', stage='early_adopter'),
    build(18613, '7.16.18613 (LTS)'),
    build(18707, '7.17.18707'),
    build(18803, '7.18.18803', tag='Auto'),
]


def test_builds_of_a_platform_newest_first_both_stages_by_default(fake, session, module_runner):
    session.add(BUILDS, fake.make_response(200, fake.api_body(LINUX)))
    result = module_runner(falcon_sensor_build_info, platform='linux', check_mode=True)[0]
    assert not result.get('failed'), result
    assert result['changed'] is False and result['kernels'] == [] and result['kernel_supported_by'] == []
    assert [b['sensor_version'] for b in result['builds']] == [
        '7.19.18905',
        '7.18.18803',
        '7.18.18803',
        '7.17.18707',
        '7.16.18613 (LTS)',
    ]
    assert all(b['supports_kernel'] is None for b in result['builds'])
    (call,) = session.calls_to(BUILDS)
    assert call.kwargs['params'] == {'platform': 'linux', 'stage': ['prod', 'early_adopter']}
    assert session.calls_to(KERNELS) == []
    assert result['msg'].startswith('5 builds for linux (prod, early_adopter), newest 7.19.18905')


def test_one_stage_is_sent_as_asked(fake, session, module_runner):
    session.add(BUILDS, fake.make_response(200, fake.api_body([LINUX[1]])))
    result = module_runner(falcon_sensor_build_info, platform='zlinux', stage=['early_adopter'])[0]
    assert not result.get('failed'), result
    assert session.calls_to(BUILDS)[0].kwargs['params'] == {'platform': 'zlinux', 'stage': ['early_adopter']}


def test_kernel_release_support_per_build(fake, session, module_runner):
    session.add(BUILDS, fake.make_response(200, fake.api_body(LINUX)))
    # Supported by 7.17 through the base package, by 7.18 only through ZTL, by 7.16 only through the ZTL module;
    # the aarch64 record of the same release is not the linux (x86_64) builds' and must not count.
    records = [
        kernel('5.15.0-1019-aws', base=['7.17.18707'], ztl=['7.18.18803'], ztl_module=['7.16.18613']),
        kernel('5.15.0-1019-aws', 'aarch64', base=['7.15.18514']),
    ]
    session.add(KERNELS, fake.paged(records))
    result = module_runner(falcon_sensor_build_info, platform='linux', kernel_release='5.15.0-1019-aws')[0]
    assert not result.get('failed'), result
    assert result['kernels'] == [records[0]]
    assert result['kernel_supported_by'] == ['7.18.18803', '7.17.18707', '7.16.18613']
    support = [(b['sensor_version'], b['supports_kernel']) for b in result['builds']]
    assert support == [
        ('7.19.18905', False),  # not listed by the record: not known to support it
        ('7.18.18803', True),
        ('7.18.18803', True),
        ('7.17.18707', True),
        ('7.16.18613 (LTS)', True),  # the LTS suffix is no other version
    ]
    (call,) = session.calls_to(KERNELS)
    assert call.kwargs['params'] == {'filter': "release:'5.15.0-1019-aws'", 'offset': 0, 'limit': 500}
    assert '4 of 5 builds' in result['msg']


def test_kernel_records_are_read_past_500(fake, session, module_runner):
    first = [kernel('6.1.0-18-amd64', base=['7.18.18803'], distro='debian12', index=i) for i in range(500)]
    rest = [
        kernel('6.1.0-18-amd64', base=['7.18.18803', '7.17.18707'], distro='debian12', index=500 + i) for i in range(3)
    ]
    session.add(KERNELS, fake.paged(first, total=503), fake.paged(rest, total=503, offset=503))
    result = module_runner(
        falcon_sensor_build_info,
        kernel_release='6.1.0-18-amd64',
        kernel_vendor='debian',
        distro='debian12',
        architecture='amd64',
    )[0]
    assert not result.get('failed'), result
    assert len(result['kernels']) == 503 and result['builds'] == []
    # Only what every record lists: 7.17 is on three of them.
    assert result['kernel_supported_by'] == ['7.18.18803']
    calls = session.calls_to(KERNELS)
    assert [c.kwargs['params']['offset'] for c in calls] == [0, 500]
    assert calls[0].kwargs['params']['filter'] == "release:'6.1.0-18-amd64'+vendor:'debian'+distro:'debian12'"
    assert session.calls_to(BUILDS) == []


def test_unsupported_and_unknown_kernels(fake, session, module_runner):
    session.add(BUILDS, fake.make_response(200, fake.api_body(LINUX)))
    session.add(KERNELS, fake.paged([kernel('6.8.0-1009-aws', 'aarch64', base=['7.18.18803'])]))
    newer = module_runner(falcon_sensor_build_info, platform='linuxarm64', kernel_release='6.8.0-1009-aws')[0]
    assert not newer.get('failed'), newer
    assert [b['supports_kernel'] for b in newer['builds']] == [False, True, True, False, False]
    session.routes[KERNELS] = [fake.paged([])]
    unknown = module_runner(falcon_sensor_build_info, platform='linux', kernel_release='9.9.9-none')[0]
    assert not unknown.get('failed'), unknown
    assert unknown['kernels'] == [] and unknown['kernel_supported_by'] == []
    assert all(b['supports_kernel'] is False for b in unknown['builds'])
    assert 'No kernel record for 9.9.9-none (x86_64): not known to be supported.' in unknown['msg']


def test_a_build_without_a_readable_version_is_unknown():
    assert sensor_builds.supports({'sensor_version': 'soon'}, {(7, 18, 18803): '7.18.18803'}, True) is None
    assert sensor_builds.supports({'sensor_version': '7.18.0-18803'}, {(7, 18, 18803): '7.18.18803'}, True) is True
    assert sensor_builds.newest_first([{'sensor_version': None}, LINUX[3]]) == [LINUX[3], {'sensor_version': None}]


def test_raw_kernel_filter_is_sent_as_given(fake, session, module_runner):
    records = [kernel('5.4.0-150-generic', base=['7.15.18514', '7.16.18613'])]
    session.add(KERNELS, fake.paged(records))
    fql = "vendor:'ubuntu'+release:*'5.4.*'"
    result = module_runner(falcon_sensor_build_info, kernel_filter=fql)[0]
    assert not result.get('failed'), result
    assert result['kernels'] == records and result['kernel_supported_by'] == ['7.16.18613', '7.15.18514']
    assert session.calls_to(KERNELS)[0].kwargs['params']['filter'] == fql


def test_a_rejected_kernel_filter_is_named(fake, session, module_runner):
    body = fake.api_body(errors=[{'code': 400, 'message': "unknown property 'kernel'"}])
    session.add(KERNELS, fake.make_response(400, body))
    result = module_runner(falcon_sensor_build_info, kernel_filter="kernel:'x'")[0]
    assert result['failed'] and "The API rejected the FQL filter \"kernel:'x'\"" in result['msg']


@pytest.mark.parametrize(
    'args,words',
    [
        ({'platform': 'solaris'}, 'solaris'),
        ({'platform': 'linux', 'stage': ['beta']}, 'beta'),
        ({'platform': 'linux', 'stage': []}, 'use one or more of prod, early_adopter'),
        ({}, 'Give a platform (one of windows, mac, linux, linuxarm64, zlinux)'),
        ({'platform': 'linux', 'kernel_release': '  '}, 'kernel_release is empty'),
        ({'kernel_release': '5.4.0-150-generic', 'architecture': 'sparc'}, "Invalid architecture 'sparc'"),
        ({'platform': 'linux', 'architecture': 'x86_64'}, 'architecture selects kernel records'),
        ({'platform': 'windows', 'kernel_release': '5.4.0-150-generic'}, 'not platform windows'),
        (
            {'platform': 'linux', 'kernel_release': '5.4.0-150-generic', 'architecture': 'aarch64'},
            'architecture arm64 does not run the linux builds (they are x86_64): use platform linuxarm64',
        ),
        ({'kernel_filter': "release:'x'", 'distro': 'ubuntu20'}, 'distro narrows kernel_release'),
        ({'kernel_release': 'x', 'kernel_filter': "release:'x'"}, 'mutually exclusive'),
    ],
)
def test_bad_input_fails_before_any_call(session, module_runner, args, words):
    result = module_runner(falcon_sensor_build_info, **args)[0]
    assert result['failed'] and words in result['msg'], result['msg']
    assert session.calls == []


@pytest.mark.parametrize(
    'path,args', [(BUILDS, {'platform': 'mac'}), (KERNELS, {'kernel_release': '5.4.0-150-generic'})]
)
def test_403_names_the_scope(fake, session, module_runner, path, args):
    body = fake.api_body(errors=[{'code': 403, 'message': 'access denied, scope not permitted'}])
    session.add(path, fake.make_response(403, body))
    result = module_runner(falcon_sensor_build_info, **args)[0]
    assert result['failed'] and 'sensor-update-policies:read (Sensor update policies: Read)' in result['msg']
