"""FalconPy OAuth2 against the emulator: token, reuse, revoke, failures and the region header hazard."""

from falcon_emulator.clients import DEFAULT_CLIENT, EU_CLIENT, MSSP_CHILD_CID, MSSP_PARENT_CLIENT
from falconpy import Hosts, OAuth2


def test_token_is_issued_and_reused(falcon_emulator, falcon_auth):
    """One token request serves many calls; the custom base_url is kept."""
    hosts = Hosts(auth_object=falcon_auth)
    for _unused in range(3):
        assert hosts.query_devices_by_filter(limit=1)['status_code'] == 200
    counters = falcon_emulator.counters()
    assert counters['token_requests'] == {DEFAULT_CLIENT.client_id: 1}
    assert counters['calls']['GET /devices/queries/devices/v1'] == 3
    assert falcon_auth.token_status == 201
    assert len(falcon_auth.token_value) >= 300


def test_revoke_then_401(falcon_emulator, falcon_auth):
    """revoke(token) answers 200 and the token is dead afterwards (FalconPy does not retry a 401)."""
    token = falcon_auth.token_value
    assert falcon_auth.revoke(token)['status_code'] == 200
    assert falcon_emulator.counters()['revoked_tokens'] == 1
    reply = Hosts(access_token=token, base_url=falcon_emulator.url).query_devices_by_filter(limit=1)
    assert reply['status_code'] == 401
    assert reply['body']['errors'][0]['message'] == 'access denied, invalid bearer token'


def test_logout(falcon_emulator, falconpy_login):
    """logout() revokes the current token with HTTP Basic client credentials."""
    auth = falconpy_login(falcon_emulator)
    assert auth.logout()['status_code'] == 200
    assert falcon_emulator.counters()['revoked_tokens'] == 1


def test_bad_secret(falcon_emulator, lookups):
    """A wrong secret: FalconPy records 403 and the API's message."""
    auth = OAuth2(client_id=DEFAULT_CLIENT.client_id, client_secret='wrong', base_url=falcon_emulator.url)
    result = auth.token()
    assert result['status_code'] == 403
    assert auth.token_fail_reason == 'Failed to issue access token - Not Authorized'
    del lookups


def test_unknown_client_id_is_400(falcon_emulator, lookups):
    """An unknown client id: FalconPy records 400 and 'Failed to generate access token for clientID=...'
    (API behaviour 9.5)."""
    auth = OAuth2(client_id='0' * 32, client_secret='whatever', base_url=falcon_emulator.url)
    assert auth.token()['status_code'] == 400
    assert auth.token_status == 400
    assert auth.token_fail_reason == 'Failed to generate access token for clientID=%s.' % ('0' * 32)
    del lookups


def test_non_ascii_secret_is_403(falcon_emulator, lookups):
    """A non-ASCII secret for a known client is a wrong secret (403), never a server error."""
    auth = OAuth2(client_id=DEFAULT_CLIENT.client_id, client_secret='S\u00e9cret-\u2603', base_url=falcon_emulator.url)
    assert auth.token()['status_code'] == 403
    assert auth.token_fail_reason == 'Failed to issue access token - Not Authorized'
    del lookups


def test_member_cid_console_form_is_refused(falcon_emulator, lookups):
    """FalconPy sends member_cid as given: the console form (upper case, -XX) answers 400 naming it
    (API behaviour 9.6)."""
    console = MSSP_CHILD_CID.upper() + '-7F'
    auth = OAuth2(
        client_id=MSSP_PARENT_CLIENT.client_id,
        client_secret=MSSP_PARENT_CLIENT.client_secret,
        base_url=falcon_emulator.url,
        member_cid=console,
    )
    assert auth.token()['status_code'] == 400
    assert console in auth.token_fail_reason
    del lookups


def test_token_revoked_mid_play_gives_401(falcon_emulator, falcon_auth):
    """A token revoked server-side (revoke_all_tokens) makes FalconPy's next call a 401."""
    hosts = Hosts(auth_object=falcon_auth)
    assert hosts.query_devices_by_filter(limit=1)['status_code'] == 200
    falcon_emulator.revoke_all_tokens()
    assert hosts.query_devices_by_filter(limit=1)['status_code'] == 401


def test_mssp_member_cid(falcon_emulator, falconpy_login):
    """member_cid is sent by FalconPy and binds the token to the child CID."""
    auth = falconpy_login(falcon_emulator, client=MSSP_PARENT_CLIENT, member_cid=MSSP_CHILD_CID)
    ids = Hosts(auth_object=auth).query_devices_by_filter(limit=5000)['body']['resources']
    assert set(ids) == {d['device_id'] for d in falcon_emulator.devices(MSSP_CHILD_CID)}


def test_redirect_is_followed_but_base_url_kept(falcon_emulator, lookups):
    """FalconPy follows the 308 to eu-1; with X-Cs-Region hidden it keeps its configured URL (no real cloud)."""
    auth = OAuth2(client_id=EU_CLIENT.client_id, client_secret=EU_CLIENT.client_secret, base_url=falcon_emulator.url)
    assert auth.token()['status_code'] == 201
    assert auth.base_url == falcon_emulator.url
    assert falcon_emulator.counters()['calls']['POST /oauth2/token'] == 2
    del lookups


def test_region_header_would_send_falconpy_to_the_real_cloud(falcon_emulator):
    """Why region_header='auto' exists: with the header FalconPy swaps base_url for the real eu-1 URL.

    No request is made after the swap, so nothing ever resolves the real name.
    """
    falcon_emulator.configure(region_header='always')
    auth = OAuth2(
        client_id=EU_CLIENT.client_id, client_secret=EU_CLIENT.client_secret, base_url=falcon_emulator.url_for('us-2')
    )
    assert auth.token()['status_code'] == 201
    assert auth.base_url == 'https://api.eu-1.crowdstrike.com'
