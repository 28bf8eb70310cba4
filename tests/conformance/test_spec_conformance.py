"""Every emulated endpoint, success and error answers, validated against the Falcon API spec's response schemas."""

import copy
import hashlib
import os

import requests
from conformance import spec_walk_sensors as sensors_walk
from conformance.spec_walk_host_groups_mssp import EXTRA_CLIENTS, resolve, with_extra_paths
from conformance.spec_walk_host_groups_mssp import cases as extra_cases
from falcon_emulator.app import UNAUTHENTICATED
from falcon_emulator.clients import DEFAULT_CLIENT, EU_CLIENT, MSSP_CHILD_CID, MSSP_PARENT_CLIENT, NOSCOPE_CLIENT
from jsonschema import Draft4Validator

HERE = os.path.dirname(os.path.abspath(__file__))
# (definition, key) the emulator sends although the 2023 spec does not declare it; each is in the newer API.
KNOWN_EXTRAS = {
    (
        'deviceapi.DeviceSwagger',
        'filesystem_containment_status',
    ),  # device records (elastic/kibana mocks, falcon-mcp FQL guide)
    ('device.Device', 'filesystem_containment_status'),
    ('domain.PolicyInfo', 'name'),  # API behaviour 5.3 lists it among the PolicyInfo fields
} | sensors_walk.KNOWN_EXTRAS  # installer architectures (spec_walk_sensors.py)
# (definition, key): enum values the emulator sends beyond the 2023 spec's enum, each recorded on the real API.
KNOWN_ENUM_EXTRAS = {
    ('prevention.PolicyV1', 'platform_name'): (
        'Android',
        'iOS',
    ),  # mobile platform_default policies (J1 HAR, API behaviour 9.3)
}
# Emulated routes the spec subset does not describe (from falconpy's endpoint list, API behaviour 4.5).
NOT_IN_SPEC = {
    ('GET', '/devices/queries/devices-hidden/v1'),
    # Alerts v2/v3 and combined: only the v1 pair is in the 2023 spec; FalconPy drives them (test_falconpy_alerts.py).
    ('GET', '/alerts/queries/alerts/v2'),
    ('POST', '/alerts/entities/alerts/v2'),
    ('POST', '/alerts/combined/alerts/v1'),
    ('PATCH', '/alerts/entities/alerts/v3'),
} | sensors_walk.NOT_IN_SPEC  # installers v2/v3 and the bulk token rotation (spec_walk_sensors.py)
SPEC_SHA256 = 'ae67d2a95941f938471fbd75e063849f33618f3d6f9f246483a59e6f1a8f2d1b'
A = 'a' * 32


def _cases(ids):
    """(label, client, method, path, params, json or form, expected status)."""
    host, policy = ids['host'], ids['policy']
    cases = [
        (
            'token',
            None,
            'POST',
            '/oauth2/token',
            None,
            {'client_id': DEFAULT_CLIENT.client_id, 'client_secret': DEFAULT_CLIENT.client_secret},
            201,
        ),
        (
            'token bad secret',
            None,
            'POST',
            '/oauth2/token',
            None,
            {'client_id': DEFAULT_CLIENT.client_id, 'client_secret': 'x'},
            403,
        ),
        (
            'token bad member',
            None,
            'POST',
            '/oauth2/token',
            None,
            {'client_id': DEFAULT_CLIENT.client_id, 'client_secret': DEFAULT_CLIENT.client_secret, 'member_cid': A},
            403,
        ),
        ('token unknown client', None, 'POST', '/oauth2/token', None, {'client_id': A, 'client_secret': 'x'}, 400),
        (
            'token console member_cid',
            None,
            'POST',
            '/oauth2/token',
            None,
            {
                'client_id': MSSP_PARENT_CLIENT.client_id,
                'client_secret': MSSP_PARENT_CLIENT.client_secret,
                'member_cid': MSSP_CHILD_CID.upper() + '-7F',
            },
            400,
        ),
        (
            'token non-ASCII secret',
            None,
            'POST',
            '/oauth2/token',
            None,
            {'client_id': DEFAULT_CLIENT.client_id, 'client_secret': 'S\u00e9cret'},
            403,
        ),
        (
            'token redirect',
            None,
            'POST',
            '/oauth2/token',
            None,
            {'client_id': EU_CLIENT.client_id, 'client_secret': EU_CLIENT.client_secret},
            308,
        ),
        ('revoke', 'basic', 'POST', '/oauth2/revoke', None, {'token': 'unknown-token'}, 200),
        ('revoke no token', 'basic', 'POST', '/oauth2/revoke', None, {}, 400),
        ('revoke bad creds', 'badbasic', 'POST', '/oauth2/revoke', None, {'token': 'x'}, 403),
        (
            'query',
            DEFAULT_CLIENT,
            'GET',
            '/devices/queries/devices/v1',
            {'limit': 5, 'filter': "platform_name:'Mac'"},
            None,
            200,
        ),
        ('query bad filter', DEFAULT_CLIENT, 'GET', '/devices/queries/devices/v1', {'filter': "x:'1'"}, None, 400),
        ('query cap', DEFAULT_CLIENT, 'GET', '/devices/queries/devices/v1', {'offset': 9999, 'limit': 5}, None, 400),
        ('query 401', 'garbage', 'GET', '/devices/queries/devices/v1', None, None, 401),
        ('query 403', NOSCOPE_CLIENT, 'GET', '/devices/queries/devices/v1', None, None, 403),
        ('hidden', DEFAULT_CLIENT, 'GET', '/devices/queries/devices-hidden/v1', None, None, 200),
        ('scroll', DEFAULT_CLIENT, 'GET', '/devices/queries/devices-scroll/v1', {'limit': 10}, None, 200),
        (
            'scroll bad token',
            DEFAULT_CLIENT,
            'GET',
            '/devices/queries/devices-scroll/v1',
            {'offset': 'nope'},
            None,
            400,
        ),
        (
            'scroll next page',
            DEFAULT_CLIENT,
            'GET',
            '/devices/queries/devices-scroll/v1',
            {'offset': ids['scroll'], 'limit': 10},
            None,
            200,
        ),
        (
            'scroll end',
            DEFAULT_CLIENT,
            'GET',
            '/devices/queries/devices-scroll/v1',
            {'offset': ids['scroll_done']},
            None,
            200,
        ),
        (
            'scroll bad filter',
            DEFAULT_CLIENT,
            'GET',
            '/devices/queries/devices-scroll/v1',
            {'filter': "x:'1'"},
            None,
            500,
        ),
        (
            'query prefix filter',
            DEFAULT_CLIENT,
            'GET',
            '/devices/queries/devices/v1',
            {'filter': "hostname:'host-0001'"},
            None,
            200,
        ),
        (
            'query not-tilde',
            DEFAULT_CLIENT,
            'GET',
            '/devices/queries/devices/v1',
            {'filter': "hostname:!~'x'"},
            None,
            400,
        ),
        ('details get', DEFAULT_CLIENT, 'GET', '/devices/entities/devices/v2', {'ids': [host, A]}, None, 200),
        ('details get too many', DEFAULT_CLIENT, 'GET', '/devices/entities/devices/v2', {'ids': [A] * 101}, None, 400),
        ('details post', DEFAULT_CLIENT, 'POST', '/devices/entities/devices/v2', None, {'ids': [host]}, 200),
        ('details post 403', NOSCOPE_CLIENT, 'POST', '/devices/entities/devices/v2', None, {'ids': [host]}, 403),
        (
            'contain',
            DEFAULT_CLIENT,
            'POST',
            '/devices/entities/devices-actions/v2',
            {'action_name': 'contain'},
            {'ids': [host]},
            202,
        ),
        (
            'contain mixed',
            DEFAULT_CLIENT,
            'POST',
            '/devices/entities/devices-actions/v2',
            {'action_name': 'contain'},
            {'ids': [ids['host2'], A]},
            400,
        ),
        (
            'contain too many',
            DEFAULT_CLIENT,
            'POST',
            '/devices/entities/devices-actions/v2',
            {'action_name': 'contain'},
            {'ids': [A] * 101},
            400,
        ),
        (
            'contain again',
            DEFAULT_CLIENT,
            'POST',
            '/devices/entities/devices-actions/v2',
            {'action_name': 'contain'},
            {'ids': [host]},
            409,
        ),
        (
            'contain unknown',
            DEFAULT_CLIENT,
            'POST',
            '/devices/entities/devices-actions/v2',
            {'action_name': 'contain'},
            {'ids': [A]},
            404,
        ),
        (
            'bad action',
            DEFAULT_CLIENT,
            'POST',
            '/devices/entities/devices-actions/v2',
            {'action_name': 'x'},
            {'ids': [host]},
            400,
        ),
        (
            'cspm',
            DEFAULT_CLIENT,
            'GET',
            '/settings/entities/policy/v1',
            {'service': 'EC2', 'cloud-platform': 'aws'},
            None,
            200,
        ),
        ('cspm bad service', DEFAULT_CLIENT, 'GET', '/settings/entities/policy/v1', {'service': 'ec2'}, None, 400),
        ('cspm 403', NOSCOPE_CLIENT, 'GET', '/settings/entities/policy/v1', None, None, 403),
        ('cspm details', DEFAULT_CLIENT, 'GET', '/settings/entities/policy-details/v1', {'ids': 257}, None, 200),
        (
            'cspm details mixed',
            DEFAULT_CLIENT,
            'GET',
            '/settings/entities/policy-details/v1',
            {'ids': [257, 121231]},
            None,
            207,
        ),
        (
            'cspm details unknown',
            DEFAULT_CLIENT,
            'GET',
            '/settings/entities/policy-details/v1',
            {'ids': 121231},
            None,
            400,
        ),
        ('cspm details bad', DEFAULT_CLIENT, 'GET', '/settings/entities/policy-details/v1', {'ids': 'x'}, None, 400),
        ('unknown path', DEFAULT_CLIENT, 'GET', '/devices/queries/nothing/v1', None, None, 404),
    ]
    for family, policy_id in policy.items():
        cases += [
            (
                '%s query' % family,
                DEFAULT_CLIENT,
                'GET',
                '/policy/queries/%s/v1' % family,
                {'sort': 'precedence.asc'},
                None,
                200,
            ),
            (
                '%s query unknown field' % family,
                DEFAULT_CLIENT,
                'GET',
                '/policy/queries/%s/v1' % family,
                {'filter': "nmae:'x'"},
                None,
                200,
            ),
            (
                '%s combined sort platform_name' % family,
                DEFAULT_CLIENT,
                'GET',
                '/policy/combined/%s/v1' % family,
                {'sort': 'platform_name.asc'},
                None,
                500,
            ),
            (
                '%s query bad sort' % family,
                DEFAULT_CLIENT,
                'GET',
                '/policy/queries/%s/v1' % family,
                {'sort': 'x.asc'},
                None,
                400,
            ),
            (
                '%s combined' % family,
                DEFAULT_CLIENT,
                'GET',
                '/policy/combined/%s/v1' % family,
                {'filter': 'enabled:true'},
                None,
                200,
            ),
            (
                '%s combined bad limit' % family,
                DEFAULT_CLIENT,
                'GET',
                '/policy/combined/%s/v1' % family,
                {'limit': 0},
                None,
                400,
            ),
            (
                '%s entities' % family,
                DEFAULT_CLIENT,
                'GET',
                '/policy/entities/%s/v1' % family,
                {'ids': policy_id},
                None,
                200,
            ),
            (
                '%s entities 404' % family,
                DEFAULT_CLIENT,
                'GET',
                '/policy/entities/%s/v1' % family,
                {'ids': [policy_id, A]},
                None,
                404,
            ),
            (
                '%s 403' % family,
                NOSCOPE_CLIENT,
                'GET',
                '/policy/entities/%s/v1' % family,
                {'ids': policy_id},
                None,
                403,
            ),
            (
                '%s members' % family,
                DEFAULT_CLIENT,
                'GET',
                '/policy/queries/%s-members/v1' % family,
                {'id': policy_id},
                None,
                200,
            ),
            (
                '%s members 404' % family,
                DEFAULT_CLIENT,
                'GET',
                '/policy/queries/%s-members/v1' % family,
                {'id': A},
                None,
                404,
            ),
            (
                '%s combined members' % family,
                DEFAULT_CLIENT,
                'GET',
                '/policy/combined/%s-members/v1' % family,
                {'id': policy_id},
                None,
                200,
            ),
            (
                '%s combined members 400' % family,
                DEFAULT_CLIENT,
                'GET',
                '/policy/combined/%s-members/v1' % family,
                {},
                None,
                400,
            ),
        ]
    su_id = policy['sensor-update']
    cases += [
        ('sensor-update v2 combined', DEFAULT_CLIENT, 'GET', '/policy/combined/sensor-update/v2', None, None, 200),
        (
            'sensor-update v2 entities',
            DEFAULT_CLIENT,
            'GET',
            '/policy/entities/sensor-update/v2',
            {'ids': su_id},
            None,
            200,
        ),
        (
            'sensor-update v2 entities 404',
            DEFAULT_CLIENT,
            'GET',
            '/policy/entities/sensor-update/v2',
            {'ids': A},
            None,
            404,
        ),
        ('alerts query', DEFAULT_CLIENT, 'GET', '/alerts/queries/alerts/v2', {'limit': 5}, None, 200),
        (
            'alerts entities',
            DEFAULT_CLIENT,
            'POST',
            '/alerts/entities/alerts/v2',
            None,
            {'composite_ids': [ids['alert']]},
            200,
        ),
        ('alerts combined', DEFAULT_CLIENT, 'POST', '/alerts/combined/alerts/v1', None, {'limit': 5}, 200),
        (
            'alerts update',
            DEFAULT_CLIENT,
            'PATCH',
            '/alerts/entities/alerts/v3',
            None,
            {'composite_ids': [ids['alert']], 'action_parameters': [{'name': 'add_tag', 'value': 'conformance'}]},
            200,
        ),
        (
            'alerts update 403',
            NOSCOPE_CLIENT,
            'PATCH',
            '/alerts/entities/alerts/v3',
            None,
            {'composite_ids': [ids['alert']]},
            403,
        ),
    ]
    return cases


def _with_enum_extras(definitions):
    """A copy of the definitions whose enums also allow KNOWN_ENUM_EXTRAS."""
    out = copy.deepcopy(definitions)
    for (name, key), values in KNOWN_ENUM_EXTRAS.items():
        out[name]['properties'][key]['enum'] = out[name]['properties'][key]['enum'] + list(values)
    return out


def _undeclared(instance, schema, definitions, name, path='$'):
    """(definition, key, path) of object keys the schema does not declare (the spec never forbids extra keys)."""
    if '$ref' in schema:
        name = schema['$ref'].split('/')[-1]
        schema = definitions[name]
    out = []
    if isinstance(instance, dict) and 'properties' in schema:
        for key, value in instance.items():
            if key not in schema['properties']:
                out.append((name, key, '%s.%s' % (path, key)))
            else:
                out += _undeclared(value, schema['properties'][key], definitions, name, '%s.%s' % (path, key))
    elif isinstance(instance, list) and 'items' in schema:
        for value in instance[:3]:
            out += _undeclared(value, schema['items'], definitions, name, path + '[]')
    return out


def _schema_for(spec, method, path, status, body):
    """The declared response schema name and whether it was declared for this status.

    For statuses the spec leaves out (401 everywhere, 400 on device queries ...) the body must still be a valid
    envelope: the operation's success schema when it carries resources, else msa.ReplyMetaOnly.
    """
    responses = spec['paths'].get(path, {}).get(method.lower(), {}).get('responses', {})
    response = responses.get(str(status))
    if response and 'schema' in response:
        return response['schema']['$ref'].split('/')[-1], True
    success = [r for code, r in sorted(responses.items()) if code.startswith('2') and 'schema' in r]
    if 'resources' in body and success:
        return success[0]['schema']['$ref'].split('/')[-1], False
    return 'msa.ReplyMetaOnly', False


def _send(emulator, sessions, client, method, path, params, payload):
    """Send one case; form data for /oauth2/*, JSON elsewhere."""
    session = requests.Session()
    session.trust_env = False
    headers = {}
    if client in ('basic', 'badbasic'):
        session.auth = (DEFAULT_CLIENT.client_id, DEFAULT_CLIENT.client_secret if client == 'basic' else 'wrong')
    elif client == 'garbage':
        headers['Authorization'] = 'Bearer garbage'
    elif client is not None:
        headers['Authorization'] = 'Bearer ' + sessions[client.client_id]
    kwargs = {'data': payload} if path.startswith('/oauth2/') else {'json': payload}
    reply = session.request(
        method, emulator.url + path, params=params, headers=headers, allow_redirects=False, timeout=30, **kwargs
    )
    session.close()
    return reply


def test_spec_copy_is_unchanged():
    """The copy kept in the repo is the reference subset of the public Falcon OpenAPI spec, byte for byte."""
    with open(os.path.join(HERE, 'swagger-subset.json'), 'rb') as copy:
        data = copy.read()
    assert hashlib.sha256(data).hexdigest() == SPEC_SHA256


def test_every_endpoint_matches_the_spec(falcon_emulator, spec):
    """Walk success and error answers of every emulated route; validate each body against its spec schema."""
    spec = sensors_walk.with_extra_paths(with_extra_paths(spec))
    definitions = _with_enum_extras(spec['definitions'])
    tokens = {}
    for client in (DEFAULT_CLIENT, NOSCOPE_CLIENT) + EXTRA_CLIENTS + sensors_walk.EXTRA_CLIENTS:
        reply = requests.post(
            falcon_emulator.url + '/oauth2/token',
            timeout=30,
            data={'client_id': client.client_id, 'client_secret': client.client_secret},
        )
        tokens[client.client_id] = reply.json()['access_token']
    tenant = falcon_emulator.app.tenant()
    scroll = falcon_emulator.url + '/devices/queries/devices-scroll/v1'
    auth = {'Authorization': 'Bearer ' + tokens[DEFAULT_CLIENT.client_id]}
    with requests.Session() as session:  # two open scrolls: one mid-way, one whose next call is the end page
        session.trust_env = False
        open_scroll = [
            session.get(scroll, params={'limit': limit}, headers=auth, timeout=30).json()['meta']['pagination'][
                'offset'
            ]
            for limit in (10, 10000)
        ]
    ids = {
        'scroll': open_scroll[0],
        'scroll_done': open_scroll[1],
        'host': tenant.hosts[0].device_id,
        'host2': tenant.hosts[1].device_id,
        'policy': {f: items[0]['id'] for f, items in tenant.policies.items()},
        'alert': falcon_emulator.alerts()[0]['composite_id'],
    }
    exercised = set()
    problems = []
    for label, client, method, path, params, payload, expected in (
        _cases(ids) + extra_cases(ids) + sensors_walk.cases(ids)
    ):
        reply = _send(falcon_emulator, tokens, client, method, path, resolve(params, tenant), payload)
        if reply.status_code != expected:
            problems.append('%s: status %d, expected %d: %s' % (label, reply.status_code, expected, reply.text[:200]))
            continue
        if sensors_walk.is_binary(method, path, expected):  # a downloaded file, not an envelope
            problems += sensors_walk.check_binary(label, reply, params)
            exercised.add((method, path))
            continue
        assert reply.headers['Content-Type'] == 'application/json'
        if expected == 308:
            assert reply.json() == {} and reply.headers['Location'].endswith('/oauth2/token')
            continue
        body = reply.json()
        if (method, path) in NOT_IN_SPEC:
            exercised.add((method, path))
            continue
        name, declared = _schema_for(spec, method, path, expected, body)
        if declared and expected < 300:
            exercised.add((method, path))
        validator = Draft4Validator({'$ref': '#/definitions/' + name, 'definitions': definitions})
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
        problems += ['%s (%s): %s at %s' % (label, name, e.message, list(e.path)) for e in errors[:3]]
        extras = {
            p for d, k, p in _undeclared(body, definitions[name], definitions, name) if (d, k) not in KNOWN_EXTRAS
        }
        if extras:
            problems.append('%s (%s): undeclared keys %s' % (label, name, sorted(extras)))
        if expected >= 400 and not body.get('resources'):
            assert body['errors'] and body['errors'][0]['code'] == expected, label
        elif expected >= 400:  # a partial answer: accepted entities in resources, per-entity codes in errors
            assert body['errors'] and all(e['code'] >= 400 for e in body['errors']), label
            assert body['meta']['trace_id'] == reply.headers['X-Cs-Traceid'], label
            if expected in (401, 403) and path != '/oauth2/revoke':
                assert 'resources' not in body, label
    assert not problems, '\n'.join(problems)
    routes = set(falcon_emulator.app.routes) | set(UNAUTHENTICATED)
    assert routes - exercised == set(), 'routes never validated with a success answer'
    assert {r for r in routes if r[1] not in spec['paths']} == NOT_IN_SPEC
