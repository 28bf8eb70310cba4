"""OAuth2 token/revoke, clouds and 308 redirects, MSSP member_cid, bearer checks and scopes."""

import base64
import time

import pytest
import requests
from falcon_emulator.clients import (
    DEFAULT_CLIENT,
    EU_CLIENT,
    GOV_CLIENT,
    MSSP_CHILD_CID,
    MSSP_PARENT_CLIENT,
    NOSCOPE_CLIENT,
    READONLY_CLIENT,
)


def _basic(client_id, secret, scheme='Basic'):
    """An HTTP Basic Authorization header value."""
    return '%s %s' % (scheme, base64.b64encode(('%s:%s' % (client_id, secret)).encode()).decode())


def test_token_form_fields(falcon_emulator, api_for):
    """Form credentials give 201 bearer with expires_in, X-Cs-Region and a long opaque token."""
    api = api_for(falcon_emulator, login=False)
    reply = api.login(DEFAULT_CLIENT)
    assert reply.status_code == 201
    body = reply.json()
    assert body['token_type'] == 'bearer'
    assert body['expires_in'] == 1799
    assert len(body['access_token']) >= 300
    assert reply.headers['X-Cs-Region'] == 'us-1'
    assert reply.headers['Server'] == 'nginx'
    assert falcon_emulator.counters()['token_requests'] == {DEFAULT_CLIENT.client_id: 1}


def test_token_http_basic(falcon_emulator, api_for):
    """HTTP Basic credentials (gofalcon's x/oauth2 default) work too; grant_type is ignored."""
    api = api_for(falcon_emulator, login=False)
    reply = api.call(
        'POST',
        '/oauth2/token',
        data={'grant_type': 'client_credentials'},
        headers={'Authorization': _basic(DEFAULT_CLIENT.client_id, DEFAULT_CLIENT.client_secret)},
    )
    assert reply.status_code == 201


def test_wrong_secret_403_csam(falcon_emulator, api_for):
    """A wrong secret for a known client id: 403 from csam, no resources key."""
    api = api_for(falcon_emulator, login=False)
    reply = api.call('POST', '/oauth2/token', data={'client_id': DEFAULT_CLIENT.client_id, 'client_secret': 'wrong'})
    assert reply.status_code == 403
    body = reply.json()
    assert 'resources' not in body
    assert body['meta']['powered_by'] == 'csam'
    assert body['errors'] == [{'code': 403, 'message': 'Failed to issue access token - Not Authorized'}]
    assert body['meta']['trace_id'] == reply.headers['X-Cs-Traceid']


@pytest.mark.parametrize('client_id', ['0' * 32, 'not-a-client', ''])
def test_unknown_client_400(falcon_emulator, api_for, client_id):
    """An unknown client id answers 400 'Failed to generate access token for clientID=<id>.' (API behaviour 9.5)."""
    api = api_for(falcon_emulator, login=False)
    reply = api.call('POST', '/oauth2/token', data={'client_id': client_id, 'client_secret': 'whatever'})
    assert reply.status_code == 400
    body = reply.json()
    assert 'resources' not in body and body['meta']['powered_by'] == 'csam'
    assert body['errors'] == [{'code': 400, 'message': 'Failed to generate access token for clientID=%s.' % client_id}]


def test_unknown_client_status_configurable(falcon_emulator, api_for):
    """unknown_client_status=403 gives the older answer; a wrong secret keeps bad_credentials_status."""
    falcon_emulator.configure(unknown_client_status=403)
    api = api_for(falcon_emulator, login=False)
    assert api.call('POST', '/oauth2/token', data={'client_id': 'x', 'client_secret': 'y'}).status_code == 403
    with pytest.raises(ValueError, match='unknown_client_status'):
        falcon_emulator.configure(unknown_client_status=500)


def test_bad_credentials_status_configurable(falcon_emulator, api_for):
    """bad_credentials_status switches the answer to 401 (both are seen in the wild)."""
    falcon_emulator.configure(bad_credentials_status=401)
    api = api_for(falcon_emulator, login=False)
    assert (
        api.call(
            'POST', '/oauth2/token', data={'client_id': DEFAULT_CLIENT.client_id, 'client_secret': 'y'}
        ).status_code
        == 401
    )
    assert api.call('POST', '/oauth2/token', data={'client_id': 'x', 'client_secret': 'y'}).status_code == 400


def test_wrong_commercial_cloud_redirects_308(falcon_emulator, api_for):
    """An eu-1 client on us-1 gets 308 to eu-1 with X-Cs-Region; following it gives the token."""
    api = api_for(falcon_emulator, login=False)
    form = {'client_id': EU_CLIENT.client_id, 'client_secret': EU_CLIENT.client_secret}
    reply = api.call('POST', '/oauth2/token', data=form, allow_redirects=False)
    assert reply.status_code == 308
    assert reply.headers['Location'] == falcon_emulator.url_for('eu-1') + '/oauth2/token'
    assert reply.headers['X-Cs-Region'] == 'eu-1'
    assert reply.json() == {}
    followed = api.call('POST', '/oauth2/token', data=form)
    assert followed.status_code == 201
    assert [r.status_code for r in followed.history] == [308]
    assert followed.headers['X-Cs-Region'] == 'eu-1'


@pytest.mark.parametrize(
    'client, cloud', [(GOV_CLIENT, 'us-1'), (DEFAULT_CLIENT, 'us-gov-1'), (GOV_CLIENT, 'us-gov-2')]
)
def test_no_redirect_across_gov_boundary(falcon_emulator, api_for, client, cloud):
    """Commercial <-> gov: 403, never a redirect."""
    api = api_for(falcon_emulator, cloud=cloud, login=False)
    reply = api.call(
        'POST',
        '/oauth2/token',
        data={'client_id': client.client_id, 'client_secret': client.client_secret},
        allow_redirects=False,
    )
    assert reply.status_code == 403
    assert 'Location' not in reply.headers


def test_gov_client_on_home_cloud(falcon_emulator, api_for):
    """The gov client gets its token on us-gov-1 and sees its own CID's hosts."""
    api = api_for(falcon_emulator, client=GOV_CLIENT, cloud='us-gov-1')
    ids = api.get('/devices/queries/devices/v1', params={'limit': 1}).json()['resources']
    assert ids[0] in {d['device_id'] for d in falcon_emulator.devices(GOV_CLIENT.cid)}


@pytest.mark.parametrize(
    'agent, mode, expected',
    [
        ('crowdstrike-falconpy/1.6.6', 'auto', None),
        ('secops-falcon/0.1.0', 'auto', 'us-1'),
        ('crowdstrike-falconpy/1.6.6', 'always', 'us-1'),
        ('secops-falcon/0.1.0', 'never', None),
    ],
)
def test_region_header_modes(falcon_emulator, api_for, agent, mode, expected):
    """X-Cs-Region is hidden from FalconPy in 'auto' so it never swaps the base URL for a real cloud."""
    falcon_emulator.configure(region_header=mode)
    api = api_for(falcon_emulator, login=False)
    reply = api.call(
        'POST',
        '/oauth2/token',
        headers={'User-Agent': agent},
        data={'client_id': DEFAULT_CLIENT.client_id, 'client_secret': DEFAULT_CLIENT.client_secret},
    )
    assert reply.status_code == 201
    assert reply.headers.get('X-Cs-Region') == expected


@pytest.mark.parametrize(
    'agent, mode, expected',
    [
        ('secops-falcon/0.1.0', 'auto', 'eu-1'),
        ('crowdstrike-falconpy/1.6.6', 'auto', None),
        ('secops-falcon/0.1.0', 'never', None),
    ],
)
def test_region_header_on_ordinary_answers(falcon_emulator, api_for, agent, mode, expected):
    """X-Cs-Region is on ordinary API answers too (API behaviour 9.5), errors included, with the same FalconPy
    exception."""
    falcon_emulator.configure(region_header=mode)
    api = api_for(falcon_emulator, client=EU_CLIENT, cloud='eu-1')
    headers = {'User-Agent': agent}
    assert api.get('/devices/queries/devices/v1', headers=headers).headers.get('X-Cs-Region') == expected
    assert (
        api.get('/devices/queries/devices/v1', headers=dict(headers, Authorization='Bearer x')).headers.get(
            'X-Cs-Region'
        )
        == expected
    )


def test_mssp_member_cid(falcon_emulator, api_for):
    """A parent acting for its child (the bare lower-case CID) sees the child's hosts only."""
    api = api_for(falcon_emulator, login=False)
    assert api.login(MSSP_PARENT_CLIENT, member_cid=MSSP_CHILD_CID).status_code == 201
    ids = set(api.get('/devices/queries/devices/v1', params={'limit': 5000}).json()['resources'])
    assert ids == {d['device_id'] for d in falcon_emulator.devices(MSSP_CHILD_CID)}
    assert not ids & {d['device_id'] for d in falcon_emulator.devices(MSSP_PARENT_CLIENT.cid)}


@pytest.mark.parametrize(
    'client, member, shown',
    [
        (MSSP_PARENT_CLIENT, 'ffffffffffffffffffffffffffffffff', 'ffffffffffffffffffffffffffffffff'),
        (DEFAULT_CLIENT, MSSP_CHILD_CID, MSSP_CHILD_CID),
        (MSSP_PARENT_CLIENT, '', ' ""'),
    ],
)
def test_bad_member_cid(falcon_emulator, api_for, client, member, shown):
    """A CID that is not a child of the caller: 403 naming it."""
    api = api_for(falcon_emulator, login=False)
    reply = api.login(client, member_cid=member)
    assert reply.status_code == 403
    assert reply.json()['errors'][0]['message'] == 'Failed to generate access token for customer ID=%s.' % shown


@pytest.mark.parametrize(
    'member',
    [
        MSSP_CHILD_CID.upper(),
        MSSP_CHILD_CID + '-7f',
        MSSP_CHILD_CID.upper() + '-7F',
        ' ' + MSSP_CHILD_CID,
        MSSP_CHILD_CID[:31],
        'c1d\u00e9' + MSSP_CHILD_CID[4:],
    ],
)
def test_member_cid_console_form_is_refused(falcon_emulator, api_for, member):
    """The console form (upper case, -XX checksum) or anything but 32 lower-case hex: 400 naming the value."""
    api = api_for(falcon_emulator, login=False)
    reply = api.login(MSSP_PARENT_CLIENT, member_cid=member)
    assert reply.status_code == 400
    assert reply.json()['errors'][0]['message'].startswith(
        'Failed to generate access token for customer ID=%s.' % member
    )
    assert 'resources' not in reply.json()


ODD_TOKEN_REQUESTS = [
    {'data': {'client_id': DEFAULT_CLIENT.client_id, 'client_secret': 'S\u00e9cret-\u2603-\U0001f600'}},
    {'data': {'client_id': 'cl\u00eent', 'client_secret': '\u00e9'}},
    {'data': 'client_id=%s&client_secret=%%ff%%fe' % DEFAULT_CLIENT.client_id},
    {'data': 'client_id=%ff&client_secret=%00'},
    {'data': b'client_id=\xff\xfe&client_secret=\xe9'},
    {'data': {'client_id': DEFAULT_CLIENT.client_id, 'client_secret': 'x' * 100000}},
    {
        'data': {
            'client_id': MSSP_PARENT_CLIENT.client_id,
            'client_secret': MSSP_PARENT_CLIENT.client_secret,
            'member_cid': '\u00e9\u00e9',
        }
    },
    {'json': {'client_id': DEFAULT_CLIENT.client_id, 'client_secret': DEFAULT_CLIENT.client_secret}},
    {'data': 'client_id&client_secret&&&=='},
    {'headers': {'Authorization': 'Basic \u00e9\u00e9\u00e9'.encode('utf-8')}},
    {'headers': {'Authorization': 'Basic ' + base64.b64encode(b'\xff\xfe:\xe9').decode()}},
    {'headers': {'Authorization': _basic(DEFAULT_CLIENT.client_id, 'S\u00e9cret')}},
    {'headers': {'Authorization': 'Basic'}},
    {},
]


@pytest.mark.parametrize('kwargs', ODD_TOKEN_REQUESTS)
def test_odd_token_requests_never_500(falcon_emulator, api_for, kwargs, capsys):
    """Non-ASCII secrets, broken encodings, JSON bodies, bad Basic headers: a 400/403 envelope, never a 500."""
    api = api_for(falcon_emulator, login=False)
    reply = api.call('POST', '/oauth2/token', **kwargs)
    assert reply.status_code in (400, 403), reply.text
    body = reply.json()
    assert body['errors'][0]['code'] == reply.status_code and body['meta']['powered_by'] == 'csam'
    assert 'Traceback' not in reply.text and 'Traceback' not in capsys.readouterr().err


@pytest.mark.parametrize('secret', ['S\u00e9cret', '\u2603'])
def test_odd_revoke_requests_never_500(falcon_emulator, api_for, secret):
    """Revoke with a non-ASCII secret in HTTP Basic: 403, not a 500."""
    api = api_for(falcon_emulator, login=False)
    reply = api.call(
        'POST',
        '/oauth2/revoke',
        data={'token': 'x'},
        headers={'Authorization': _basic(DEFAULT_CLIENT.client_id, secret)},
    )
    assert reply.status_code == 403


def _gateway_401(reply):
    """Assert the gateway's 401 shape."""
    assert reply.status_code == 401
    body = reply.json()
    assert 'resources' not in body
    assert body['errors'] == [{'code': 401, 'message': 'access denied, invalid bearer token'}]
    assert body['meta']['powered_by'] == 'crowdstrike-api-gateway'


def test_missing_garbage_and_lowercase_bearer(falcon_emulator, api):
    """No token or a garbage token: 401; a lowercase 'bearer' scheme is accepted (PSFalcon sends it)."""
    path = '/devices/queries/devices/v1'
    _gateway_401(api.get(path, headers={'Authorization': ''}))
    _gateway_401(api.get(path, headers={'Authorization': 'Bearer nope'}))
    assert api.get(path, headers={'Authorization': 'bearer ' + api.token}).status_code == 200
    assert falcon_emulator.counters()['calls'][('GET ' + path)] == 3


def test_token_of_another_cloud_is_401(falcon_emulator, api_for):
    """A us-1 token used on us-2 is rejected (falconpy #130)."""
    api = api_for(falcon_emulator)
    other = api_for(falcon_emulator, cloud='us-2', login=False)
    other.token = api.token
    _gateway_401(other.get('/devices/queries/devices/v1'))


def test_expired_token_is_401(emulator_factory, api_for):
    """A token past expires_in is rejected."""
    emulator = emulator_factory(hosts=5, token_lifetime=1)
    api = api_for(emulator)
    assert api.login().json()['expires_in'] == 1
    time.sleep(1.1)
    _gateway_401(api.get('/devices/queries/devices/v1'))


def test_revoke_with_basic_auth(falcon_emulator, api):
    """POST /oauth2/revoke with lowercase 'basic' id:secret and form token: 200, then the token is dead."""
    reply = api.call(
        'POST',
        '/oauth2/revoke',
        data={'token': api.token},
        auth_header=False,
        headers={'Authorization': _basic(DEFAULT_CLIENT.client_id, DEFAULT_CLIENT.client_secret, 'basic')},
    )
    assert reply.status_code == 200
    assert reply.json()['errors'] == []
    _gateway_401(api.get('/devices/queries/devices/v1'))
    counters = falcon_emulator.counters()
    assert counters['revocations'] == 1
    assert counters['revoked_tokens'] == 1


def test_revoke_needs_client_credentials(falcon_emulator, api):
    """Revoke without valid Basic credentials is refused and the token stays valid."""
    reply = api.call(
        'POST',
        '/oauth2/revoke',
        data={'token': api.token},
        auth_header=False,
        headers={'Authorization': _basic(DEFAULT_CLIENT.client_id, 'wrong')},
    )
    assert reply.status_code == 403
    assert api.get('/devices/queries/devices/v1').status_code == 200
    del falcon_emulator


def test_revoke_all_tokens(falcon_emulator, api):
    """revoke_all_tokens() kills live tokens (a token revoked mid-play)."""
    falcon_emulator.revoke_all_tokens()
    _gateway_401(api.get('/devices/queries/devices/v1'))


@pytest.mark.parametrize(
    'client, path, method, status',
    [
        (READONLY_CLIENT, '/devices/queries/devices/v1', 'GET', 200),
        (READONLY_CLIENT, '/devices/entities/devices-actions/v2?action_name=contain', 'POST', 403),
        (NOSCOPE_CLIENT, '/devices/queries/devices/v1', 'GET', 403),
        (NOSCOPE_CLIENT, '/policy/queries/prevention/v1', 'GET', 403),
        (NOSCOPE_CLIENT, '/settings/entities/policy/v1', 'GET', 403),
    ],
)
def test_scopes(falcon_emulator, api_for, client, path, method, status):
    """Calls outside the client's scopes get 403 'access denied, scope not permitted' (no resources key)."""
    api = api_for(falcon_emulator, client=client)
    reply = api.call(method, path, json={'ids': ['0' * 32]})
    assert reply.status_code == status
    if status == 403:
        assert reply.json()['errors'] == [{'code': 403, 'message': 'access denied, scope not permitted'}]
        assert 'resources' not in reply.json()


def test_every_response_has_the_envelope_headers(falcon_emulator, api):
    """Server nginx, X-Cs-Traceid = meta.trace_id and the rate limit pair on success and error."""
    for reply in (api.get('/devices/queries/devices/v1'), api.get('/nope'), api.login()):
        assert reply.headers['Server'] == 'nginx'
        assert int(reply.headers['X-Ratelimit-Limit']) > 0
        assert 'X-Ratelimit-Remaining' in reply.headers
        if reply.status_code != 201:
            assert reply.json()['meta']['trace_id'] == reply.headers['X-Cs-Traceid']
    del falcon_emulator


def test_admin_endpoints_over_http(falcon_emulator, api):
    """The /_emulator/ controls work without a token on every listener."""
    api.get('/devices/queries/devices/v1')
    plain = requests.Session()
    plain.trust_env = False
    base = falcon_emulator.url_for('eu-1')
    assert plain.get(base + '/_emulator/counters').json()['calls']['GET /devices/queries/devices/v1'] == 1
    assert plain.post(base + '/_emulator/reset').json() == {'reset': True}
    assert plain.get(base + '/_emulator/counters').json()['calls_total'] == 0
    reply = plain.post(base + '/_emulator/config', json={'containment_delay': 0, 'token_lifetime': 60})
    assert reply.status_code == 200
    assert api.login().json()['expires_in'] == 60
    bad = plain.post(base + '/_emulator/config', json={'token_lifetime': 'long'})
    assert bad.status_code == 400 and 'token_lifetime' in bad.json()['error']
    assert plain.post(base + '/_emulator/config', json={'nope': 1}).status_code == 400
    devices = plain.get(base + '/_emulator/devices', params={'cid': DEFAULT_CLIENT.cid}).json()['devices']
    assert len(devices) == 50
    assert 'unknown CID' in plain.get(base + '/_emulator/devices', params={'cid': 'f' * 32}).json()['error']
    assert plain.post(base + '/_emulator/revoke-all').status_code == 200
    assert api.get('/devices/queries/devices/v1').status_code == 401
    plain.close()
