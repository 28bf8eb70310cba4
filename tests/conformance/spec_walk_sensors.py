"""The spec walk's part for sensor installers, maintenance tokens, sensor update builds and kernels: their v1 spec
paths (spec_extra_sensors.json, taken unchanged from the public Falcon OpenAPI spec (swagger.json) because the pinned
subset lacks them), the routes the 2023 spec does not have, and the cases that exercise them.

The download answers bytes (application/octet-stream, the spec's domain.DownloadItem: a binary string), not JSON:
check_binary() checks those instead of a schema.
"""

import copy
import hashlib
import json
import os

from falcon_emulator.clients import DEFAULT_CLIENT, NOSCOPE_CLIENT, READONLY_CLIENT
from falcon_emulator.installer_catalog import seeded_installers

HERE = os.path.dirname(os.path.abspath(__file__))
EXTRA_SPEC = os.path.join(HERE, 'spec_extra_sensors.json')
EXTRA_CLIENTS = (READONLY_CLIENT,)
# The installer record's architectures is in FalconPy's docs and the vendor collection's RETURN docs (newer API), not
# in the 2023 spec's domain.SensorInstallerV1.
KNOWN_EXTRAS = {('domain.SensorInstallerV1', 'architectures')}
# v2/v3 of the installer routes and the bulk token rotation are in FalconPy 1.6.6's endpoint tables only
# (test_falconpy_sensors.py drives them).
NOT_IN_SPEC = {
    (method, path % version)
    for version in ('v2', 'v3')
    for method, path in (
        ('GET', '/sensors/combined/installers/%s'),
        ('GET', '/sensors/queries/installers/%s'),
        ('GET', '/sensors/entities/installers/%s'),
        ('GET', '/sensors/entities/download-installer/%s'),
    )
} | {('POST', '/policy/combined/increment-uninstall-token/v1')}
BINARY = {('GET', '/sensors/entities/download-installer/%s' % v) for v in ('v1', 'v2', 'v3')}
SHA = seeded_installers()[0].sha256
UNKNOWN_SHA = 'f' * 64


def with_extra_paths(spec):
    """spec with the sensor paths and definitions added (the pinned subset itself is not changed)."""
    with open(EXTRA_SPEC, encoding='utf-8') as handle:
        extra = json.load(handle)
    merged = copy.deepcopy(spec)
    merged['paths'].update(extra['paths'])
    for name, schema in extra['definitions'].items():
        merged['definitions'].setdefault(name, schema)
    return merged


def cases(ids):
    """(label, client, method, path, params, json, expected status) for the sensor routes."""
    host = ids['host']
    out = [
        ('ccid', DEFAULT_CLIENT, 'GET', '/sensors/queries/installers/ccid/v1', None, None, 200),
        ('ccid 403', NOSCOPE_CLIENT, 'GET', '/sensors/queries/installers/ccid/v1', None, None, 403),
        ('reveal', DEFAULT_CLIENT, 'POST', '/policy/combined/reveal-uninstall-token/v1', None,
         {'audit_message': 'conformance', 'device_id': host}, 200),
        ('reveal bulk', DEFAULT_CLIENT, 'POST', '/policy/combined/reveal-uninstall-token/v1', None,
         {'device_id': 'MAINTENANCE'}, 200),
        ('reveal unknown', DEFAULT_CLIENT, 'POST', '/policy/combined/reveal-uninstall-token/v1', None,
         {'device_id': 'a' * 32}, 200),
        ('reveal no device', DEFAULT_CLIENT, 'POST', '/policy/combined/reveal-uninstall-token/v1', None, {}, 400),
        ('reveal 403', READONLY_CLIENT, 'POST', '/policy/combined/reveal-uninstall-token/v1', None,
         {'device_id': 'MAINTENANCE'}, 403),
        ('increment', DEFAULT_CLIENT, 'POST', '/policy/combined/increment-uninstall-token/v1', None,
         {'audit_message': 'conformance'}, 200),
        ('builds', DEFAULT_CLIENT, 'GET', '/policy/combined/sensor-update-builds/v1', {'platform': 'linux'}, None, 200),
        ('builds stages', DEFAULT_CLIENT, 'GET', '/policy/combined/sensor-update-builds/v1',
         {'stage': ['prod', 'early_adopter']}, None, 200),
        ('builds bad platform', DEFAULT_CLIENT, 'GET', '/policy/combined/sensor-update-builds/v1',
         {'platform': 'x'}, None, 400),
        ('builds 403', NOSCOPE_CLIENT, 'GET', '/policy/combined/sensor-update-builds/v1', None, None, 403),
        ('kernels', DEFAULT_CLIENT, 'GET', '/policy/combined/sensor-update-kernels/v1',
         {'filter': "vendor:'ubuntu'", 'limit': 5}, None, 200),
        ('kernels bad filter', DEFAULT_CLIENT, 'GET', '/policy/combined/sensor-update-kernels/v1',
         {'filter': "x:'1'"}, None, 400),
        ('kernels bad limit', DEFAULT_CLIENT, 'GET', '/policy/combined/sensor-update-kernels/v1', {'limit': 501},
         None, 400),
    ]  # fmt: skip
    for version in ('v1', 'v2', 'v3'):
        out += [
            ('installers combined %s' % version, DEFAULT_CLIENT, 'GET', '/sensors/combined/installers/%s' % version,
             {'filter': "os_version:'*2*'", 'sort': 'version|desc', 'limit': 5}, None, 200),
            ('installers combined bad filter %s' % version, DEFAULT_CLIENT, 'GET',
             '/sensors/combined/installers/%s' % version, {'filter': "x:'1'"}, None, 400),
            ('installers combined 403 %s' % version, NOSCOPE_CLIENT, 'GET',
             '/sensors/combined/installers/%s' % version, None, None, 403),
            ('installers query %s' % version, DEFAULT_CLIENT, 'GET', '/sensors/queries/installers/%s' % version,
             {'sort': 'release_date|desc', 'offset': 1, 'limit': 3}, None, 200),
            ('installers query bad limit %s' % version, DEFAULT_CLIENT, 'GET',
             '/sensors/queries/installers/%s' % version, {'limit': 501}, None, 400),
            ('installers entities %s' % version, DEFAULT_CLIENT, 'GET', '/sensors/entities/installers/%s' % version,
             {'ids': SHA}, None, 200),
            ('installers entities mixed %s' % version, DEFAULT_CLIENT, 'GET',
             '/sensors/entities/installers/%s' % version, {'ids': [SHA, UNKNOWN_SHA]}, None, 207),
            ('installers entities unknown %s' % version, DEFAULT_CLIENT, 'GET',
             '/sensors/entities/installers/%s' % version, {'ids': UNKNOWN_SHA}, None, 404),
            ('installers entities no ids %s' % version, DEFAULT_CLIENT, 'GET',
             '/sensors/entities/installers/%s' % version, None, None, 400),
            ('download %s' % version, DEFAULT_CLIENT, 'GET', '/sensors/entities/download-installer/%s' % version,
             {'id': SHA}, None, 200),
            ('download unknown %s' % version, DEFAULT_CLIENT, 'GET',
             '/sensors/entities/download-installer/%s' % version, {'id': UNKNOWN_SHA}, None, 404),
            ('download no id %s' % version, DEFAULT_CLIENT, 'GET',
             '/sensors/entities/download-installer/%s' % version, None, None, 400),
            ('download 403 %s' % version, NOSCOPE_CLIENT, 'GET',
             '/sensors/entities/download-installer/%s' % version, {'id': SHA}, None, 403),
        ]  # fmt: skip
    return out


def is_binary(method, path, status):
    """Whether this answer is a file (a successful download), not a JSON envelope."""
    return (method, path) in BINARY and status == 200


def check_binary(label, reply, params):
    """Problems of a download answer: octet-stream, Content-Length, and bytes whose sha256 is the requested id."""
    problems = []
    if reply.headers.get('Content-Type') != 'application/octet-stream':
        problems.append('%s: Content-Type %s' % (label, reply.headers.get('Content-Type')))
    if int(reply.headers.get('Content-Length', -1)) != len(reply.content):
        problems.append(
            '%s: Content-Length %s for %d bytes' % (label, reply.headers.get('Content-Length'), len(reply.content))
        )
    if hashlib.sha256(reply.content).hexdigest() != params['id']:
        problems.append('%s: the bytes do not hash to the id' % label)
    return problems
