"""FalconPy 1.6.6 against the emulator: SensorDownload (installers v1-v3, downloads, CCID) and SensorUpdatePolicy
(maintenance tokens, builds, kernels)."""

import hashlib
import re

import pytest
from falcon_emulator.clients import READONLY_CLIENT
from falconpy import SensorDownload, SensorUpdatePolicy

COMBINED = {
    'v1': 'get_combined_sensor_installers_by_query',
    'v2': 'get_combined_sensor_installers_by_query_v2',
    'v3': 'get_combined_sensor_installers_by_query_v3',
}
QUERY = {
    'v1': 'get_sensor_installers_by_query',
    'v2': 'get_sensor_installers_by_query_v2',
    'v3': 'get_sensor_installers_by_query_v3',
}
ENTITIES = {
    'v1': 'get_sensor_installer_entities',
    'v2': 'get_sensor_installer_entities_v2',
    'v3': 'get_sensor_installer_entities_v3',
}
DOWNLOAD = {
    'v1': 'download_sensor_installer',
    'v2': 'download_sensor_installer_v2',
    'v3': 'download_sensor_installer_v3',
}


@pytest.mark.parametrize('version', ['v1', 'v2', 'v3'])
def test_installer_queries_combined_and_entities(falcon_auth, version):
    """The vendor's selection filter, sorted version|desc: combined records, the same ids from queries, entities."""
    sensors = SensorDownload(auth_object=falcon_auth)
    fql = "os:'Amazon Linux'+os_version:'*2*'+architectures:'x86_64'"
    reply = getattr(sensors, COMBINED[version])(filter=fql, sort='version|desc', limit=500)
    assert reply['status_code'] == 200, reply
    records = reply['body']['resources']
    # The pitfall: '*2*' selects Amazon Linux 2 and 2023 alike.
    assert {r['os_version'] for r in records} == {'2', '2023'}
    assert reply['body']['meta']['pagination']['total'] == len(records) == 8
    ids = getattr(sensors, QUERY[version])(filter=fql, sort='version|desc', limit=500)['body']['resources']
    assert ids == [r['sha256'] for r in records]
    page = getattr(sensors, QUERY[version])(filter=fql, sort='version|desc', offset=2, limit=2)['body']['resources']
    assert page == ids[2:4]
    entities = getattr(sensors, ENTITIES[version])(ids=ids[:2])
    assert entities['status_code'] == 200 and entities['body']['resources'] == records[:2]
    bad = getattr(sensors, COMBINED[version])(filter="colour:'red'")
    assert bad['status_code'] == 400 and 'unknown property' in bad['body']['errors'][0]['message']


@pytest.mark.parametrize('version', ['v1', 'v2', 'v3'])
def test_download_returns_the_bytes_of_the_id(falcon_emulator, falcon_auth, version):
    """download_sensor_installer*(id=sha256) returns bytes hashing to the id; an unknown id a 404 dict."""
    sensors = SensorDownload(auth_object=falcon_auth)
    record = next(r for r in falcon_emulator.installers() if r['file_type'] == 'deb')
    data = getattr(sensors, DOWNLOAD[version])(id=record['sha256'])
    assert isinstance(data, bytes) and data.startswith(b'!<arch>\n')
    assert len(data) == record['file_size'] and hashlib.sha256(data).hexdigest() == record['sha256']
    missing = getattr(sensors, DOWNLOAD[version])(id='f' * 64)
    assert isinstance(missing, dict) and missing['status_code'] == 404


def test_download_to_a_file_and_streamed(falcon_emulator, falcon_auth, tmp_path):
    """download_sensor_installer(file_name, download_path) writes the file; stream=True hands back the response."""
    sensors = SensorDownload(auth_object=falcon_auth)
    record = next(r for r in falcon_emulator.installers() if r['os'] == 'RHEL/CentOS/Oracle')
    result = sensors.download_sensor_installer(
        id=record['sha256'], file_name=record['name'], download_path=str(tmp_path)
    )
    assert result['status_code'] == 200
    assert hashlib.sha256((tmp_path / record['name']).read_bytes()).hexdigest() == record['sha256']
    streamed = sensors.download_sensor_installer(id=record['sha256'], stream=True)
    digest = hashlib.sha256()
    for chunk in streamed.iter_content(chunk_size=4096):
        digest.update(chunk)
    streamed.close()
    assert digest.hexdigest() == record['sha256']


def test_ccid(falcon_auth):
    """get_sensor_installer_ccid(): the upper-case CID with a checksum."""
    reply = SensorDownload(auth_object=falcon_auth).get_sensor_installer_ccid()
    assert reply['status_code'] == 200
    assert re.match(r'^C1D0000000000000000000000000A001-[0-9A-F]{2}$', reply['body']['resources'][0])


def test_uninstall_tokens(falcon_emulator, falcon_auth, falconpy_login):
    """reveal_uninstall_token for a device and MAINTENANCE, increment_uninstall_token, the audit; read-only gets 403."""
    policies = SensorUpdatePolicy(auth_object=falcon_auth)
    device = falcon_emulator.devices()[0]['device_id']
    reply = policies.reveal_uninstall_token(device_id=device, audit_message='secops.falcon: conformance')
    assert reply['status_code'] == 200
    assert reply['body']['resources'][0]['uninstall_token'] == falcon_emulator.uninstall_token(device)
    bulk = policies.reveal_uninstall_token(device_id='MAINTENANCE')['body']['resources'][0]
    rotated = policies.increment_uninstall_token(audit_message='rotate')
    assert rotated['status_code'] == 200
    assert rotated['body']['resources'][0]['uninstall_token'] != bulk['uninstall_token']
    audit = falcon_emulator.uninstall_token_audit()
    assert [(a['action'], a['audit_message']) for a in audit] == [
        ('reveal', 'secops.falcon: conformance'),
        ('reveal', None),  # FalconPy sends "audit_message": null when none is given
        ('increment', 'rotate'),
    ]
    readonly = SensorUpdatePolicy(auth_object=falconpy_login(falcon_emulator, READONLY_CLIENT))
    refused = readonly.reveal_uninstall_token(device_id='MAINTENANCE', audit_message='x')
    assert refused['status_code'] == 403
    assert refused['body']['errors'][0]['message'] == 'access denied, scope not permitted'


def test_builds_and_kernels(falcon_auth):
    """query_combined_builds(platform, stage) and query_combined_kernels(filter, offset, limit)."""
    policies = SensorUpdatePolicy(auth_object=falcon_auth)
    builds = policies.query_combined_builds(platform='linuxarm64', stage='prod')
    assert builds['status_code'] == 200
    tags = [b['build'] for b in builds['body']['resources'] if '|tagged|' in b['build']]
    assert [t.split('|')[1] for t in tags] == ['n', 'n-1', 'n-2']
    assert {b['platform'] for b in builds['body']['resources']} == {'linuxarm64'}
    kernels = policies.query_combined_kernels(filter="vendor:'ubuntu'+release:'5.15.0-1019-aws'", limit=1)
    assert kernels['status_code'] == 200
    assert kernels['body']['meta']['pagination'] == {'offset': 1, 'limit': 1, 'total': 2}
    second = policies.query_combined_kernels(filter="vendor:'ubuntu'+release:'5.15.0-1019-aws'", limit=1, offset=1)
    assert second['body']['resources'][0]['id'] != kernels['body']['resources'][0]['id']
    assert policies.query_combined_kernels(limit=501)['status_code'] == 400
