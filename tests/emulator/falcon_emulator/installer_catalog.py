"""The sensor installer catalog: deterministic records with the real variety, their FQL fields and the CCID.

Record fields and values follow FalconPy's endpoint table and the vendor collection (crowdstrike.falcon 4.13.0)
`sensor_download_info` RETURN docs: description, file_size, file_type, name, os, os_version, platform, release_date,
sha256, version, architectures. Installers are the same for every CID (they are product files); each tenant keeps
its own catalog only so that injected installers and reset_state() stay per CID.

The variety is what makes the vendor's bug reproducible: it picks an installer with
`os:'<os>'+os_version:'*<major>*'+architectures:'<arch>'`, and on Amazon Linux `*2*` matches "2", "2 - arm64" AND
"2023". So the catalog has all of them, plus RHEL 7..10, Ubuntu, Debian, SLES (with s390x), Windows and macOS, four
versions per OS (N, N-1, N-2, N-3) and one version carrying the " LTS" suffix.
"""

import functools
import hashlib

from .fql import Field, parse_time
from .installer_files import InstallerFile, deb_bytes, rpm_bytes

# (minor, build, release date) per platform, oldest first. The newest builds match the hosts' agent_version values
# (devices.AGENT_VERSIONS). Release dates ascend with the version.
VERSIONS = {
    'linux': (
        ('7.15', 18514, '2024-06-11T17:02:11.000Z'),
        ('7.16', 18613, '2024-07-23T16:45:09.000Z'),
        ('7.17', 18707, '2024-09-03T18:12:40.000Z'),
        ('7.18', 18803, '2024-10-15T17:30:27.000Z'),
    ),
    'windows': (
        ('7.15', 18510, '2024-06-10T19:20:03.000Z'),
        ('7.16', 18605, '2024-07-22T18:05:51.000Z'),
        ('7.17', 18721, '2024-09-02T20:41:17.000Z'),
        ('7.18', 18812, '2024-10-14T19:55:36.000Z'),
    ),
    'mac': (
        ('7.15', 18520, '2024-06-12T15:11:48.000Z'),
        ('7.16', 18618, '2024-07-24T15:33:02.000Z'),
        ('7.17', 18711, '2024-09-04T16:08:29.000Z'),
        ('7.18', 18806, '2024-10-16T16:27:54.000Z'),
    ),
}
# The build shown with an " LTS" suffix on every one of its records (some real builds carry it).
LTS_BUILDS = frozenset([18613])
# Linux rows: (os, os_version, architecture, name pattern). {v}: 7.18.0-18803 style; .deb names use _amd64/_arm64.
LINUX = (
    ('Amazon Linux', '2', 'x86_64', 'falcon-sensor-{v}.amzn2.x86_64.rpm'),
    ('Amazon Linux', '2 - arm64', 'arm64', 'falcon-sensor-{v}.amzn2.aarch64.rpm'),
    ('Amazon Linux', '2023', 'x86_64', 'falcon-sensor-{v}.amzn2023.x86_64.rpm'),
    ('Amazon Linux', '2023 - arm64', 'arm64', 'falcon-sensor-{v}.amzn2023.aarch64.rpm'),
    ('RHEL/CentOS/Oracle', '7', 'x86_64', 'falcon-sensor-{v}.el7.x86_64.rpm'),
    ('RHEL/CentOS/Oracle', '8', 'x86_64', 'falcon-sensor-{v}.el8.x86_64.rpm'),
    ('RHEL/CentOS/Oracle', '8 - arm64', 'arm64', 'falcon-sensor-{v}.el8.aarch64.rpm'),
    ('RHEL/CentOS/Oracle', '9', 'x86_64', 'falcon-sensor-{v}.el9.x86_64.rpm'),
    ('RHEL/CentOS/Oracle', '9 - arm64', 'arm64', 'falcon-sensor-{v}.el9.aarch64.rpm'),
    ('RHEL/CentOS/Oracle', '10', 'x86_64', 'falcon-sensor-{v}.el10.x86_64.rpm'),
    ('Ubuntu', '16/18/20/22/24', 'x86_64', 'falcon-sensor_{v}_amd64.deb'),
    ('Ubuntu', '16/18/20/22/24 - arm64', 'arm64', 'falcon-sensor_{v}_arm64.deb'),
    ('Debian', '9/10/11/12', 'x86_64', 'falcon-sensor_{v}_amd64.deb'),
    ('SLES', '12', 'x86_64', 'falcon-sensor-{v}.suse12.x86_64.rpm'),
    ('SLES', '15', 'x86_64', 'falcon-sensor-{v}.suse15.x86_64.rpm'),
    ('SLES', '15 - s390x', 's390x', 'falcon-sensor-{v}.suse15.s390x.rpm'),
)
# Windows and macOS: os_version is "" (vendor docs). The macOS package is universal.
OTHERS = (
    ('windows', 'Windows', 'FalconSensor_Windows.exe', ('x86_64',)),
    ('mac', 'macOS', 'FalconSensorMacOS.MaverickGyr.pkg', ('x86_64', 'arm64')),
)
PSEUDO_SIZE = 4096  # the smallest pseudo-file; each record adds a few KB so sizes vary (kept small: KBs)


def version_key(version):
    """Numeric sort key of '7.18.18803' or '7.18.18803 LTS' (so 7.9 sorts before 7.10)."""
    head = str(version).split(' ', 1)[0]
    return tuple(int(p) if p.isdigit() else 0 for p in head.split('.'))


class Installer:
    """One installer: its API record (a dict) and its bytes (InstallerFile)."""

    __slots__ = ('record', 'file', 'released')

    def __init__(self, record, file):
        self.record = record
        self.file = file
        self.released = parse_time(record['release_date'], 0)

    @property
    def sha256(self):
        """The id used to read and download it."""
        return self.record['sha256']


def _record(description, file_type, name, os_name, os_version, platform, release_date, version, architectures, file):
    """An installer record (sha256 and file_size from the bytes)."""
    record = {
        'description': description,
        'file_size': file.size,
        'file_type': file_type,
        'name': name,
        'os': os_name,
        'os_version': os_version,
        'platform': platform,
        'release_date': release_date,
        'sha256': file.sha256,
        'version': version,
        'architectures': list(architectures),
    }
    return Installer(record, file)


def _pseudo_size(key):
    """A deterministic size of a few KB."""
    return PSEUDO_SIZE + int(hashlib.sha256(key.encode('utf-8')).hexdigest()[:4], 16) % 8192


@functools.lru_cache(maxsize=1)
def seeded_installers():
    """Every seeded installer, newest version first: the same for every CID and seed, so built once (a tuple of
    Installers, never changed)."""
    out = []
    for minor, build, released in VERSIONS['linux']:
        version = '%s.%d%s' % (minor, build, ' LTS' if build in LTS_BUILDS else '')
        dotted = '%s.0-%d' % (minor, build)
        for os_name, os_version, arch, pattern in LINUX:
            name = pattern.format(v=dotted)
            description = 'Falcon Sensor for %s %s' % (os_name, os_version)
            if name.endswith('.deb'):
                file = InstallerFile(name, data=deb_bytes('%s.0' % minor, build, arch, description))
                file_type = 'deb'
            else:
                dist = name.rsplit('.', 3)[1]  # falcon-sensor-7.18.0-18803.<dist>.<arch>.rpm
                file = InstallerFile(name, data=rpm_bytes('%s.0' % minor, build, dist, arch, description))
                file_type = 'rpm'
            out.append(
                _record(description, file_type, name, os_name, os_version, 'linux', released, version, [arch], file)
            )
    for platform, os_name, name, archs in OTHERS:
        for minor, build, released in VERSIONS[platform]:
            version = '%s.%d%s' % (minor, build, ' LTS' if build in LTS_BUILDS else '')
            key = '%s|%s' % (name, version)
            file = InstallerFile(name, size=_pseudo_size(key), key=key)
            description = 'Falcon Sensor for %s' % os_name
            out.append(
                _record(
                    description, name.rsplit('.', 1)[1], name, os_name, '', platform, released, version, archs, file
                )
            )
    # The endpoints' default order: version descending, ties by name then id (installers._select).
    out.sort(key=lambda i: (i.record['name'], i.sha256))
    out.sort(key=lambda i: (version_key(i.record['version']), i.released), reverse=True)
    return tuple(out)


INSTALLER_FIELDS = {
    key: Field('str', lambda i, k=key: i.record[k])
    for key in ('description', 'file_type', 'name', 'os', 'os_version', 'platform', 'sha256', 'version')
}
INSTALLER_FIELDS.update(
    {
        'file_size': Field('num', lambda i: i.record['file_size']),
        'release_date': Field('time', lambda i: i.released),
        'architectures': Field('list', lambda i: i.record['architectures']),
    }
)
INSTALLER_SORTABLE = frozenset(['version', 'release_date', 'name', 'os', 'os_version', 'platform', 'file_size'])


def sort_key(field):
    """Sort key of installers on field: version numerically, release_date as a time, the rest ignoring case."""
    if field == 'version':
        return lambda i: (version_key(i.record['version']), i.released)
    if field == 'release_date':
        return lambda i: (i.released, version_key(i.record['version']))
    if field == 'file_size':
        return lambda i: i.record['file_size']
    return lambda i: str(i.record[field]).lower()


def ccid(cid):
    """The CID as the console and GetSensorInstallersCCIDByQuery show it: upper-case hex, '-' and a 2-hex checksum.

    How the real checksum is computed is UNVERIFIED; here it is the first byte of sha256(cid), so it is stable.
    """
    return '%s-%02X' % (cid.upper(), hashlib.sha256(cid.lower().encode('ascii')).digest()[0])


class InstallerCatalog:
    """The installers of one tenant: the seeded catalog plus injected ones (callers hold tenant.lock)."""

    def __init__(self):
        self.installers = list(seeded_installers())
        self.by_id = {i.sha256: i for i in self.installers}

    def add(self, size, **fields):
        """Register one more installer of `size` bytes (pseudo-file, generated when downloaded); return it."""
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError('size must be an integer number of bytes >= 1, got %r' % (size,))
        allowed = ('name', 'os', 'os_version', 'platform', 'version', 'architectures', 'release_date', 'description')
        unknown = sorted(set(fields) - set(allowed))
        if unknown:
            raise ValueError(
                'unknown installer field(s) %s; allowed: size, %s' % (', '.join(unknown), ', '.join(allowed))
            )
        values = {
            'name': 'falcon-sensor-7.18.0-18803.el9.x86_64.rpm',
            'os': 'RHEL/CentOS/Oracle',
            'os_version': '9',
            'platform': 'linux',
            'version': '7.18.18803',
            'architectures': ['x86_64'],
            'release_date': '2024-10-15T17:30:27.000Z',
        }
        values.update(fields)
        if parse_time(values['release_date'], 0) is None:
            raise ValueError('release_date must be ISO 8601, got %r' % (values['release_date'],))
        key = 'injected:%d:%d:%s' % (len(self.installers), size, values['name'])
        file = InstallerFile(values['name'], size=size, key=key)
        installer = _record(
            values.get('description') or 'Falcon Sensor for %s %s' % (values['os'], values['os_version']),
            values['name'].rsplit('.', 1)[-1],
            values['name'],
            values['os'],
            values['os_version'],
            values['platform'],
            values['release_date'],
            values['version'],
            values['architectures'],
            file,
        )
        self.installers.append(installer)
        self.by_id[installer.sha256] = installer
        return installer


def installer_catalog(tenant):
    """The InstallerCatalog of a tenant, built on first use (tenant.lock must be held)."""
    catalog = tenant.__dict__.get('installer_catalog')
    if catalog is None:
        catalog = tenant.__dict__['installer_catalog'] = InstallerCatalog()
    return catalog
