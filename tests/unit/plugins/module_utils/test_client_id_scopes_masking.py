"""A malformed (swapped) client_id is refused unquoted, a 403 names the scope it needs, short values stay readable."""

import copy
import json
import pathlib

import pytest

from ansible_collections.secops.falcon.plugins.module_utils import _http
from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconConfigError, scrub
from ansible_collections.secops.falcon.plugins.module_utils._options import ConnectionSettings, check_client_id
from ansible_collections.secops.falcon.plugins.module_utils._scopes import SCOPE_NAMES, describe_scope, scope_for
from ansible_collections.secops.falcon.plugins.modules import (
    falcon_alert,
    falcon_alert_info,
    falcon_device_info,
    falcon_host_contain,
    falcon_policy_info,
    falcon_token,
)

# What a real pair looks like: a 32-hex id and a 40-character secret (here swapped).
REAL_ID = 'defa0170000000000000000000000001'
REAL_SECRET = 'DefaultSecret000000000000000000000000001'
CID = 'c1d0000000000000000000000000a001'
DEVICE = '%032x' % 7
ALERT = '%s:ind:%032x:100007-10197-7' % (CID, 7)
GATEWAY_403 = {
    'meta': {'trace_id': 'tr-403'},
    'errors': [{'code': 403, 'message': 'access denied, scope not permitted'}],
}


# --- item 1: client_id must be 32 hex characters, and a malformed one is never shown ---------------------------


@pytest.mark.parametrize('value', [REAL_SECRET, 'abc', REAL_ID + '0', REAL_ID[:-1] + 'g', ' ' + REAL_ID[1:]])
def test_malformed_client_id_is_refused_without_showing_it(value):
    with pytest.raises(FalconConfigError) as info:
        check_client_id(value)
    text = str(info.value)
    assert 'swapped' in text and '32 hexadecimal' in text
    assert value.strip() not in text
    # Not even a part of it: the secret's first characters would be half a leak.
    assert value.strip()[:6] not in text


@pytest.mark.parametrize('value', [REAL_ID, REAL_ID.upper(), None])
def test_well_formed_client_id_is_accepted(value):
    assert check_client_id(value) == value


def test_swapped_credentials_are_refused_before_any_request(monkeypatch):
    def no_request(*_args, **_kwargs):
        raise AssertionError('no request may be made with a malformed client_id')

    monkeypatch.setattr(_http.requests, 'Session', no_request)
    with pytest.raises(FalconConfigError) as info:
        ConnectionSettings.from_options(dict(client_id=REAL_SECRET, client_secret=REAL_ID, cloud='us-1'))
    assert 'swapped' in str(info.value) and REAL_SECRET not in str(info.value)
    # Anything that quotes the value later (a library's message) is scrubbed of it.
    assert REAL_SECRET not in scrub('posted client_id=%s' % REAL_SECRET)


def test_module_refuses_swapped_credentials_without_echoing_them(module_runner, monkeypatch):
    monkeypatch.setattr(_http.requests, 'Session', lambda: pytest.fail('no request may be made'))
    result, out = module_runner(falcon_device_info, client_id=REAL_SECRET, client_secret=REAL_ID, ids=[DEVICE])
    assert result['failed'] and 'swapped' in result['msg']
    assert REAL_SECRET not in result['msg']


def test_api_echo_of_the_client_id_is_scrubbed():
    # A value never registered as a secret: only the shape of the API's echo can hide it.
    echoed = 'EchoedSecret0000000000000000000000000042'
    text = scrub('Failed to generate access token for clientID=%s.' % echoed)
    assert echoed not in text and text.startswith('Failed to generate access token for clientID=')


# --- item 2: a 403 names the scope the endpoint needs ---------------------------------------------------------


@pytest.mark.parametrize(
    'method, path, scope',
    [
        ('POST', '/devices/entities/devices-actions/v2', 'devices:write'),
        ('POST', '/devices/entities/devices/v2', 'devices:read'),
        ('GET', '/devices/queries/devices-scroll/v1', 'devices:read'),
        ('GET', '/devices/combined/host-groups/v1', 'host-group:read'),
        ('POST', '/alerts/entities/alerts/v2', 'alerts:read'),
        ('POST', '/alerts/combined/alerts/v1', 'alerts:read'),
        ('PATCH', '/alerts/entities/alerts/v3', 'alerts:write'),
        ('GET', '/policy/combined/prevention/v1', 'prevention-policies:read'),
        ('GET', '/policy/entities/sensor-update/v2', 'sensor-update-policies:read'),
        ('GET', '/policy/queries/device-control-members/v1', 'device-control-policies:read'),
        ('GET', '/policy/combined/firewall/v1', 'firewall-management:read'),
        ('GET', '/policy/combined/response/v1', 'response-policies:read'),
        ('GET', '/settings/entities/policy/v1', 'cspm-registration:read'),
        ('POST', '/mssp/entities/children/GET/v2', 'mssp:read'),
        ('POST', '/oauth2/token', None),
    ],
)
def test_scope_table(method, path, scope):
    assert scope_for(method, path) == scope


# The repository's copies of the public spec: every operation there says which scope it needs (`security`).
SPEC_FILES = [
    pathlib.Path(__file__).resolve().parents[4] / 'tests' / 'conformance' / name
    for name in ('swagger-subset.json', 'spec_extra_host_groups_mssp.json')
]
# Operations of the full public spec this collection calls or will call that the copies above do not hold.
EXTRA_SPEC_OPERATIONS = [
    ('POST', '/alerts/entities/alerts/v1', 'alerts:read'),
    ('POST', '/alerts/aggregates/alerts/v1', 'alerts:read'),
    ('PATCH', '/alerts/entities/alerts/v2', 'alerts:write'),
    ('GET', '/alerts/queries/alerts/v1', 'alerts:read'),
    ('POST', '/devices/entities/host-group-actions/v1', 'host-group:write'),
    ('POST', '/devices/entities/host-groups/v1', 'host-group:write'),
    ('PATCH', '/devices/entities/host-groups/v1', 'host-group:write'),
    ('DELETE', '/devices/entities/host-groups/v1', 'host-group:write'),
    ('GET', '/devices/queries/host-group-members/v1', 'host-group:read'),
    ('POST', '/policy/combined/reveal-uninstall-token/v1', 'sensor-update-policies:write'),
    ('GET', '/policy/combined/sensor-update-builds/v1', 'sensor-update-policies:read'),
    ('GET', '/policy/combined/sensor-update-kernels/v1', 'sensor-update-policies:read'),
    ('GET', '/sensors/combined/installers/v1', 'sensor-installers:read'),
    ('GET', '/sensors/entities/download-installer/v1', 'sensor-installers:read'),
    ('GET', '/sensors/entities/installers/v1', 'sensor-installers:read'),
    ('GET', '/sensors/queries/installers/ccid/v1', 'sensor-installers:read'),
    ('GET', '/sensors/queries/installers/v1', 'sensor-installers:read'),
]


def _spec_operations():
    for path in SPEC_FILES:
        spec = json.loads(path.read_text(encoding='utf-8'))
        for api_path, operations in spec['paths'].items():
            for method, operation in operations.items():
                scopes = [scope for rule in operation.get('security', []) for scope in rule.get('oauth2', [])]
                if scopes:
                    yield method.upper(), api_path, scopes[0]
    yield from EXTRA_SPEC_OPERATIONS


def test_the_scope_table_agrees_with_the_spec_on_every_operation():
    operations = list(_spec_operations())
    assert len(operations) > 60
    wrong = [(m, p, want, scope_for(m, p)) for m, p, want in operations if scope_for(m, p) != want]
    assert wrong == []


def test_every_scope_of_the_spec_has_its_console_name():
    assert sorted({want for _m, _p, want in _spec_operations()} - set(SCOPE_NAMES)) == []


def test_scope_is_described_as_the_console_names_it():
    assert describe_scope('devices:write') == 'devices:write (Hosts: Write)'
    assert describe_scope('prevention-policies:read') == 'prevention-policies:read (Prevention policies: Read)'


def _device(number=7, status='normal'):
    return {'device_id': '%032x' % number, 'hostname': 'host-%d' % number, 'status': status, 'platform_name': 'Linux'}


def _alert():
    return {
        'composite_id': ALERT,
        'status': 'new',
        'tags': [],
        'show_in_ui': True,
        'assigned_to_uuid': '',
        'assigned_to_uid': '',
        'assigned_to_name': '',
    }


def _scoped_api(fake, refused):
    """A session handler: the token, readable hosts/alerts, and a gateway 403 for every path in refused."""

    def handler(call):
        if call.path == '/oauth2/token':
            return fake.token_response()
        if call.path in refused:
            return fake.make_response(403, copy.deepcopy(GATEWAY_403))
        if call.path == '/devices/entities/devices/v2':
            return fake.make_response(200, fake.api_body([_device()]))
        if call.path == '/alerts/entities/alerts/v2':
            return fake.make_response(200, fake.api_body([_alert()]))
        raise AssertionError('unexpected request %s %s' % (call.method, call.path))

    return handler


@pytest.mark.parametrize(
    'module, args, refused, named',
    [
        (falcon_device_info, dict(ids=[DEVICE]), '/devices/entities/devices/v2', 'devices:read (Hosts: Read)'),
        (falcon_device_info, dict(), '/devices/queries/devices-scroll/v1', 'devices:read (Hosts: Read)'),
        (falcon_host_contain, dict(ids=[DEVICE]), '/devices/entities/devices-actions/v2', 'Hosts: Write'),
        (falcon_host_contain, dict(ids=[DEVICE]), '/devices/entities/devices/v2', 'Hosts: Read'),
        (
            falcon_policy_info,
            dict(policy_type='prevention'),
            '/policy/combined/prevention/v1',
            'prevention-policies:read (Prevention policies: Read)',
        ),
        (
            falcon_policy_info,
            dict(policy_type='sensor_update'),
            '/policy/combined/sensor-update/v2',
            'Sensor update policies: Read',
        ),
        (falcon_alert_info, dict(ids=[ALERT]), '/alerts/entities/alerts/v2', 'alerts:read (Alerts: Read)'),
        pytest.param(
            falcon_alert,
            dict(ids=[ALERT], status='in_progress'),
            '/alerts/entities/alerts/v3',
            'Alerts: Write',
        ),
    ],
)
def test_every_module_names_the_missing_scope(fake, session, module_runner, module, args, refused, named):
    session.handler = _scoped_api(fake, {refused})
    result, _out = module_runner(module, **args)
    assert result.get('failed'), result
    assert named in result['msg'] and 'Falcon console' in result['msg'], result['msg']


@pytest.fixture
def session(fake, monkeypatch):
    """A FakeSession every FalconClient of a module gets (the test sets its handler)."""
    stand_in = fake.FakeSession()
    monkeypatch.setattr(_http.requests, 'Session', lambda: stand_in)
    return stand_in


# --- item 3: values too short to be a secret are not masked everywhere ----------------------------------------


def test_one_character_token_leaves_the_message_readable(fake, session, module_runner):
    session.handler = lambda call: fake.make_response(
        401, {'errors': [{'code': 401, 'message': 'access denied, invalid bearer token'}]}
    )
    result, out = module_runner(falcon_device_info, credentials=False, access_token='a', cloud='us-1', ids=[DEVICE])
    assert result['failed']
    assert 'access token was refused' in result['msg'] and '********' not in result['msg'], result['msg']
    # The option itself is still hidden where Ansible echoes the arguments.
    invocation = result.get('invocation', {}).get('module_args', {})
    assert (
        invocation.get('access_token', 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER') == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
    )


def test_real_secrets_are_still_masked_in_results(fake, session, module_runner):
    token = 'tok-0000000001-abcdefghijklmnop'
    session.handler = lambda call: (
        fake.token_response(token=token)
        if call.path == '/oauth2/token'
        else fake.make_response(500, {'errors': [{'code': 500, 'message': 'boom %s %s' % (token, fake.CLIENT_SECRET)}]})
    )
    result, out = module_runner(falcon_device_info, ids=[DEVICE], retries=0)
    assert result['failed']
    assert token not in out and fake.CLIENT_SECRET not in out


def test_falcon_token_module_refuses_swapped_credentials(module_runner, monkeypatch):
    monkeypatch.setattr(_http.requests, 'Session', lambda: pytest.fail('no request may be made'))
    result, out = module_runner(falcon_token, client_id=REAL_SECRET, client_secret=REAL_ID)
    assert result['failed'] and 'swapped' in result['msg'] and REAL_SECRET not in out


def test_token_refusal_never_names_a_malformed_id(fake, settings_factory):
    # Settings built without from_options (its check refuses the id first): the refusal still hides the id.
    from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconAuthError

    settings = settings_factory()
    settings.client_id = 'NotAnId-TheSecretInTheWrongField00000042'
    session = fake.FakeSession().add(
        '/oauth2/token',
        fake.make_response(
            400, {'errors': [{'code': 400, 'message': 'Failed to generate access token for clientID=x.'}]}
        ),
    )
    client = _http.FalconClient(settings, session=session)
    with pytest.raises(FalconAuthError) as info:
        client.request('GET', '/devices/queries/devices/v1')
    assert 'NotAnId' not in str(info.value) and 'not shown' in str(info.value)
