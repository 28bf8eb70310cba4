"""Sensor installers: seeded variety, FQL (the `*2*` wildcard pitfall), sort and paging, queries / combined / entities
on v1-v3, downloads whose sha256 is the id, a real .deb (the real .rpm: test_sensor_installer_rpm.py), streaming a big
installer, the CCID and scope refusals."""

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import time

import pytest
import requests
from falcon_emulator.clients import DEFAULT_CLIENT, DEVICES_ONLY_CLIENT, NOSCOPE_CLIENT, READONLY_CLIENT
from falcon_emulator.installer_catalog import ccid, version_key
from falcon_emulator.installer_files import InstallerFile
from falcon_emulator.streaming import CHUNK_SIZE

VERSIONS = ('v1', 'v2', 'v3')
COMBINED = '/sensors/combined/installers/%s'
QUERY = '/sensors/queries/installers/%s'
ENTITIES = '/sensors/entities/installers/%s'
DOWNLOAD = '/sensors/entities/download-installer/%s'
CCID = '/sensors/queries/installers/ccid/v1'
EMULATOR_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OSES = ('RHEL/CentOS/Oracle', 'Ubuntu', 'Amazon Linux', 'SLES', 'Debian', 'Windows', 'macOS')


def _combined(api, version='v1', **params):
    """GET combined; assert 200; return the body."""
    reply = api.get(COMBINED % version, params=params)
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_seeded_installers_have_the_real_variety(falcon_emulator):
    """Amazon Linux 2 / 2 - arm64 / 2023, RHEL 7-10, Ubuntu, Debian, SLES with s390x, Windows and macOS with '',
    an LTS version, and N-1 and N-2 for every OS and os_version."""
    records = falcon_emulator.installers()
    assert {r['os'] for r in records} == set(OSES)
    amazon = {(r['os_version'], tuple(r['architectures'])) for r in records if r['os'] == 'Amazon Linux'}
    assert {
        ('2', ('x86_64',)),
        ('2 - arm64', ('arm64',)),
        ('2023', ('x86_64',)),
        ('2023 - arm64', ('arm64',)),
    } <= amazon
    rhel = {r['os_version'] for r in records if r['os'] == 'RHEL/CentOS/Oracle'}
    assert {'7', '8', '9', '10', '8 - arm64', '9 - arm64'} <= rhel
    assert any(r['os'] == 'SLES' and r['architectures'] == ['s390x'] for r in records)
    assert {r['os_version'] for r in records if r['os'] in ('Windows', 'macOS')} == {''}
    assert any(r['version'].endswith(' LTS') for r in records)
    assert {r['platform'] for r in records} == {'linux', 'windows', 'mac'}
    assert {r['file_type'] for r in records} == {'rpm', 'deb', 'exe', 'pkg'}
    per_os = {}
    for record in records:
        per_os.setdefault((record['os'], record['os_version']), []).append(record)
    for key, items in per_os.items():
        assert len({r['version'] for r in items}) >= 4, key  # N, N-1, N-2 (and N-3)
        by_version = sorted(items, key=lambda r: version_key(r['version']))
        dates = [r['release_date'] for r in by_version]
        assert dates == sorted(dates), key  # release dates ascend with the version
    assert any(r['name'] == 'falcon-sensor-7.18.0-18803.el9.x86_64.rpm' for r in records)
    assert any(r['name'] == 'falcon-sensor_7.18.0-18803_amd64.deb' for r in records)
    assert any(r['name'].endswith('.amzn2023.x86_64.rpm') for r in records)
    ids = [r['sha256'] for r in records]
    assert len(set(ids)) == len(ids) and all(re.match(r'^[0-9a-f]{64}$', i) for i in ids)
    for record in records:
        assert set(record) == {
            'description',
            'file_size',
            'file_type',
            'name',
            'os',
            'os_version',
            'platform',
            'release_date',
            'sha256',
            'version',
            'architectures',
        }
        assert record['description'].startswith('Falcon Sensor for ')
        assert 512 <= record['file_size'] < 64 * 1024  # small by default: KBs (a .deb is under 1 KB)


def test_wildcard_os_version_matches_2023_too(api):
    """The vendor's pitfall: os_version:'*2*' on Amazon Linux matches '2', '2 - arm64' AND '2023' (and its arm64)."""
    body = _combined(api, filter="os:'Amazon Linux'+os_version:'*2*'")
    assert {r['os_version'] for r in body['resources']} == {'2', '2 - arm64', '2023', '2023 - arm64'}
    exact = _combined(api, filter="os:'Amazon Linux'+os_version:'2'+architectures:'x86_64'", sort='version|desc')
    assert {r['os_version'] for r in exact['resources']} == {'2'} and len(exact['resources']) == 4
    assert all(r['name'].endswith('.amzn2.x86_64.rpm') for r in exact['resources'])
    arm = _combined(api, filter="os:'Amazon Linux'+os_version:'2 - arm64'")
    assert {r['architectures'][0] for r in arm['resources']} == {'arm64'}
    # The same wildcard on RHEL: '*9*' finds 9 and '9 - arm64' only; '*1*' finds 10 only.
    rhel = _combined(api, filter="os:'RHEL/CentOS/Oracle'+os_version:'*9*'")
    assert {r['os_version'] for r in rhel['resources']} == {'9', '9 - arm64'}
    rhel1 = _combined(api, filter="os:'RHEL/CentOS/Oracle'+os_version:'*1*'")
    assert {r['os_version'] for r in rhel1['resources']} == {'10'}


def test_filters_on_platform_version_and_lists(falcon_emulator, api):
    """platform, version ranges, LTS versions by wildcard, architectures as a list, unknown fields are 400."""
    records = falcon_emulator.installers()
    body = _combined(api, filter="platform:'windows'")
    assert {r['os'] for r in body['resources']} == {'Windows'} and body['meta']['pagination']['total'] == 4
    lts = _combined(api, filter="version:'* LTS'")
    assert lts['resources'] and all(r['version'].endswith(' LTS') for r in lts['resources'])
    assert len(lts['resources']) == sum(1 for r in records if r['version'].endswith(' LTS'))
    arm = _combined(api, filter="architectures:'arm64'")
    assert {r['os'] for r in arm['resources']} >= {'Amazon Linux', 'Ubuntu', 'macOS', 'RHEL/CentOS/Oracle'}
    newer = _combined(api, filter="platform:'linux'+version:>'7.17'")
    assert {r['version'].split('.')[1] for r in newer['resources']} == {'17', '18'}
    dated = _combined(api, filter="release_date:>='2024-10-01'")
    assert {r['version'].split('.')[1] for r in dated['resources']} == {'18'}
    bad = api.get(COMBINED % 'v1', params={'filter': "nope:'x'"})
    assert bad.status_code == 400
    assert bad.json()['errors'][0]['message'] == "Failed to parse filter expression. ['nope' is an unknown property]"
    assert bad.json()['meta']['powered_by'] == 'binserv'


def test_sort_offset_limit_and_the_500_cap(falcon_emulator, api):
    """version|desc puts the newest first (offset 0 = N); release_date|asc the oldest; pages cover every record
    once; limit 500 is allowed, 501 and 0 are not."""
    total = len(falcon_emulator.installers())
    newest = _combined(api, filter="os:'Ubuntu'+architectures:'x86_64'", sort='version|desc')['resources']
    assert [r['version'] for r in newest] == ['7.18.18803', '7.17.18707', '7.16.18613 LTS', '7.15.18514']
    one = _combined(api, filter="os:'Ubuntu'+architectures:'x86_64'", sort='version|desc', offset=2, limit=1)
    assert [r['version'] for r in one['resources']] == ['7.16.18613 LTS']  # N-2
    assert one['meta']['pagination'] == {'offset': 3, 'limit': 1, 'total': 4}
    oldest = _combined(api, sort='release_date|asc', limit=1)['resources'][0]
    assert oldest['release_date'] == min(r['release_date'] for r in falcon_emulator.installers())
    seen, offset = [], 0
    while True:
        reply = api.get(QUERY % 'v2', params={'sort': 'release_date|desc', 'limit': 7, 'offset': offset}).json()
        seen += reply['resources']
        offset = reply['meta']['pagination']['offset']
        if not reply['resources']:
            break
    assert len(seen) == len(set(seen)) == total
    assert _combined(api, limit=500)['meta']['pagination'] == {'offset': total, 'limit': 500, 'total': total}
    assert len(_combined(api)['resources']) == min(100, total)
    for limit in (501, 0):
        reply = api.get(COMBINED % 'v1', params={'limit': limit})
        assert reply.status_code == 400 and 'limit' in reply.json()['errors'][0]['message']
    assert api.get(COMBINED % 'v1', params={'sort': 'colour|desc'}).status_code == 400


@pytest.mark.parametrize('version', VERSIONS)
def test_queries_combined_and_entities_agree_on_every_version(falcon_emulator, api, version):
    """queries gives the sha256 ids of combined's records; entities gives the same records (207 with an unknown id,
    404 when none is known, 400 without ids)."""
    combined = _combined(api, version, filter="os:'SLES'", sort='version|desc')['resources']
    ids = api.get(QUERY % version, params={'filter': "os:'SLES'", 'sort': 'version|desc'}).json()['resources']
    assert ids == [r['sha256'] for r in combined] and len(ids) == 12
    assert all('architectures' in r for r in combined)  # the same records on v1, v2 and v3 (UNVERIFIED differences)
    reply = api.get(ENTITIES % version, params={'ids': ids[:3]})
    assert reply.status_code == 200 and reply.json()['resources'] == combined[:3]
    mixed = api.get(ENTITIES % version, params={'ids': ','.join([ids[0], 'f' * 64])})
    assert mixed.status_code == 207
    assert [r['sha256'] for r in mixed.json()['resources']] == [ids[0]]
    assert mixed.json()['errors'] == [{'code': 404, 'message': 'installer %s not found' % ('f' * 64), 'id': 'f' * 64}]
    assert api.get(ENTITIES % version, params={'ids': 'f' * 64}).status_code == 404
    assert api.get(ENTITIES % version).status_code == 400
    assert falcon_emulator.installers() == _combined(api, version, limit=500)['resources']


@pytest.mark.parametrize('version', VERSIONS)
def test_download_bytes_match_sha256_and_file_size(falcon_emulator, api, version):
    """Every installer's bytes hash to its id and have its file_size, the real packages (.deb, .rpm) included; the
    body is application/octet-stream."""
    seen = set()
    for record in falcon_emulator.installers():
        reply = api.get(DOWNLOAD % version, params={'id': record['sha256']})
        assert reply.status_code == 200
        assert reply.headers['Content-Type'] == 'application/octet-stream'
        assert int(reply.headers['Content-Length']) == record['file_size'] == len(reply.content)
        assert hashlib.sha256(reply.content).hexdigest() == record['sha256'], record['name']
        seen.add(record['file_type'])
        if record['file_type'] == 'deb':
            assert reply.content.startswith(b'!<arch>\ndebian-binary')
        elif record['file_type'] == 'rpm':
            assert reply.content.startswith(b'\xed\xab\xee\xdb\x03\x00')  # an RPM v3 lead
        else:
            assert reply.content.startswith(b'CrowdStrike Falcon sensor installer')
            assert record['name'].encode() in reply.content.split(b'\n', 1)[0]
    assert seen == {'deb', 'rpm', 'exe', 'pkg'}
    again = api.get(DOWNLOAD % version, params={'id': falcon_emulator.installers()[0]['sha256']})
    assert hashlib.sha256(again.content).hexdigest() == falcon_emulator.installers()[0]['sha256']  # deterministic
    missing = api.get(DOWNLOAD % version)
    assert missing.status_code == 400 and missing.headers['Content-Type'] == 'application/json'
    unknown = api.get(DOWNLOAD % version, params={'id': 'f' * 64})
    assert unknown.status_code == 404 and unknown.json()['errors'][0]['code'] == 404


def test_deb_is_a_valid_debian_package(falcon_emulator, api, tmp_path):
    """dpkg-deb reads the Ubuntu/Debian installers: control fields and an executable falconctl (dpkg-deb is required:
    no skip)."""
    debs = [r for r in falcon_emulator.installers() if r['file_type'] == 'deb']
    assert {r['os'] for r in debs} == {'Ubuntu', 'Debian'}
    assert len({r['sha256'] for r in debs}) == len(debs)
    for record in [d for d in debs if d['version'].startswith('7.18')]:
        path = tmp_path / record['sha256']
        path.write_bytes(api.get(DOWNLOAD % 'v1', params={'id': record['sha256']}).content)
        arch = 'arm64' if record['architectures'] == ['arm64'] else 'amd64'
        assert record['name'] == 'falcon-sensor_7.18.0-18803_%s.deb' % arch
        info = subprocess.run(['dpkg-deb', '--info', str(path)], capture_output=True, text=True, check=True).stdout
        assert 'Package: falcon-sensor' in info and 'Version: 7.18.0-18803' in info
        assert 'Architecture: %s' % arch in info and 'Maintainer: ' in info
        assert 'Description: %s' % record['description'] in info
        fields = subprocess.run(
            ['dpkg-deb', '--field', str(path), 'Package', 'Version', 'Architecture'],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert fields.split() == ['Package:', 'falcon-sensor', 'Version:', '7.18.0-18803', 'Architecture:', arch]
        contents = subprocess.run(
            ['dpkg-deb', '--contents', str(path)], capture_output=True, text=True, check=True
        ).stdout
        assert re.search(r'^-rwxr-xr-x root/root .* \./opt/CrowdStrike/falconctl$', contents, re.M), contents
        extracted = tmp_path / ('x-' + record['sha256'][:8])
        subprocess.run(['dpkg-deb', '--extract', str(path), str(extracted)], check=True)
        script = extracted / 'opt' / 'CrowdStrike' / 'falconctl'
        log = tmp_path / ('calls-%s.log' % record['sha256'][:8])
        subprocess.run([str(script), '-s', '--cid=X'], check=True, env=dict(os.environ, FALCONCTL_LOG=str(log)))
        assert log.read_text() == '-s --cid=X\n'
    # The ar members are deterministic: fixed mtimes and owners inside the tarballs.
    data = api.get(DOWNLOAD % 'v1', params={'id': debs[0]['sha256']}).content
    start = data.index(b'data.tar.gz')
    size = int(data[start + 48 : start + 58])
    with tarfile.open(fileobj=io.BytesIO(data[start + 60 : start + 60 + size]), mode='r:gz') as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == sorted(m.name for m in members)
    assert all(m.mtime == 0 and m.uid == 0 and m.gid == 0 for m in members)


def test_pseudo_file_generator_yields_bounded_chunks():
    """A big installer is generated chunk by chunk (never more than CHUNK_SIZE at once) and hashes the same twice."""
    size = 3 * CHUNK_SIZE + 123
    file = InstallerFile('big.rpm', size=size)
    chunks = file.chunks()
    first = next(chunks)
    assert len(first) < CHUNK_SIZE and first.startswith(b'CrowdStrike Falcon sensor installer')
    sizes = [len(first)] + [len(c) for c in chunks]
    assert sum(sizes) == size and max(sizes) <= CHUNK_SIZE and len(sizes) >= 4
    digest = hashlib.sha256()
    for chunk in InstallerFile('big.rpm', size=size).chunks():
        digest.update(chunk)
    assert digest.hexdigest() == file.sha256


def test_add_installer_and_its_validation(falcon_emulator, api):
    """add_installer registers a record that the endpoints list and serve; bad input names the problem."""
    record = falcon_emulator.add_installer(200 * 1024, os='Ubuntu', os_version='24', name='big.deb', version='7.19.1')
    assert record['file_size'] == 200 * 1024 and record['file_type'] == 'deb'
    assert record in falcon_emulator.installers()
    assert api.get(QUERY % 'v3', params={'filter': "name:'big.deb'"}).json()['resources'] == [record['sha256']]
    body = api.get(DOWNLOAD % 'v3', params={'id': record['sha256']}).content
    assert hashlib.sha256(body).hexdigest() == record['sha256']
    with pytest.raises(ValueError, match='size'):
        falcon_emulator.add_installer(0)
    with pytest.raises(ValueError, match='colour'):
        falcon_emulator.add_installer(10, colour='red')
    falcon_emulator.reset_state()
    assert record not in falcon_emulator.installers()


def _rss_peak_kb(pid):
    """VmHWM (the peak resident set) of a process, in kB."""
    with open('/proc/%d/status' % pid, encoding='ascii') as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith('VmHWM:'))


def test_a_200_mb_installer_streams_without_being_held_in_memory(tmp_path):
    """Registered through /_emulator/installers in a separate emulator process, a 200 MB installer is streamed in
    chunks: the server's peak RSS grows by far less than the file, and the bytes still hash to the id."""
    size = 200 * 1024 * 1024
    ready = tmp_path / 'ready.json'
    process = subprocess.Popen(
        [
            sys.executable,
            '-m',
            'falcon_emulator',
            '--hosts',
            '5',
            '--token-rate-limit',
            '0',
            '--ready-file',
            str(ready),
        ],
        env=dict(os.environ, PYTHONPATH=EMULATOR_DIR),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    session = requests.Session()
    session.trust_env = False
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert process.poll() is None and time.monotonic() < deadline, 'emulator did not start'
            time.sleep(0.05)
        base = json.loads(ready.read_text())['urls']['us-1']
        form = {'client_id': DEFAULT_CLIENT.client_id, 'client_secret': DEFAULT_CLIENT.client_secret}
        token = session.post(base + '/oauth2/token', data=form, timeout=30).json()['access_token']
        headers = {'Authorization': 'Bearer ' + token}
        session.get(base + COMBINED % 'v1', headers=headers, timeout=30)  # the seeded catalog is built
        before = _rss_peak_kb(process.pid)
        reply = session.post(base + '/_emulator/installers', json={'size': size, 'name': 'bench.rpm'}, timeout=120)
        assert reply.status_code == 200, reply.text
        record = reply.json()['installer']
        assert record['file_size'] == size
        digest, received, largest = hashlib.sha256(), 0, 0
        with session.get(
            base + DOWNLOAD % 'v2', params={'id': record['sha256']}, headers=headers, stream=True, timeout=120
        ) as download:
            assert download.status_code == 200 and int(download.headers['Content-Length']) == size
            for chunk in download.iter_content(chunk_size=1024 * 1024):
                digest.update(chunk)
                received += len(chunk)
                largest = max(largest, len(chunk))
        assert received == size and digest.hexdigest() == record['sha256']
        grown_kb = _rss_peak_kb(process.pid) - before
        assert grown_kb * 1024 < size // 10, 'the server held %d kB while streaming %d bytes' % (grown_kb, size)
    finally:
        session.close()
        process.terminate()
        process.wait(timeout=10)


def test_ccid_is_the_cid_upper_case_with_a_checksum(falcon_emulator, api_for):
    """resources[0] is the CID in upper case, '-' and two hex digits; the read-only client may read it."""
    for client in (DEFAULT_CLIENT, READONLY_CLIENT):
        reply = api_for(falcon_emulator, client).get(CCID)
        assert reply.status_code == 200 and reply.json()['meta']['powered_by'] == 'binserv'
        value = reply.json()['resources'][0]
        assert re.match(r'^[0-9A-F]{32}-[0-9A-F]{2}$', value)
        assert value[:32] == DEFAULT_CLIENT.cid.upper() and value == ccid(DEFAULT_CLIENT.cid)


@pytest.mark.parametrize('client', [NOSCOPE_CLIENT, DEVICES_ONLY_CLIENT])
def test_installer_routes_need_the_sensor_installers_scope(falcon_emulator, api_for, client):
    """Without sensor-installers:read every installer route answers the gateway's 403 (no resources key)."""
    api = api_for(falcon_emulator, client)
    sha = falcon_emulator.installers()[0]['sha256']
    for path, params in (
        (COMBINED % 'v1', None),
        (QUERY % 'v2', None),
        (ENTITIES % 'v3', {'ids': sha}),
        (DOWNLOAD % 'v1', {'id': sha}),
        (CCID, None),
    ):
        reply = api.get(path, params=params)
        assert reply.status_code == 403, path
        assert reply.json()['errors'][0]['message'] == 'access denied, scope not permitted'
        assert 'resources' not in reply.json()


def test_a_malformed_fault_cuts_a_download_short(falcon_emulator, api):
    """The malformed fault on a download sends fewer bytes than Content-Length and closes: the client sees a broken
    download, never a wrong file with the right length."""
    record = falcon_emulator.installers()[0]
    falcon_emulator.configure(faults=[{'type': 'malformed', 'count': 1, 'path': '/sensors/entities/download-*'}])
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        api.get(DOWNLOAD % 'v1', params={'id': record['sha256']})
    good = api.get(DOWNLOAD % 'v1', params={'id': record['sha256']})
    assert hashlib.sha256(good.content).hexdigest() == record['sha256']
