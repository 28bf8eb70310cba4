"""OAuth2: POST /oauth2/token (201 / 400 / 403 / 308 region redirect), POST /oauth2/revoke and bearer token checks."""

import base64
import binascii
import hmac
import re
import secrets
import threading
import time
import urllib.parse

from .clients import CLIENTS_BY_ID
from .config import GOV_CLOUDS
from .envelope import GATEWAY, ApiError, Response, meta

CSAM = 'csam'  # the token service's powered_by (API behaviour 1.1)
NOT_AUTHORIZED = 'Failed to issue access token - Not Authorized'
INVALID_BEARER = 'access denied, invalid bearer token'
UNKNOWN_CLIENT = 'Failed to generate access token for clientID=%s.'
BARE_CID = re.compile(r'\A[0-9a-f]{32}\Z')


def same_secret(given, expected):
    """Constant-time comparison that accepts any text (secrets.compare_digest refuses non-ASCII str)."""
    return hmac.compare_digest((given or '').encode('utf-8', 'replace'), expected.encode('utf-8'))


class TokenInfo:
    """What the emulator knows about one issued token."""

    __slots__ = ('client', 'cid', 'cloud', 'expires_at', 'revoked')

    def __init__(self, client, cid, cloud, expires_at):
        self.client = client
        self.cid = cid
        self.cloud = cloud
        self.expires_at = expires_at
        self.revoked = False


class TokenStore:
    """Issued tokens: opaque strings bound to client, CID and the cloud (listener) that issued them."""

    def __init__(self):
        self._tokens = {}
        self._lock = threading.Lock()

    def issue(self, client, cid, cloud, lifetime):
        """Mint a token; real tokens are JWTs of about 1000 characters, so ours are long too."""
        token = 'eyJ' + secrets.token_urlsafe(720)
        now = time.time()
        with self._lock:
            if len(self._tokens) >= 10000:  # long benchmark runs: forget dead tokens (they answer 401 either way)
                self._tokens = {k: v for k, v in self._tokens.items() if not v.revoked and v.expires_at > now}
            self._tokens[token] = TokenInfo(client, cid, cloud, now + lifetime)
        return token

    def lookup(self, token, cloud):
        """Return the TokenInfo of a live token of this cloud, else None (revoked/expired/foreign look the same)."""
        with self._lock:
            info = self._tokens.get(token)
        if info is None or info.revoked or info.expires_at <= time.time() or info.cloud != cloud:
            return None
        return info

    def revoke(self, token, client, cloud):
        """Revoke token if this client issued it on this cloud; return whether a live token was revoked."""
        with self._lock:
            info = self._tokens.get(token)
            if info is None or info.revoked or info.client.client_id != client.client_id or info.cloud != cloud:
                return False
            info.revoked = True
            return info.expires_at > time.time()

    def revoke_all(self):
        """Revoke every token (tests of a token revoked mid-play)."""
        with self._lock:
            for info in self._tokens.values():
                info.revoked = True


def parse_form(request):
    """Decode an application/x-www-form-urlencoded body into a dict of first values."""
    try:
        text = request.body.decode('utf-8') if request.body else ''
    except UnicodeDecodeError:
        raise ApiError(400, 'request body is not valid UTF-8 form data', powered_by=CSAM, bare=True) from None
    return {k: v[0] for k, v in urllib.parse.parse_qs(text, keep_blank_values=True).items()}


def basic_credentials(request):
    """Return (id, secret) from an 'Authorization: Basic ...' header (scheme case-insensitive), else (None, None)."""
    header = request.headers.get('authorization', '')
    scheme, _sep, value = header.partition(' ')
    if scheme.lower() != 'basic' or not value.strip():
        return None, None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode('utf-8')
    except (binascii.Error, ValueError):  # ValueError: non-ASCII header text; UnicodeDecodeError is one too
        return None, None
    client_id, sep, secret = decoded.partition(':')
    return (client_id, secret) if sep else (None, None)


def region_header(app, request, cloud):
    """X-Cs-Region of an answer, unless it must be hidden from FalconPy (see EmulatorConfig.region_header)."""
    mode = app.config.region_header
    agent = request.headers.get('user-agent', '').lower()
    if mode == 'never' or (mode == 'auto' and agent.startswith('crowdstrike-falconpy')):
        return {}
    return {'X-Cs-Region': cloud}


def token(app, request):
    """POST /oauth2/token: form fields or HTTP Basic; grant_type is ignored (API behaviour 1.1)."""
    form = parse_form(request)
    client_id, secret = form.get('client_id'), form.get('client_secret')
    if not client_id:
        client_id, secret = basic_credentials(request)
    app.counters.token_request(client_id)
    app.check_token_rate(request)
    client = CLIENTS_BY_ID.get(client_id or '')
    if client is not None and client.cloud != request.cloud:
        if (client.cloud in GOV_CLOUDS) != (request.cloud in GOV_CLOUDS) or client.cloud in GOV_CLOUDS:
            # No redirect across the commercial/gov boundary (FalconPy's region tests expect 400 or 403).
            raise ApiError(app.config.bad_credentials_status, NOT_AUTHORIZED, powered_by=CSAM, bare=True)
        # The wrong commercial cloud redirects to the home cloud (API behaviour 1.3, inferred); clients re-POST the
        # form.
        return Response(308, {}, {'Location': app.url_for(client.cloud) + '/oauth2/token', 'X-Cs-Region': client.cloud})
    if client is None:
        # An unknown client id answers 400 naming it; a wrong secret for a known one 403 (API behaviour 9.5).
        raise ApiError(app.config.unknown_client_status, UNKNOWN_CLIENT % (client_id or ''), powered_by=CSAM, bare=True)
    if not secret or not same_secret(secret, client.client_secret):
        raise ApiError(app.config.bad_credentials_status, NOT_AUTHORIZED, powered_by=CSAM, bare=True)
    cid = client.cid
    if 'member_cid' in form:
        cid = _member_cid(client, form['member_cid'])
    lifetime = int(app.config.token_lifetime)
    access_token = app.tokens.issue(client, cid, request.cloud, lifetime)
    body = {'access_token': access_token, 'token_type': 'bearer', 'expires_in': lifetime}
    return Response(201, body, region_header(app, request, request.cloud))


def _member_cid(client, value):
    """The child CID a parent asks for: bare lower-case 32-hex only (clients strip the console's -XX,
    API behaviour 9.6)."""
    if value and not BARE_CID.match(value):
        # UNVERIFIED wording: the API's answer to a CID in the console form (upper case, -XX checksum) is not recorded.
        raise ApiError(
            400,
            "Failed to generate access token for customer ID=%s. member_cid must be 32 lower-case "
            "hexadecimal characters without the -XX checksum" % value,
            powered_by=CSAM,
            bare=True,
        )
    if value not in client.children:
        shown = value if value else ' ""'
        raise ApiError(403, 'Failed to generate access token for customer ID=%s.' % shown, powered_by=CSAM, bare=True)
    return value


def revoke(app, request):
    """POST /oauth2/revoke: HTTP Basic id:secret plus form `token` -> 200 msa.ReplyMetaOnly."""
    client_id, secret = basic_credentials(request)
    client = CLIENTS_BY_ID.get(client_id or '')
    if client is None or not same_secret(secret, client.client_secret):
        app.counters.revocation(False)
        raise ApiError(403, 'access denied, authorization failed', powered_by=GATEWAY, gateway=True)
    form = parse_form(request)
    if not form.get('token'):
        app.counters.revocation(False)
        raise ApiError(400, 'token is required', powered_by=CSAM, bare=True)
    app.counters.revocation(app.tokens.revoke(form['token'], client, request.cloud))
    return Response(200, {'meta': meta(request, CSAM), 'errors': []})


def authenticate(app, request):
    """Check 'Authorization: Bearer <token>' (scheme case-insensitive); set request.token or raise the gateway 401."""
    scheme, _sep, value = request.headers.get('authorization', '').partition(' ')
    info = app.tokens.lookup(value.strip(), request.cloud) if scheme.lower() == 'bearer' and value.strip() else None
    if info is None:
        raise ApiError(
            401,
            INVALID_BEARER,
            powered_by=GATEWAY,
            gateway=True,
            headers={'X-Ratelimit-Limit': '15', 'X-Ratelimit-Remaining': '14'},
        )
    request.token = info
    return info


def require_scope(request, scope):
    """403 'access denied, scope not permitted' when the token's client lacks scope (API behaviour 6.3)."""
    if scope and scope not in request.token.client.scopes:
        raise ApiError(403, 'access denied, scope not permitted', powered_by=GATEWAY, gateway=True)
