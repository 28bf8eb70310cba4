"""Kernel compatibility: GET /policy/combined/sensor-update-kernels/v1 (scope sensor-update-policies:read).

Parameters from FalconPy 1.6.6 (queryCombinedSensorUpdateKernels): filter (FQL, e.g.
`vendor:'ubuntu'+release:'5.15.0-1019-aws'`), offset >= 0, limit 1-500. Records are the spec's
sensor_update.KernelRespV1. About thirty kernels across Ubuntu, RHEL, Amazon Linux, SLES and Debian on x86_64, aarch64
and s390x; the newest are supported only by newer sensors, so "which build supports this kernel" has real answers.

UNVERIFIED: the value formats of architecture, distro_version, flavor and version; that the *_supported_sensor_versions
lists hold sensor versions like "7.18.18803"; the default limit (100) and order; that FQL here matches like the
installer API's (fql.py 'exact': whole values, any case, wildcards anywhere); pagination.offset (the next offset).
"""

import hashlib
import time

from .envelope import ok
from .fql import Field, parse_time
from .installer_catalog import VERSIONS
from .params import check_filter, int_arg

SOURCE = 'sensor-update-policies'
SENSOR_VERSIONS = tuple('%s.%d' % (minor, build) for minor, build, _released in VERSIONS['linux'])  # oldest first
# (vendor, distro, distro_version, architecture, flavor, release, oldest supporting minor version)
KERNELS = (
    ('ubuntu', 'ubuntu20', '20.04', 'x86_64', 'generic', '5.4.0-150-generic', '7.15'),
    ('ubuntu', 'ubuntu20', '20.04', 'x86_64', 'aws', '5.15.0-1019-aws', '7.15'),
    ('ubuntu', 'ubuntu20', '20.04', 'x86_64', 'azure', '5.15.0-1045-azure', '7.15'),
    ('ubuntu', 'ubuntu20', '20.04', 'x86_64', 'gcp', '5.4.0-1103-gcp', '7.15'),
    ('ubuntu', 'ubuntu20', '20.04', 'aarch64', 'aws', '5.15.0-1019-aws', '7.16'),
    ('ubuntu', 'ubuntu22', '22.04', 'x86_64', 'generic', '5.15.0-91-generic', '7.15'),
    ('ubuntu', 'ubuntu22', '22.04', 'x86_64', 'aws', '6.2.0-1017-aws', '7.16'),
    ('ubuntu', 'ubuntu22', '22.04', 'x86_64', 'aws', '6.5.0-1015-aws', '7.18'),
    ('ubuntu', 'ubuntu22', '22.04', 'x86_64', 'azure', '6.8.0-1008-azure', '7.18'),
    ('ubuntu', 'ubuntu22', '22.04', 'aarch64', 'aws', '6.2.0-1017-aws', '7.17'),
    ('ubuntu', 'ubuntu24', '24.04', 'x86_64', 'generic', '6.8.0-31-generic', '7.17'),
    ('ubuntu', 'ubuntu24', '24.04', 'x86_64', 'aws', '6.8.0-1009-aws', '7.18'),
    ('ubuntu', 'ubuntu24', '24.04', 'aarch64', 'aws', '6.8.0-1009-aws', '7.18'),
    ('rhel', 'rhel7', '7.9', 'x86_64', '', '3.10.0-1160.108.1.el7.x86_64', '7.15'),
    ('rhel', 'rhel8', '8.8', 'x86_64', '', '4.18.0-477.10.1.el8_8.x86_64', '7.15'),
    ('rhel', 'rhel8', '8.9', 'x86_64', '', '4.18.0-513.5.1.el8_9.x86_64', '7.15'),
    ('rhel', 'rhel8', '8.9', 'aarch64', '', '4.18.0-513.5.1.el8_9.aarch64', '7.16'),
    ('rhel', 'rhel9', '9.3', 'x86_64', '', '5.14.0-362.8.1.el9_3.x86_64', '7.15'),
    ('rhel', 'rhel9', '9.4', 'x86_64', '', '5.14.0-427.13.1.el9_4.x86_64', '7.17'),
    ('rhel', 'rhel9', '9.3', 'aarch64', '', '5.14.0-362.8.1.el9_3.aarch64', '7.16'),
    ('amzn', 'amzn2', '2', 'x86_64', '', '4.14.336-257.562.amzn2.x86_64', '7.15'),
    ('amzn', 'amzn2', '2', 'x86_64', '', '5.10.205-195.807.amzn2.x86_64', '7.15'),
    ('amzn', 'amzn2', '2', 'aarch64', '', '5.10.205-195.807.amzn2.aarch64', '7.16'),
    ('amzn', 'amzn2023', '2023', 'x86_64', '', '6.1.66-91.160.amzn2023.x86_64', '7.16'),
    ('amzn', 'amzn2023', '2023', 'x86_64', '', '6.1.90-99.173.amzn2023.x86_64', '7.18'),
    ('amzn', 'amzn2023', '2023', 'aarch64', '', '6.1.66-91.160.amzn2023.aarch64', '7.17'),
    ('sles', 'sles12', '12.5', 'x86_64', 'default', '4.12.14-122.183-default', '7.15'),
    ('sles', 'sles15', '15.5', 'x86_64', 'default', '5.14.21-150500.55.39-default', '7.15'),
    ('sles', 'sles15', '15.5', 's390x', 'default', '5.14.21-150500.55.39-default', '7.16'),
    ('debian', 'debian11', '11', 'x86_64', 'amd64', '5.10.0-26-amd64', '7.15'),
    ('debian', 'debian12', '12', 'x86_64', 'amd64', '6.1.0-18-amd64', '7.16'),
    ('debian', 'debian12', '12', 'aarch64', 'arm64', '6.1.0-18-arm64', '7.17'),
)
EPOCH = 1717200000  # 2024-06-01: kernels were added from here on, one a day


def _iso(epoch):
    """ISO 8601 UTC with milliseconds."""
    return time.strftime('%Y-%m-%dT%H:%M:%S.000Z', time.gmtime(epoch))


def _record(index, row):
    """One kernel record."""
    vendor, distro, distro_version, architecture, flavor, release, oldest = row
    supported = [v for v in SENSOR_VERSIONS if v.rsplit('.', 1)[0] >= oldest]
    created = EPOCH + index * 86400
    return {
        'id': hashlib.sha256(('%s|%s|%s' % (distro, architecture, release)).encode('ascii')).hexdigest()[:32],
        'architecture': architecture,
        'base_package_supported_sensor_versions': supported,
        'created_timestamp': _iso(created),
        'distro': distro,
        'distro_version': distro_version,
        'flavor': flavor,
        'modified_timestamp': _iso(created + 3 * 86400),
        'release': release,
        'vendor': vendor,
        'version': '#%d SMP' % (1 + index),
        'ztl_module_supported_sensor_versions': supported[1:],
        'ztl_supported_sensor_versions': supported,
    }


RECORDS = tuple(
    sorted(
        (_record(i, row) for i, row in enumerate(KERNELS)),
        key=lambda k: (k['vendor'], k['distro'], k['architecture'], k['release']),
    )
)
KERNEL_FIELDS = {
    key: Field('str', lambda k, key=key: k[key])
    for key in ('id', 'architecture', 'distro', 'distro_version', 'flavor', 'release', 'vendor', 'version')
}
KERNEL_FIELDS.update(
    {
        key: Field('list', lambda k, key=key: k[key])
        for key in (
            'base_package_supported_sensor_versions',
            'ztl_supported_sensor_versions',
            'ztl_module_supported_sensor_versions',
        )
    }
)
KERNEL_FIELDS.update(
    {
        key: Field('time', lambda k, key=key: parse_time(k[key], 0))
        for key in ('created_timestamp', 'modified_timestamp')
    }
)


def query_kernels(app, request, tenant):
    """GET /policy/combined/sensor-update-kernels/v1?filter=&offset=&limit=: kernel records, offset paging."""
    del app, tenant
    limit = int_arg(request, 'limit', 100, 1, 500, SOURCE)
    offset = int_arg(request, 'offset', 0, 0, None, SOURCE)
    predicate = check_filter(request.arg('filter'), KERNEL_FIELDS, time.time(), SOURCE, mode='exact')
    found = [k for k in RECORDS if predicate(k)]
    page = found[offset : offset + limit]
    pagination = {'offset': offset + len(page), 'limit': limit, 'total': len(found)}
    return ok(request, [dict(k) for k in page], None, pagination=pagination)


ROUTES = {('GET', '/policy/combined/sensor-update-kernels/v1'): (query_kernels, 'sensor-update-policies:read')}
