"""The bytes of emulated sensor installers: real minimal .deb and .rpm packages, or deterministic pseudo-file bytes.

Every installer's record carries sha256(bytes) as its id and len(bytes) as file_size, so a client that verifies a
download against the id (API behaviour notes: "verify the downloaded bytes against it") works unchanged.

- .deb (Ubuntu, Debian): a real Debian binary package built in pure Python, small enough to keep in memory: an ar
  archive of `debian-binary` ("2.0\\n"), `control.tar.gz` (./control) and `data.tar.gz` (./opt/CrowdStrike/falconctl,
  a shell script that records its arguments). Deterministic: mtimes 0, uid/gid 0 (root), gzip mtime 0, sorted entries.
  `dpkg-deb --info` and `--contents` read it.
- .rpm (RHEL/CentOS/Oracle, Amazon Linux, SLES): a real binary RPM built in pure Python by rpm_package.py (rpm_bytes
  below): falcon-sensor, Version 7.18.0, Release 18803.el9 (build and the name's dist tag, so the NVRA is the file
  name), Arch x86_64 / aarch64 / s390x (RPM_ARCH), holding the directory /opt/CrowdStrike and the same falconctl
  (0755, root:root); no scriptlets, requires only rpmlib() features, so `rpm -i --root EMPTY_DIR` installs it.
  Deterministic like the .deb (mtimes and build time 0, gzip mtime 0).
- .exe, .pkg, and every injected installer (Emulator.add_installer, whatever its name): NOT real packages: a header
  line naming the file, then SHAKE-256 filler up to the size. They are generated chunk by chunk, so a big one is
  streamed and hashed without ever being held in memory.
"""

import gzip
import hashlib
import io
import tarfile

from . import rpm_package
from .streaming import CHUNK_SIZE

DEB_ARCH = {'x86_64': 'amd64', 'arm64': 'arm64'}
RPM_ARCH = rpm_package.RPM_ARCH  # record architecture -> rpm arch: x86_64, arm64 -> aarch64, s390x
PACKAGE_SUMMARY = 'CrowdStrike Falcon sensor (falcon_emulator test package)'
PACKAGE_NOTE = 'Test package of the falcon_emulator: installs an emulated falconctl only.'
# Arguments of every falconctl call are appended to this file (the role tests read it); FALCONCTL_LOG overrides it.
FALCONCTL_SCRIPT = b"""#!/bin/sh
# falconctl of the falcon_emulator test package: records its arguments, one call per line, and succeeds.
echo "$*" >> "${FALCONCTL_LOG:-/opt/CrowdStrike/falconctl.calls}"
exit 0
"""


def _tar_gz(entries):
    """A deterministic .tar.gz of (path, mode, bytes or None for a directory), in the order given."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode='w', format=tarfile.GNU_FORMAT) as tar:
        for path, mode, data in entries:
            info = tarfile.TarInfo(path)
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = 'root'
            info.mode = mode
            if data is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    packed = io.BytesIO()
    with gzip.GzipFile(fileobj=packed, mode='wb', mtime=0, filename='') as handle:
        handle.write(raw.getvalue())
    return packed.getvalue()


def _ar_member(name, data):
    """One member of a System V / GNU ar archive (the container format of .deb)."""
    header = '%-16s%-12d%-6d%-6d%-8s%-10d`\n' % (name, 0, 0, 0, '100644', len(data))
    return header.encode('ascii') + data + (b'\n' if len(data) % 2 else b'')


def deb_bytes(version, build, arch, description):
    """A minimal valid .deb of falcon-sensor <version>-<build> for arch (x86_64 or arm64)."""
    control = (
        'Package: falcon-sensor\n'
        'Version: %s-%s\n'
        'Architecture: %s\n'
        'Maintainer: CrowdStrike Falcon emulator <falcon-emulator@example.com>\n'
        'Installed-Size: 1\n'
        'Section: misc\n'
        'Priority: optional\n'
        'Description: %s\n'
        ' %s\n'
    ) % (version, build, DEB_ARCH[arch], description, PACKAGE_NOTE)
    control_tar = _tar_gz([('./', 0o755, None), ('./control', 0o644, control.encode('utf-8'))])
    data_tar = _tar_gz(
        [
            ('./', 0o755, None),
            ('./opt/', 0o755, None),
            ('./opt/CrowdStrike/', 0o755, None),
            ('./opt/CrowdStrike/falconctl', 0o755, FALCONCTL_SCRIPT),
        ]
    )
    return (
        b'!<arch>\n'
        + _ar_member('debian-binary', b'2.0\n')
        + _ar_member('control.tar.gz', control_tar)
        + _ar_member('data.tar.gz', data_tar)
    )


def rpm_bytes(version, build, dist, arch, description):
    """A minimal valid .rpm of falcon-sensor <version>-<build>.<dist> for arch (a record architecture: x86_64, arm64
    or s390x), holding /opt/CrowdStrike and /opt/CrowdStrike/falconctl (FALCONCTL_SCRIPT, 0755, root:root)."""
    rpm_arch = RPM_ARCH[arch]
    vendor_os = 'suse-linux' if dist.startswith('suse') else 'redhat-linux-gnu'
    return rpm_package.rpm_bytes(
        'falcon-sensor',
        version,
        '%s.%s' % (build, dist),
        rpm_arch,
        [('/opt/CrowdStrike', 0o755, None), ('/opt/CrowdStrike/falconctl', 0o755, FALCONCTL_SCRIPT)],
        summary=PACKAGE_SUMMARY,
        description='%s\n%s' % (description, PACKAGE_NOTE),
        license='Proprietary',
        vendor='CrowdStrike Falcon emulator',
        buildhost='falcon-emulator.example.com',
        platform='%s-%s' % (rpm_arch, vendor_os),
    )


class InstallerFile:
    """The bytes of one installer: size, sha256 and chunks(); in memory (small: .deb, seeded .rpm) or generated on
    demand (pseudo-files)."""

    def __init__(self, name, size=None, data=None, key=None):
        self.name = name
        self._data = data
        self.size = len(data) if data is not None else size
        self._key = (key or name).encode('utf-8')
        self.sha256 = self._digest()

    def _generated(self):
        """Pseudo-file chunks: a header line naming the file, then SHAKE-256 filler (deterministic per key)."""
        header = b'CrowdStrike Falcon sensor installer (falcon_emulator pseudo-file): ' + self.name.encode('utf-8')
        header = (header + b'\n')[: self.size]
        yield header
        left, index = self.size - len(header), 0
        while left > 0:
            size = min(CHUNK_SIZE, left)
            yield hashlib.shake_256(self._key + b':%d' % index).digest(size)
            left -= size
            index += 1

    def chunks(self):
        """The file's bytes in chunks of at most CHUNK_SIZE."""
        if self._data is not None:
            for start in range(0, len(self._data), CHUNK_SIZE):
                yield self._data[start : start + CHUNK_SIZE]
            return
        yield from self._generated()

    def _digest(self):
        """sha256 of the bytes, computed by streaming them once."""
        digest = hashlib.sha256()
        for chunk in self.chunks():
            digest.update(chunk)
        return digest.hexdigest()
