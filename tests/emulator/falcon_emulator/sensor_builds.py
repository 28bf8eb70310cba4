"""Sensor update builds: GET /policy/combined/sensor-update-builds/v1 (scope sensor-update-policies:read).

Parameters from FalconPy 1.6.6 (`_endpoint/_sensor_update_policies.py`, queryCombinedSensorUpdateBuilds): platform
(windows, mac, linux, linuxarm64, zlinux) and stage (multi: prod, early_adopter). Records are the spec's
sensor_update.BuildRespV1 {build, platform, sensor_version, stage}, derived from the installer catalog's versions so
builds and installers agree: per platform the N, N-1 and N-2 tagged builds ("18803|n|tagged|1",
"18707|n-1|tagged|2", ...), an "Auto" build ("18803|Auto"), every version's bare build number, and one
early_adopter build newer than N. UNVERIFIED: the tag's trailing number, what "Auto" points at (here: N), the
platform spelling in records (here: the query values), and that no stage means every stage.
"""

from .envelope import ApiError, ok
from .installer_catalog import VERSIONS

SOURCE = 'sensor-update-policies'
PLATFORMS = ('windows', 'mac', 'linux', 'linuxarm64', 'zlinux')
STAGES = ('prod', 'early_adopter')
# Which installer platform's versions each build platform follows (arm64 and s390x Linux ship with Linux).
VERSION_SOURCE = {'windows': 'windows', 'mac': 'mac', 'linux': 'linux', 'linuxarm64': 'linux', 'zlinux': 'linux'}
EARLY_ADOPTER_STEP = 102  # the early_adopter build is N's build number plus this, on minor version 7.19


def _builds(platform):
    """Every build record of one platform, newest first."""
    versions = sorted(VERSIONS[VERSION_SOURCE[platform]], key=lambda v: v[1], reverse=True)
    newest_build = versions[0][1]
    out = [
        {
            'build': str(newest_build + EARLY_ADOPTER_STEP),
            'platform': platform,
            'sensor_version': '7.19.%d' % (newest_build + EARLY_ADOPTER_STEP),
            'stage': 'early_adopter',
        }
    ]
    for offset, (minor, build, _released) in enumerate(versions[:3]):
        tag = 'n' if offset == 0 else 'n-%d' % offset
        out.append(
            {
                'build': '%d|%s|tagged|%d' % (build, tag, 1 + offset),
                'platform': platform,
                'sensor_version': '%s.%d' % (minor, build),
                'stage': 'prod',
            }
        )
    minor, build, _released = versions[0]
    out.append(
        {'build': '%d|Auto' % build, 'platform': platform, 'sensor_version': '%s.%d' % (minor, build), 'stage': 'prod'}
    )
    out += [
        {'build': str(build), 'platform': platform, 'sensor_version': '%s.%d' % (minor, build), 'stage': 'prod'}
        for minor, build, _released in versions
    ]
    return out


BUILDS = {platform: _builds(platform) for platform in PLATFORMS}


def query_builds(app, request, tenant):
    """GET /policy/combined/sensor-update-builds/v1?platform=&stage=: build records (no pagination)."""
    del app, tenant
    platform = request.arg('platform')
    if platform is not None and platform not in PLATFORMS:
        raise ApiError(
            400, "Invalid value for platform: '%s'; allowed: %s" % (platform, ', '.join(PLATFORMS)), powered_by=SOURCE
        )
    stages = request.args('stage') or list(STAGES)
    bad = [s for s in stages if s not in STAGES]
    if bad:
        raise ApiError(
            400, "Invalid value for stage: '%s'; allowed: %s" % (bad[0], ', '.join(STAGES)), powered_by=SOURCE
        )
    platforms = [platform] if platform else list(PLATFORMS)
    found = [dict(b) for p in platforms for b in BUILDS[p] if b['stage'] in stages]
    return ok(request, found, None)


ROUTES = {('GET', '/policy/combined/sensor-update-builds/v1'): (query_builds, 'sensor-update-policies:read')}
