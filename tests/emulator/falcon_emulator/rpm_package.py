"""A deterministic binary RPM package built in pure Python (no rpmbuild): what the emulator's .rpm installers are.

The layout is the one rpm >= 4.6 writes (and rpm 4.11 on RHEL 7 up to 4.19 and 6.x read):

- lead: 96 bytes, format 3.0, type binary, the arch number of rpmrc's arch_canon, OS 1 (Linux), the NVR, signature
  type 5 (a header-style signature follows);
- signature header, padded to 8 bytes: SHA1 and SHA256 (hex) of the main header, SIZE and MD5 of main header +
  payload, PAYLOADSIZE (the uncompressed cpio size). No OpenPGP signature (`rpm -K` says "digests OK");
- main header: its immutable region (tag 63), then the tags rpmbuild writes for such a package (sorted by tag, data
  in the same order, each type aligned): name, version, release, summary, description, build time and host, size,
  license, group, OS, arch, the file arrays (sizes, modes, rdevs, mtimes, SHA-256 digests, link targets, flags,
  owner, group, verify flags, devices, inodes, langs, colors, classes), the source rpm (whose presence makes it a
  binary package), provides `<name> = V-R` and `<name>(<isa>) = V-R`, requires only rpmlib() features (satisfied by
  rpm itself, so it installs into an empty root without --nodeps), compressed file names (dirnames, basenames,
  dirindexes), payload format, compressor and flags, platform, the file digest algorithm (SHA-256), encoding and the
  payload digests (SHA-256 of the compressed and of the uncompressed payload);
- payload: a gzip'd (mtime 0) cpio "newc" archive of the files as `./path`, sorted, inodes 1..n as in the header.

No scriptlets and no triggers. Deterministic: the same arguments give the same bytes (mtimes and build time are
arguments, 0 by default; owners root:root).
"""

import gzip
import hashlib
import io
import struct

# Record architecture (the API's `architectures` value) -> RPM arch, and the RPM arch -> rpmrc's arch_canon number
# (written in the lead, which rpm no longer reads) and the ISA name of the arch-specific provide (rpm's %{_isa}).
RPM_ARCH = {'x86_64': 'x86_64', 'arm64': 'aarch64', 's390x': 's390x'}
LEAD_ARCHNUM = {'x86_64': 1, 'aarch64': 19, 's390x': 15}
ISA = {'x86_64': 'x86-64', 'aarch64': 'aarch-64', 's390x': 's390-64'}

# Header data types (rpmtag.h).
INT16, INT32, STRING, BIN, STRING_ARRAY, I18NSTRING = 3, 4, 6, 7, 8, 9
_ALIGN = {INT16: 2, INT32: 4}

HEADER_MAGIC = b'\x8e\xad\xe8\x01\x00\x00\x00\x00'
LEAD_MAGIC = b'\xed\xab\xee\xdb'
SIGTAG_HEADERSIGNATURES = 62
TAG_HEADERIMMUTABLE = 63

RPMSENSE_LESS, RPMSENSE_EQUAL, RPMSENSE_RPMLIB = 0x02, 0x08, 0x01000000
PGPHASHALGO_SHA256 = 8
# What rpmbuild requires of every package with compressed file names, SHA-256 file digests and ./ payload names.
RPMLIB_REQUIRES = (
    ('rpmlib(CompressedFileNames)', '3.0.4-1'),
    ('rpmlib(FileDigests)', '4.6.0-1'),
    ('rpmlib(PayloadFilesHavePrefix)', '4.0-1'),
)


def _encode(kind, value):
    """(count, bytes) of one header entry's data."""
    if kind == INT16:
        return len(value), struct.pack('>%dH' % len(value), *value)
    if kind == INT32:
        return len(value), struct.pack('>%dI' % len(value), *[v & 0xFFFFFFFF for v in value])
    if kind == STRING:
        return 1, value.encode('utf-8') + b'\0'
    if kind == BIN:
        return len(value), bytes(value)
    if kind in (STRING_ARRAY, I18NSTRING):
        return len(value), b''.join(v.encode('utf-8') + b'\0' for v in value)
    raise ValueError('unsupported header type %r' % (kind,))


def header_bytes(entries, region_tag):
    """A header structure: (tag, type, value) entries, with an immutable region of region_tag around them all."""
    index, store = [], bytearray()
    for tag, kind, value in sorted(entries, key=lambda e: e[0]):
        count, data = _encode(kind, value)
        align = _ALIGN.get(kind, 1)
        store += b'\0' * (-len(store) % align)
        index.append(struct.pack('>iIiI', tag, kind, len(store), count))
        store += data
    # The region: its entry comes first and points at a trailer (at the end of the data) that holds the region
    # tag again with the negated size of the region's index (every entry, the region's own included).
    trailer = struct.pack('>iIiI', region_tag, BIN, -16 * (len(index) + 1), 16)
    index.insert(0, struct.pack('>iIiI', region_tag, BIN, len(store), 16))
    store += trailer
    return HEADER_MAGIC + struct.pack('>II', len(index), len(store)) + b''.join(index) + bytes(store)


def _cpio_entry(name, mode, data, ino, mtime):
    """One cpio "newc" member (070701): header, NUL-terminated name and data, each padded to 4 bytes."""
    name_bytes = name.encode('utf-8') + b'\0'
    fields = (ino, mode, 0, 0, 1, mtime, len(data), 0, 0, 0, 0, len(name_bytes), 0)
    out = b'070701' + b''.join(b'%08x' % f for f in fields) + name_bytes
    out += b'\0' * (-len(out) % 4) + data
    return out + b'\0' * (-len(out) % 4)


def cpio_newc(files, mtime=0):
    """The uncompressed payload: (path, mode, data) as ./path with inodes 1..n, then the TRAILER!!! member."""
    out = b''.join(
        _cpio_entry('.' + path, mode, data, ino, mtime) for ino, (path, mode, data) in enumerate(files, start=1)
    )
    return out + _cpio_entry('TRAILER!!!', 0, b'', 0, 0)


def _lead(nvr, arch):
    """The 96-byte lead (format 3.0, binary, Linux, header-style signature)."""
    return struct.pack('>4sBBHH66sHH16s', LEAD_MAGIC, 3, 0, 0, LEAD_ARCHNUM.get(arch, 0), nvr.encode()[:65], 1, 5, b'')


def rpm_bytes(
    name,
    version,
    release,
    arch,
    files,
    summary,
    description,
    license='Proprietary',
    group='Unspecified',
    vendor=None,
    url=None,
    buildhost='localhost',
    buildtime=0,
    platform=None,
):
    """A binary RPM of name-version-release.arch holding files: (absolute path, mode, bytes or None for a directory)
    owned by root:root with mtime buildtime. Parent directories not listed are not owned (rpm creates them)."""
    if arch not in LEAD_ARCHNUM:
        raise ValueError('unsupported rpm arch %r; allowed: %s' % (arch, ', '.join(sorted(LEAD_ARCHNUM))))
    files = sorted(((path.rstrip('/'), mode, data) for path, mode, data in files), key=lambda f: f[0])
    paths = [entry[0] for entry in files]
    if not paths or len(set(paths)) != len(paths) or any(not path.startswith('/') for path in paths):
        raise ValueError('files must be a non-empty list of distinct absolute paths')
    full = [
        (path, mode | (0o040000 if data is None else 0o100000), b'' if data is None else data)
        for path, mode, data in files
    ]
    payload_raw = cpio_newc(full, buildtime)
    packed = io.BytesIO()
    with gzip.GzipFile(fileobj=packed, mode='wb', compresslevel=9, mtime=0, filename='') as handle:
        handle.write(payload_raw)
    payload = packed.getvalue()

    dirnames, dirindexes, basenames = [], [], []
    for path, _mode, _data in full:
        head, base = path.rsplit('/', 1)
        head += '/'
        if head not in dirnames:
            dirnames.append(head)
        dirindexes.append(dirnames.index(head))
        basenames.append(base)
    count = len(full)
    evr = '%s-%s' % (version, release)
    nvr = '%s-%s' % (name, evr)
    entries = [
        (100, STRING_ARRAY, ['C']),  # HEADERI18NTABLE
        (1000, STRING, name),
        (1001, STRING, version),
        (1002, STRING, release),
        (1004, I18NSTRING, [summary]),
        (1005, I18NSTRING, [description]),
        (1006, INT32, [buildtime]),
        (1007, STRING, buildhost),
        (1009, INT32, [sum(len(entry[2]) for entry in full)]),  # SIZE
        (1014, STRING, license),
        (1016, I18NSTRING, [group]),
        (1021, STRING, 'linux'),
        (1022, STRING, arch),
        (1028, INT32, [len(entry[2]) for entry in full]),  # FILESIZES
        (1030, INT16, [entry[1] for entry in full]),  # FILEMODES
        (1033, INT16, [0] * count),  # FILERDEVS
        (1034, INT32, [buildtime] * count),  # FILEMTIMES
        (
            1035,
            STRING_ARRAY,
            ['' if mode & 0o040000 else hashlib.sha256(data).hexdigest() for _path, mode, data in full],
        ),  # FILEDIGESTS
        (1036, STRING_ARRAY, [''] * count),  # FILELINKTOS
        (1037, INT32, [0] * count),  # FILEFLAGS
        (1039, STRING_ARRAY, ['root'] * count),  # FILEUSERNAME
        (1040, STRING_ARRAY, ['root'] * count),  # FILEGROUPNAME
        (1044, STRING, '%s.src.rpm' % nvr),  # SOURCERPM: a binary package
        (1045, INT32, [-1] * count),  # FILEVERIFYFLAGS: verify everything
        (1047, STRING_ARRAY, [name, '%s(%s)' % (name, ISA[arch])]),  # PROVIDENAME
        (1048, INT32, [RPMSENSE_RPMLIB | RPMSENSE_LESS | RPMSENSE_EQUAL] * len(RPMLIB_REQUIRES)),
        (1049, STRING_ARRAY, [entry[0] for entry in RPMLIB_REQUIRES]),
        (1050, STRING_ARRAY, [entry[1] for entry in RPMLIB_REQUIRES]),
        (1064, STRING, '4.18.0'),  # RPMVERSION: the rpm whose output this follows
        (1095, INT32, [1] * count),  # FILEDEVICES
        (1096, INT32, list(range(1, count + 1))),  # FILEINODES (distinct: no hard links)
        (1097, STRING_ARRAY, [''] * count),  # FILELANGS
        (1112, INT32, [RPMSENSE_EQUAL, RPMSENSE_EQUAL]),  # PROVIDEFLAGS
        (1113, STRING_ARRAY, [evr, evr]),  # PROVIDEVERSION
        (1116, INT32, dirindexes),
        (1117, STRING_ARRAY, basenames),
        (1118, STRING_ARRAY, dirnames),
        (1124, STRING, 'cpio'),  # PAYLOADFORMAT
        (1125, STRING, 'gzip'),  # PAYLOADCOMPRESSOR
        (1126, STRING, '9'),  # PAYLOADFLAGS
        (1132, STRING, platform or '%s-redhat-linux-gnu' % arch),
        (1140, INT32, [0] * count),  # FILECOLORS
        (1141, INT32, [0 if entry[1] & 0o040000 else 1 for entry in full]),  # FILECLASS
        (1142, STRING_ARRAY, ['directory', 'file']),  # CLASSDICT
        (5011, INT32, [PGPHASHALGO_SHA256]),  # FILEDIGESTALGO
        (5062, STRING, 'utf-8'),  # ENCODING
        (5092, STRING_ARRAY, [hashlib.sha256(payload).hexdigest()]),  # PAYLOADDIGEST (compressed)
        (5093, INT32, [PGPHASHALGO_SHA256]),  # PAYLOADDIGESTALGO
        (5097, STRING_ARRAY, [hashlib.sha256(payload_raw).hexdigest()]),  # PAYLOADDIGESTALT (uncompressed)
    ]
    if vendor:
        entries.append((1011, STRING, vendor))
    if url:
        entries.append((1020, STRING, url))
    header = header_bytes(entries, TAG_HEADERIMMUTABLE)
    signature = header_bytes(
        [
            (269, STRING, hashlib.sha1(header, usedforsecurity=False).hexdigest()),  # SHA1 of the header
            (273, STRING, hashlib.sha256(header).hexdigest()),  # SHA256 of the header
            (1000, INT32, [len(header) + len(payload)]),  # SIZE
            (1004, BIN, hashlib.md5(header + payload, usedforsecurity=False).digest()),  # MD5 of header + payload
            (1007, INT32, [len(payload_raw)]),  # PAYLOADSIZE (uncompressed)
        ],
        SIGTAG_HEADERSIGNATURES,
    )
    signature += b'\0' * (-len(signature) % 8)
    return _lead(nvr, arch) + signature + header + payload
