"""The .rpm installers are real RPM packages: read with rpmfile (pure Python, independent of rpm_package.py).

rpm itself is not on CI machines: tests/emulator/check_rpms_with_rpm.py runs the same packages through rpm, rpm2cpio
and cpio by hand (see tests/emulator/README.md)."""

import hashlib
import io
import os
import re
import struct
import subprocess

import pytest
import rpmfile
from falcon_emulator import rpm_package
from falcon_emulator.installer_files import FALCONCTL_SCRIPT, InstallerFile, rpm_bytes

DOWNLOAD = '/sensors/entities/download-installer/%s'
RPM_ARCH = {'x86_64': 'x86_64', 'arm64': 'aarch64', 's390x': 's390x'}  # the record's architecture -> rpm arch
NAME = re.compile(r'^falcon-sensor-(\d+\.\d+\.\d+)-(\d+)\.([a-z0-9]+)\.(x86_64|aarch64|s390x)\.rpm$')
SCRIPTLET_TAGS = ('prein', 'postin', 'preun', 'postun', 'pretrans', 'posttrans', 'verifyscript', 'triggerscripts')


def _text(value):
    """An rpmfile header value (bytes) as str."""
    return value.decode('utf-8')


def _list(value):
    """An rpmfile array value as a list: rpmfile gives a scalar when the array has one element."""
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _rpm_records(falcon_emulator):
    """Every seeded .rpm record."""
    return [r for r in falcon_emulator.installers() if r['file_type'] == 'rpm']


def _check_package(data, record):
    """Read one downloaded .rpm with rpmfile and check what the role tests rely on; return the RPMFile's headers."""
    version, build, dist, arch = NAME.match(record['name']).groups()
    assert arch == RPM_ARCH[record['architectures'][0]], record['name']
    # The lead (96 bytes): magic, format 3.0, binary, OS Linux, header-style signature, the NVR.
    magic, major, minor, kind, _archnum, lead_name, osnum, sigtype, _reserved = struct.unpack(
        '>4sBBhh66shh16s', data[:96]
    )
    assert (magic, major, minor, kind, osnum, sigtype) == (b'\xed\xab\xee\xdb', 3, 0, 0, 1, 5)
    assert lead_name.rstrip(b'\0').decode() == 'falcon-sensor-%s-%s.%s' % (version, build, dist)
    with rpmfile.open(fileobj=io.BytesIO(data)) as package:
        headers = package.headers
        assert _text(headers['name']) == 'falcon-sensor'
        v_major, v_minor, record_build = record['version'].split(' ')[0].split('.')  # '7.18.18803' or '... LTS'
        assert _text(headers['version']) == version == '%s.%s.0' % (v_major, v_minor)
        assert _text(headers['release']) == '%s.%s' % (build, dist) and build == record_build
        assert _text(headers['arch']) == arch and _text(headers['os']) == 'linux'
        assert _text(headers['sourcerpm']) == 'falcon-sensor-%s-%s.%s.src.rpm' % (version, build, dist)  # binary
        assert _text(headers['summary']) and _text(headers['copyright']) == 'Proprietary'  # 1014: License
        assert _text(headers['description']).startswith(record['description'] + '\n')
        # Files: the directory /opt/CrowdStrike and falconctl, 0755, root:root, with a SHA-256 digest.
        dirnames = [_text(d) for d in _list(headers['dirnames'])]
        paths = [
            dirnames[index] + _text(base)
            for index, base in zip(_list(headers['dirindexes']), _list(headers['basenames']), strict=True)
        ]
        assert paths == ['/opt/CrowdStrike', '/opt/CrowdStrike/falconctl']
        assert _list(headers['filemodes']) == [0o040755, 0o100755]
        assert _list(headers['filesizes']) == [0, len(FALCONCTL_SCRIPT)]
        assert [_text(u) for u in _list(headers['fileusername'])] == ['root', 'root']
        assert [_text(g) for g in _list(headers['filegroupname'])] == ['root', 'root']
        assert headers['filedigestalgo'] == 8  # SHA-256
        digests = [_text(d) for d in _list(headers['filemd5s'])]
        assert digests == ['', hashlib.sha256(FALCONCTL_SCRIPT).hexdigest()]
        # No scriptlets; only rpmlib() requirements (rpm itself provides them: installs into an empty root).
        assert not [tag for tag in SCRIPTLET_TAGS if tag in headers]
        assert all(_text(n).startswith('rpmlib(') for n in _list(headers['requirename']))
        assert [_text(p) for p in _list(headers['provides'])][0] == 'falcon-sensor'
        assert _text(headers['archive_format']) == 'cpio' and _text(headers['archive_compression']) == 'gzip'
        # Digests as rpm -K checks them: header SHA-256 / SHA-1, payload SHA-256, MD5 of header + payload.
        start, end = package.header_range
        header, payload = data[start:end], data[end:]
        assert _text(headers['sha256']) == hashlib.sha256(header).hexdigest()
        assert _text(headers['md5']) == hashlib.sha1(header).hexdigest()  # rpmfile's name of tag 269 (SHA1)
        assert headers['sigmd5'] == hashlib.md5(header + payload).digest()
        assert _text(_list(headers['payloaddigest'])[0]) == hashlib.sha256(payload).hexdigest()
        # The payload: a cpio archive whose falconctl is the script, executable.
        members = {m.name: m for m in package.getmembers()}
        assert list(members) == ['./opt/CrowdStrike/falconctl']
        assert members['./opt/CrowdStrike/falconctl'].mode == 0o755
        assert package.extractfile('./opt/CrowdStrike/falconctl').read() == FALCONCTL_SCRIPT
        package.data_file.seek(0)
        assert headers['payloadsize'] == len(package.data_file.read())  # the signature's uncompressed size
    return headers


def test_rpm_records_are_real_rpm_packages(falcon_emulator, api):
    """Every .rpm record downloads as a falcon-sensor RPM of its version, build, dist tag and arch (x86_64, aarch64,
    s390x), holding /opt/CrowdStrike and falconctl (0755, root) whose bytes are the recording script."""
    records = _rpm_records(falcon_emulator)
    assert {r['os'] for r in records} == {'RHEL/CentOS/Oracle', 'Amazon Linux', 'SLES'}
    assert {r['architectures'][0] for r in records} == {'x86_64', 'arm64', 's390x'}
    assert len(records) == 13 * 4
    for record in records:
        data = api.get(DOWNLOAD % 'v2', params={'id': record['sha256']}).content
        assert hashlib.sha256(data).hexdigest() == record['sha256'] and len(data) == record['file_size']
        _check_package(data, record)


def test_falconctl_from_the_rpm_records_its_arguments(falcon_emulator, api, tmp_path):
    """The script taken out of the package (by rpmfile) runs and appends its arguments to $FALCONCTL_LOG."""
    record = next(r for r in _rpm_records(falcon_emulator) if r['name'].endswith('.el9.x86_64.rpm'))
    data = api.get(DOWNLOAD % 'v1', params={'id': record['sha256']}).content
    with rpmfile.open(fileobj=io.BytesIO(data)) as package:
        script = tmp_path / 'falconctl'
        script.write_bytes(package.extractfile('./opt/CrowdStrike/falconctl').read())
    script.chmod(0o755)
    log = tmp_path / 'calls.log'
    for args in (['-s', '--cid=X'], ['-g', '--aid']):
        subprocess.run([str(script), *args], check=True, env=dict(os.environ, FALCONCTL_LOG=str(log)))
    assert log.read_text() == '-s --cid=X\n-g --aid\n'


def test_rpm_bytes_are_deterministic_and_injected_rpms_stay_pseudo_files(falcon_emulator, api):
    """The same arguments give the same bytes; an injected installer named .rpm (add_installer) is a pseudo-file of
    the requested size, streamed as before; so is an InstallerFile given only a size."""
    first = rpm_bytes('7.18.0', 18803, 'el9', 'x86_64', 'Falcon Sensor for RHEL/CentOS/Oracle 9')
    assert first == rpm_bytes('7.18.0', 18803, 'el9', 'x86_64', 'Falcon Sensor for RHEL/CentOS/Oracle 9')
    assert first != rpm_bytes('7.18.0', 18803, 'el9', 'arm64', 'Falcon Sensor for RHEL/CentOS/Oracle 9')
    record = falcon_emulator.add_installer(100 * 1024)  # default name: falcon-sensor-7.18.0-18803.el9.x86_64.rpm
    assert record['name'].endswith('.rpm') and record['file_type'] == 'rpm' and record['file_size'] == 100 * 1024
    body = api.get(DOWNLOAD % 'v3', params={'id': record['sha256']}).content
    assert body.startswith(b'CrowdStrike Falcon sensor installer') and len(body) == 100 * 1024
    assert hashlib.sha256(body).hexdigest() == record['sha256']
    assert InstallerFile('falcon-sensor-7.18.0-18803.el9.x86_64.rpm', size=4096).size == 4096


def test_the_builder_refuses_bad_input():
    """Unknown arch, relative or duplicate paths are refused with a message."""
    files = [('/opt/x', 0o755, b'x')]
    with pytest.raises(ValueError, match='arch'):
        rpm_package.rpm_bytes('p', '1', '1', 'i386', files, 's', 'd')
    with pytest.raises(ValueError, match='absolute'):
        rpm_package.rpm_bytes('p', '1', '1', 'x86_64', [('opt/x', 0o755, b'x')], 's', 'd')
    with pytest.raises(ValueError, match='distinct'):
        rpm_package.rpm_bytes('p', '1', '1', 'x86_64', files + files, 's', 'd')
