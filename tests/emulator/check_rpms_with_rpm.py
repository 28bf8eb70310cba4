"""Check the emulator's .rpm installers with rpm itself: a manual cross-check, not part of the test suite.

CI machines have no rpm, so the suite reads the packages with rpmfile (tests/emulator/tests/test_sensor_installer_rpm.py).
Where rpm, rpm2cpio and cpio are installed (Debian: apt-get install rpm cpio), this runs every 7.18 .rpm record
through rpm -K (digests OK), -qip, -qlvp, rpm2cpio | cpio -t and, as root, rpm -i into an empty root and rpm -V.

Usage: PYTHONPATH=tests/emulator python tests/emulator/check_rpms_with_rpm.py
"""

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import requests
from falcon_emulator import Emulator, EmulatorConfig
from falcon_emulator.clients import DEFAULT_CLIENT
from falcon_emulator.installer_files import FALCONCTL_SCRIPT

DOWNLOAD = '/sensors/entities/download-installer/v1'
RPM_ARCH = {'x86_64': 'x86_64', 'arm64': 'aarch64', 's390x': 's390x'}


def _run(*args, **kwargs):
    """Run a command; return its stdout (text)."""
    return subprocess.run(list(args), capture_output=True, text=True, check=True, **kwargs).stdout


def check(path, record, tmp_path):
    """Every check of one downloaded package; AssertionError or CalledProcessError on the first that fails."""
    assert _run('rpm', '-K', '--nosignature', str(path)).strip().endswith('digests OK')
    info = _run('rpm', '-qip', str(path))
    arch = RPM_ARCH[record['architectures'][0]]
    for line in ('Name *: falcon-sensor', 'Version *: 7.18.0', r'Release *: 18803\.', 'Architecture: ' + arch):
        assert re.search('^' + line, info, re.M), (line, info)
    assert _run('rpm', '-qp', '--qf', '%{NVRA}.rpm', str(path)) == record['name']
    listing = _run('rpm', '-qlvp', str(path))
    assert re.search(r'^drwxr-xr-x .* root +root .* /opt/CrowdStrike$', listing, re.M), listing
    assert re.search(r'^-rwxr-xr-x .* root +root .* /opt/CrowdStrike/falconctl$', listing, re.M), listing
    cpio = subprocess.run(
        'rpm2cpio "%s" | cpio -t --quiet' % path, shell=True, capture_output=True, text=True, check=True
    )
    assert cpio.stdout.split() == ['./opt/CrowdStrike', './opt/CrowdStrike/falconctl']
    if os.geteuid() == 0:
        root = tmp_path / ('root-' + record['sha256'][:8])
        root.mkdir()
        _run('rpm', '-i', '--root', str(root), '--ignorearch', str(path))
        installed = root / 'opt' / 'CrowdStrike' / 'falconctl'
        assert installed.read_bytes() == FALCONCTL_SCRIPT and installed.stat().st_mode & 0o7777 == 0o755
        assert _run('rpm', '--root', str(root), '-q', 'falcon-sensor') == record['name'][: -len('.rpm')] + '\n'
        _run('rpm', '--root', str(root), '-V', 'falcon-sensor')  # installed files match the header


def main():
    emulator = Emulator(EmulatorConfig(bind='127.0.0.1', token_rate_limit=None)).start()
    try:
        session = requests.Session()
        token = session.post(
            emulator.url + '/oauth2/token',
            data={'client_id': DEFAULT_CLIENT.client_id, 'client_secret': DEFAULT_CLIENT.client_secret},
        ).json()['access_token']
        session.headers['Authorization'] = 'Bearer ' + token
        records = [r for r in emulator.installers() if r['file_type'] == 'rpm' and r['version'].startswith('7.18')]
        with tempfile.TemporaryDirectory() as tmp:
            for record in records:
                path = Path(tmp) / record['name']
                path.write_bytes(session.get(emulator.url + DOWNLOAD, params={'id': record['sha256']}).content)
                check(path, record, Path(tmp))
                print('ok', record['name'])
    finally:
        emulator.stop()
    print('%d packages checked with rpm' % len(records))
    return 0


if __name__ == '__main__':
    sys.exit(main())
