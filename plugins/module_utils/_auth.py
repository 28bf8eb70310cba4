# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""TokenProvider: the token lifecycle of one client (given token, cache, minting, 308 discovery, 401 re-auth, revoke).

Internal use only. It sends through its transport (FalconClient.send) and builds answer errors with it
(FalconClient.answer_error), so retries and error texts are the same as for every other call.
"""

import time

from ansible.module_utils.six.moves.urllib.parse import urljoin, urlsplit

from ansible_collections.secops.falcon.plugins.module_utils._clouds import (
    CLOUDS,
    GOV_CLOUDS,
    cloud_for_base_url,
    region_to_cloud,
)
from ansible_collections.secops.falcon.plugins.module_utils._errors import (
    FalconApiError,
    FalconAuthError,
    FalconConfigError,
    register_secret,
    scrub,
)
from ansible_collections.secops.falcon.plugins.module_utils._options import check_url, is_client_id
from ansible_collections.secops.falcon.plugins.module_utils._token import Token
from ansible_collections.secops.falcon.plugins.module_utils._token_cache import open_token_store

try:
    from requests.auth import HTTPBasicAuth
except ImportError:  # pragma: no cover - the client refuses to start without requests
    HTTPBasicAuth = None

TOKEN_PATH = '/oauth2/token'
REVOKE_PATH = '/oauth2/revoke'
REDIRECT_STATUSES = frozenset([301, 302, 303, 307, 308])
# A redirect chain longer than this is a loop, not autodiscovery (one hop is the norm).
MAX_REDIRECTS = 3


class TokenProvider:
    """Tokens for one client's settings: which one to use, where it works, and a new one when it is refused."""

    def __init__(self, settings, transport, warn):
        self.settings = settings
        self._transport = transport
        self._warn = warn
        self._token = None
        self._store = None
        # Where calls go: the configured cloud, until a token says where it works.
        self.cloud = settings.cloud if not settings.autodiscover else None
        self.base_url = None if settings.autodiscover else settings.base_url

    @property
    def current_value(self):
        """The access token in use (for adapters to mask in results), or None."""
        return self._token.access_token if self._token is not None else None

    def token(self):
        """Return a usable Token: the given access_token, a fresh cached one, or a newly issued one."""
        if self._token is not None and (self._token.source == 'given' or self._token.fresh()):
            return self._token
        if self.settings.access_token and self._token is None:
            base = self.settings.base_url
            token = Token(
                self.settings.access_token, base, cloud=self.cloud or cloud_for_base_url(base), source='given'
            )
            return self._use(token)
        if not self.settings.has_credentials:
            raise FalconAuthError(
                'The access token has expired and no client_id/client_secret are set to issue a new one.'
            )
        token, _minted = self._token_store().get_or_mint(self._mint)
        return self._use(token)

    def issue(self):
        """Return (token, minted): a fresh cached token, or a newly issued one (minted True)."""
        if not self.settings.has_credentials:
            raise FalconConfigError('client_id and client_secret are required to issue a token.')
        token, minted = self._token_store().get_or_mint(self._mint)
        return self._use(token), minted

    def issue_live(self, accepted):
        """Return (token, minted) as issue does, but a cached token that accepted(token) rejects is replaced."""
        token, minted = self.issue()
        if minted or accepted(token):
            return token, minted
        self._token = None
        token, minted = self._token_store().get_or_mint(self._mint, reject=token.access_token)
        return self._use(token), minted

    def cached(self, include_stale=False):
        """Return the fresh cached token for these credentials (or any unexpired one with include_stale), or None.

        Never issues a token.
        """
        if not self.settings.has_credentials:
            return None
        token = self._token_store().peek(include_stale=include_stale)
        if token is not None:
            self._use(token)
        return token

    def revoke(self, access_token, base_url=None):
        """Revoke a token (HTTP Basic client id:secret, form field token); FalconApiError unless the API says 200."""
        if not self.settings.has_credentials:
            raise FalconConfigError(
                'client_id and client_secret are required to revoke a token (the API authenticates '
                'the revocation with them).'
            )
        register_secret(access_token)
        # A token can only be revoked on the cloud that issued it (gofalcon revokes on the home host).
        base = base_url or self.base_url or self.settings.base_url
        response = self._transport.send(
            'POST',
            base + REVOKE_PATH,
            idempotent=True,
            data={'token': access_token, 'client_id': self.settings.client_id},
            auth=HTTPBasicAuth(self.settings.client_id, self.settings.client_secret),
        )
        if response.status != 200:
            raise self._transport.answer_error(
                FalconApiError, 'POST', REVOKE_PATH, response, 'the API refused to revoke the token'
            )
        return response

    def forget(self, access_token=None):
        """Drop the cached token for these credentials (only if it is access_token, when given)."""
        if self.settings.has_credentials:
            self._token_store().evict(access_token)
        if self._token is not None and (access_token is None or self._token.access_token == access_token):
            self._token = None

    def _token_store(self):
        """The token store for these settings (disk cache, or this process only)."""
        if self._store is None:
            self._store = open_token_store(self.settings, self._warn)
        return self._store

    def _use(self, token):
        """Adopt token: later calls go to its base URL and cloud."""
        register_secret(token.access_token)
        self._token = token
        self.base_url = token.base_url
        if token.cloud:
            self.cloud = token.cloud
        return token

    def reauthenticate(self, token, response, method, path):
        """After a 401: drop the refused token and get another one (once); FalconAuthError if that is impossible."""
        if token.source == 'given' and not self.settings.has_credentials:
            raise self._transport.answer_error(
                FalconAuthError,
                method,
                path,
                response,
                'the access token was refused: it expired, was revoked, or belongs to '
                'another cloud than %s (set cloud or base_url to the cloud that issued '
                'it)' % token.base_url,
            )
        self._token = None
        new, _minted = self._token_store().get_or_mint(self._mint, reject=token.access_token)
        return self._use(new)

    def _mint(self):
        """POST /oauth2/token (following the 308 of autodiscovery) and return the new Token."""
        settings = self.settings
        form = {'client_id': settings.client_id, 'client_secret': settings.client_secret}
        if settings.member_cid:
            form['member_cid'] = settings.member_cid
        url = settings.base_url + TOKEN_PATH
        issued_at = time.time()
        redirect_region = None
        for _hop in range(MAX_REDIRECTS + 1):
            response = self._transport.send('POST', url, idempotent=True, data=form)
            if response.status not in REDIRECT_STATUSES:
                break
            url = self._redirect_target(url, response)
            redirect_region = response.headers.get('X-Cs-Region')
        else:
            raise FalconAuthError(
                'The token endpoint redirected more than %d times (last to %s): giving up.' % (MAX_REDIRECTS, url)
            )
        if response.status not in (200, 201):
            raise self._token_error(response, url)
        body = response.body
        access_token = body.get('access_token')
        if not response.is_json or not isinstance(access_token, str) or not access_token:
            raise FalconAuthError(
                'The token endpoint %s answered HTTP %s without an access_token (%s).'
                % (url, response.status, response.content_type if not response.is_json else 'JSON body'),
                status=response.status,
                trace_id=response.trace_id,
            )
        register_secret(access_token)
        base_url = url[: -len(TOKEN_PATH)]
        cloud = (
            region_to_cloud(response.headers.get('X-Cs-Region'))
            or cloud_for_base_url(base_url)
            or region_to_cloud(redirect_region)
            or (None if settings.autodiscover else settings.cloud)
        )
        expires_in = body.get('expires_in')
        if not isinstance(expires_in, int) or isinstance(expires_in, bool) or expires_in <= 0:
            expires_in = None
        return Token(
            access_token,
            base_url,
            cloud=cloud,
            token_type=body.get('token_type') or 'bearer',
            expires_in=expires_in,
            issued_at=issued_at,
            source='issued',
        )

    def _redirect_target(self, url, response):
        """Where a token-endpoint redirect sends us (autodiscovery); FalconAuthError when it must not be followed."""
        region = response.headers.get('X-Cs-Region')
        home = region_to_cloud(region)
        if not self.settings.autodiscover:
            raise FalconAuthError(
                'This API client belongs to another cloud (%s) than the one configured (%s): set cloud to '
                '%s, or to autodiscover.' % (region or 'unknown', self.settings.cloud, home or 'its cloud'),
                status=response.status,
                trace_id=response.trace_id,
            )
        if home in GOV_CLOUDS:
            raise FalconAuthError(
                'The token endpoint redirected to GovCloud (%s), which is never autodiscovered: set cloud '
                'to %s.' % (region, home),
                status=response.status,
                trace_id=response.trace_id,
            )
        location = response.headers.get('Location')
        if location:
            target = urljoin(url, location)
        elif home:
            target = CLOUDS[home] + TOKEN_PATH
        else:
            raise FalconAuthError(
                'The token endpoint answered HTTP %s without Location or X-Cs-Region: cannot find the '
                'home cloud of this API client; set cloud.' % response.status,
                status=response.status,
                trace_id=response.trace_id,
            )
        if urlsplit(target).path.rstrip('/') != TOKEN_PATH:
            raise FalconAuthError(
                'The token endpoint redirected to %s, which is not a token endpoint: set cloud or base_url.'
                % scrub(target.split('?', 1)[0]),
                status=response.status,
            )
        target = target.split('?', 1)[0]
        base = target[: -len(TOKEN_PATH)]
        # The client secret is re-posted to the target: only to a real cloud, or from a custom base_url (emulator,
        # gateway) to the same host by the same scheme (another port is another cloud of the same gateway); never
        # from a real cloud to anywhere else.
        if self.settings.custom_base_url:
            refusal = _other_host(self.settings.base_url, base)
            if refusal:
                raise FalconAuthError(
                    'The token endpoint redirected to %s, %s than base_url %s: refusing to send the client secret '
                    'there.' % (scrub(base), refusal, self.settings.base_url),
                    status=response.status,
                )
            try:
                check_url(base, what='The token endpoint redirected to')
            except FalconConfigError as err:
                raise FalconAuthError(err.message, status=response.status)
        elif cloud_for_base_url(base) is None:
            raise FalconAuthError(
                'The token endpoint redirected to %s, which is not a Falcon cloud: refusing to send the '
                'client secret there.' % base,
                status=response.status,
            )
        return target

    def _token_error(self, response, url):
        """The FalconAuthError for a refused token request, with the reason and hint that fit the answer
        (API behaviour 9.5)."""
        settings = self.settings
        base = url[: -len(TOKEN_PATH)]
        said = ' '.join(str(item.get('message') or '') for item in response.errors if isinstance(item, dict)).lower()
        reason, hints = None, []
        if response.status in (400, 403) and settings.member_cid and 'customer id' in said:
            reason = 'member_cid %s is not a member (child) CID of this parent API client' % settings.member_cid
            hints.append('Check member_cid: use the CID of a child of this Flight Control parent.')
        elif response.status == 400 and 'clientid' in said:
            # "Failed to generate access token for clientID=...": this cloud has no API client with this id.
            reason = 'this cloud has no API client with this id'
            hints.append('Check client_id.')
            if settings.autodiscover and not settings.custom_base_url:
                hints.append('A GovCloud client is never autodiscovered: set cloud to us-gov-1 or us-gov-2.')
        elif response.status == 403:
            # A wrong secret for a known client id (a regenerated secret replaces the old one).
            reason = 'the client secret is wrong, or the API client is disabled or not allowed from this address'
            hints.append('Check client_secret and the API client in the Falcon console.')
        elif response.status in (400, 401):
            hints.append(
                'Check client_id and client_secret, and that the API client is enabled and allowed from this address.'
            )
        # ConnectionSettings.from_options refuses a malformed id; settings built otherwise still never show one.
        shown_id = settings.client_id if is_client_id(settings.client_id) else '(not shown: not a client id)'
        message = 'Falcon refused to issue a token for client_id %s at %s' % (shown_id, base)
        err = self._transport.answer_error(FalconAuthError, 'POST', TOKEN_PATH, response, reason, prefix=message)
        err.hint = ' '.join(hints) or None
        return err


def _other_host(configured, target):
    """How target differs from the configured base URL in where the secret would go (None when it does not)."""
    want, got = urlsplit(configured), urlsplit(target)
    if (got.hostname or '').lower() != (want.hostname or '').lower():
        return 'another host'
    if got.scheme.lower() != want.scheme.lower():
        return 'another scheme'
    return None
