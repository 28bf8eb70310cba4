"""Sensor update builds (per platform and stage, consistent with the installers) and kernel compatibility (FQL,
paging, limits), plus their scope."""

import pytest
from falcon_emulator.clients import DEVICES_ONLY_CLIENT, NOSCOPE_CLIENT, READONLY_CLIENT
from falcon_emulator.installer_catalog import version_key

BUILDS = '/policy/combined/sensor-update-builds/v1'
KERNELS = '/policy/combined/sensor-update-kernels/v1'
INSTALLER_PLATFORM = {'windows': 'windows', 'mac': 'mac', 'linux': 'linux', 'linuxarm64': 'linux', 'zlinux': 'linux'}


def _builds(api, **params):
    """GET builds; assert 200; return resources."""
    reply = api.get(BUILDS, params=params)
    assert reply.status_code == 200, reply.text
    return reply.json()['resources']


@pytest.mark.parametrize('platform', ['windows', 'mac', 'linux', 'linuxarm64', 'zlinux'])
def test_builds_per_platform_follow_the_installers(falcon_emulator, api, platform):
    """n, n-1 and n-2 tagged builds and an Auto build, newest first, whose versions are installer versions."""
    records = _builds(api, platform=platform, stage='prod')
    assert records and {r['platform'] for r in records} == {platform} and {r['stage'] for r in records} == {'prod'}
    tagged = {r['build'].split('|')[1]: r for r in records if '|tagged|' in r['build']}
    assert sorted(tagged) == ['n', 'n-1', 'n-2']
    assert version_key(tagged['n']['sensor_version']) > version_key(tagged['n-1']['sensor_version'])
    assert version_key(tagged['n-1']['sensor_version']) > version_key(tagged['n-2']['sensor_version'])
    for record in tagged.values():
        assert record['build'].split('|')[0] == record['sensor_version'].rsplit('.', 1)[1]
    assert any(r['build'].endswith('|Auto') for r in records)
    installers = {
        r['version'].split(' ')[0]
        for r in falcon_emulator.installers()
        if r['platform'] == INSTALLER_PLATFORM[platform]
    }
    assert {r['sensor_version'] for r in records} <= installers
    assert tagged['n']['sensor_version'] == max(installers, key=version_key)


def test_builds_stage_filter_and_validation(api):
    """stage is multi (prod, early_adopter); no platform gives every platform; bad values are 400."""
    early = _builds(api, platform='linux', stage='early_adopter')
    assert early and {r['stage'] for r in early} == {'early_adopter'}
    both = _builds(api, platform='linux', stage=['prod', 'early_adopter'])
    assert len(both) == len(early) + len(_builds(api, platform='linux', stage='prod'))
    assert {r['platform'] for r in _builds(api)} == {'windows', 'mac', 'linux', 'linuxarm64', 'zlinux'}
    for params in ({'platform': 'Linux'}, {'platform': 'solaris'}, {'stage': 'beta'}):
        reply = api.get(BUILDS, params=params)
        assert reply.status_code == 400 and reply.json()['errors'][0]['code'] == 400, params


def _kernels(api, **params):
    """GET kernels; assert 200; return the body."""
    reply = api.get(KERNELS, params=params)
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_kernels_seed_and_filters(api):
    """A few dozen kernels over distros and architectures; the vendor's filter finds one per architecture; newer
    kernels are supported only by newer sensors."""
    everything = _kernels(api, limit=500)
    kernels = everything['resources']
    assert 24 <= len(kernels) == everything['meta']['pagination']['total'] <= 60
    assert {k['vendor'] for k in kernels} >= {'ubuntu', 'rhel', 'amzn', 'sles', 'debian'}
    assert {k['architecture'] for k in kernels} == {'x86_64', 'aarch64', 's390x'}
    assert len({k['id'] for k in kernels}) == len(kernels)
    for kernel in kernels:
        assert set(kernel) == {
            'id',
            'architecture',
            'base_package_supported_sensor_versions',
            'created_timestamp',
            'distro',
            'distro_version',
            'flavor',
            'modified_timestamp',
            'release',
            'vendor',
            'version',
            'ztl_module_supported_sensor_versions',
            'ztl_supported_sensor_versions',
        }
        assert kernel['base_package_supported_sensor_versions']
    counts = {len(k['base_package_supported_sensor_versions']) for k in kernels}
    assert max(counts) == 4 and min(counts) == 1  # some kernels only the newest sensor supports
    found = _kernels(api, filter="vendor:'ubuntu'+release:'5.15.0-1019-aws'")['resources']
    assert {(k['distro'], k['architecture']) for k in found} == {('ubuntu20', 'x86_64'), ('ubuntu20', 'aarch64')}
    x86 = _kernels(api, filter="vendor:'ubuntu'+release:'5.15.0-1019-aws'+architecture:'x86_64'")['resources']
    assert len(x86) == 1
    newest_only = _kernels(api, filter="base_package_supported_sensor_versions:!'7.17.18707'")['resources']
    assert newest_only and all(k['base_package_supported_sensor_versions'] == ['7.18.18803'] for k in newest_only)
    wild = _kernels(api, filter="release:'*amzn2023*'")['resources']
    assert wild and {k['distro'] for k in wild} == {'amzn2023'}
    bad = api.get(KERNELS, params={'filter': "kernel:'x'"})
    assert bad.status_code == 400 and 'unknown property' in bad.json()['errors'][0]['message']


def test_kernels_paging_and_limits(api):
    """offset/limit pages cover every kernel once; pagination.offset is the next offset; limit is 1..500."""
    total = _kernels(api)['meta']['pagination']['total']
    seen, offset = [], 0
    while offset < total:
        body = _kernels(api, offset=offset, limit=7)
        assert body['meta']['pagination']['limit'] == 7
        seen += [k['id'] for k in body['resources']]
        offset = body['meta']['pagination']['offset']
    assert len(seen) == len(set(seen)) == total
    assert _kernels(api, offset=total)['resources'] == []
    for params in ({'limit': 0}, {'limit': 501}, {'offset': -1}):
        assert api.get(KERNELS, params=params).status_code == 400, params
    assert _kernels(api, limit=500)['meta']['pagination']['limit'] == 500


def test_builds_and_kernels_need_the_read_scope(falcon_emulator, api_for):
    """sensor-update-policies:read suffices (the read-only client); without it both answer 403."""
    reader = api_for(falcon_emulator, READONLY_CLIENT)
    assert reader.get(BUILDS).status_code == 200 and reader.get(KERNELS).status_code == 200
    for client in (NOSCOPE_CLIENT, DEVICES_ONLY_CLIENT):
        api = api_for(falcon_emulator, client)
        for path in (BUILDS, KERNELS):
            reply = api.get(path)
            assert reply.status_code == 403
            assert reply.json()['errors'][0]['message'] == 'access denied, scope not permitted'
