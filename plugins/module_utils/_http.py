# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FalconClient: the transport to the Falcon API (retries, deadlines, body limits, proxies, TLS). Internal use only.

The token lifecycle (given token, cache, minting, 308 discovery, 401 re-auth, revocation) is _auth.TokenProvider's:
the client asks it for a token before each call and hands it a 401.
"""

from __future__ import annotations

import time
import traceback

from ansible.module_utils.six.moves.urllib.parse import urlsplit

from ansible_collections.secops.falcon.plugins.module_utils._auth import TokenProvider
from ansible_collections.secops.falcon.plugins.module_utils._environment import proxies_for, tls_verify
from ansible_collections.secops.falcon.plugins.module_utils._errors import (
    FalconApiError,
    FalconAuthError,
    FalconConfigError,
    FalconConnectionError,
    scrub,
)
from ansible_collections.secops.falcon.plugins.module_utils._options import ConnectionSettings
from ansible_collections.secops.falcon.plugins.module_utils._response import FalconResponse
from ansible_collections.secops.falcon.plugins.module_utils._retry import (
    RATE_LIMITED,
    RETRY_BUDGET,
    RETRY_STATUSES,
    backoff,
    rate_limit_wait,
)
from ansible_collections.secops.falcon.plugins.module_utils._scopes import missing_scope_hint
from ansible_collections.secops.falcon.plugins.module_utils._tls import PreparedTLSAdapter, prepared_context
from ansible_collections.secops.falcon.plugins.module_utils._version import USER_AGENT

try:
    import requests
    from urllib3 import exceptions as urllib3_exceptions

    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
    # Only a real requests session gets the prepared TLS adapter (test doubles of the session are left as they are).
    PreparedSession = requests.Session
except ImportError:  # pragma: no cover - exercised by the sanity import test
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
    PreparedSession = ()

__all__ = ['FalconClient', 'FalconResponse', 'HAS_REQUESTS', 'REQUESTS_IMPORT_ERROR']

# A cached token is checked with the cheapest read there is (one host id): a revoked token answers 401.
TOKEN_CHECK_PATH = '/devices/queries/devices/v1'
TOKEN_CHECK_PARAMS = {'limit': 1}
IDEMPOTENT_METHODS = frozenset(['GET', 'HEAD', 'OPTIONS'])
# Far above the largest answer (5000 device records are a few MiB): anything longer is a broken server or proxy.
MAX_BODY = 64 * 1024 * 1024
READ_CHUNK = 65536


class _TooSlow(Exception):
    """The answer did not arrive within timeout seconds of the start of the attempt."""


class _TooLarge(Exception):
    """The answer's body is longer than MAX_BODY."""


def _never_reached_server(exc):
    """True when a requests exception proves the request never reached the server (so even a write may be retried)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ProxyError):
        return False
    if isinstance(exc, requests.exceptions.ConnectionError):
        # requests wraps urllib3's MaxRetryError(reason=NewConnectionError) for refused/unroutable connects.
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, 'reason', reason)
        name = type(reason).__name__
        return name in ('NewConnectionError', 'ConnectTimeoutError', 'NameResolutionError')
    return False


def _describe(exc):
    """A short, scrubbed description of a transport exception (requests messages can hold URLs and bodies)."""
    reason = exc.args[0] if exc.args else exc
    reason = getattr(reason, 'reason', reason)
    text = str(reason) or type(exc).__name__
    # urllib3 prefixes its messages with the connection object's repr: drop it.
    if '>: ' in text:
        text = text.split('>: ', 1)[1]
    return scrub('%s: %s' % (type(exc).__name__, text))


def _bool_params(params):
    """Return params with booleans spelled true/false (the API's FQL-style lowercase, as FalconPy sends them)."""
    if not params:
        return params
    out = {}
    for key, value in params.items():
        if isinstance(value, bool):
            value = 'true' if value else 'false'
        out[key] = value
    return out


class FalconClient:
    """A Falcon API session: each call gets its token from the TokenProvider; retries, deadlines, 401 re-auth once."""

    def __init__(self, settings, session=None, warn=None):
        if isinstance(settings, dict):
            settings = ConnectionSettings.from_options(settings)
        if session is None:
            if not HAS_REQUESTS:
                raise FalconConfigError(
                    'The Python library requests is required on the host that runs this task (pip install requests).'
                )
            session = requests.Session()
        self.settings = settings
        self.session = session
        # Warnings go to the adapter's callback (a module's or lookup's warn) as they happen; without one they are kept
        # in self.warnings for the caller to read.
        self.warnings = []
        self._warn = warn
        session.headers['User-Agent'] = USER_AGENT + (' ' + settings.user_agent if settings.user_agent else '')
        session.headers['Accept'] = 'application/json'
        # requests' own reading of the environment is off: it would let ~/.netrc replace the bearer header. Proxies and
        # the CA bundle are read from the environment by _environment instead, where explicit options win.
        session.trust_env = False
        session.verify, self._verify_source = tls_verify(settings)
        # One SSLContext per CA bundle and process, not one a connection (_tls says why and what it costs).
        context = prepared_context(session.verify) if isinstance(session, PreparedSession) else None
        if context is not None:
            session.mount('https://', PreparedTLSAdapter(context, session.verify))
        if not settings.validate_certs and not (settings.base_url or '').startswith('http://'):
            # urllib3's own InsecureRequestWarning goes to the module's stderr, which Ansible drops: say it here.
            self.warn(
                'validate_certs is false: the API\'s TLS certificate is not verified, so the '
                'credentials could be sent to an impostor. Prefer ca_path with the CA that signed it.'
            )
        self.auth = TokenProvider(settings, self, self.warn)

    # -- public API -----------------------------------------------------------------------------------------------

    def warn(self, msg):
        """Pass a warning on, scrubbed: to the warn callback, or into self.warnings."""
        msg = scrub(msg)
        if self._warn is not None:
            self._warn(msg)
        else:
            self.warnings.append(msg)

    @property
    def token_value(self):
        """The access token this client currently uses (for adapters to mask in results), or None."""
        return self.auth.current_value

    def request(
        self,
        method: str,
        path: str,
        params: dict | None = None,
        json: object = None,
        data: object = None,
        ok: tuple = (200,),
        idempotent: bool | None = None,
    ) -> FalconResponse:
        """Call the API with the bearer token; FalconApiError if the final status is not in ok."""
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        token = self.token()
        response = self._authorized(method, path, token, params, json, data, idempotent)
        if response.status == 401:
            token = self.auth.reauthenticate(token, response, method, path)
            response = self._authorized(method, path, token, params, json, data, idempotent)
            if response.status == 401:
                raise self.answer_error(
                    FalconAuthError,
                    method,
                    path,
                    response,
                    'the API refused a freshly issued token (check the API client is enabled and '
                    'allowed from this address)',
                )
        if response.status not in ok:
            raise self.answer_error(FalconApiError, method, path, response)
        if not response.is_json:
            raise FalconApiError(
                '%s %s answered HTTP %s with a body that is not a JSON object (%s): %s'
                % (method, path, response.status, response.content_type, response.snippet()),
                status=response.status,
                trace_id=response.trace_id,
            )
        return response

    def token(self):
        """Return a usable Token: the given access_token, a fresh cached one, or a newly issued one."""
        return self.auth.token()

    def issue_token(self):
        """Return (token, minted): a fresh cached token, or a newly issued one (minted True)."""
        return self.auth.issue()

    def issue_live_token(self):
        """Return (token, minted) as issue_token does, but a cached token the API refuses (revoked) is replaced."""
        return self.auth.issue_live(self.token_accepted)

    def token_accepted(self, token):
        """True unless the API answers 401 to token (expired or revoked): one cheap read, retried like any read.

        Any other answer proves the token valid, a 403 for a missing scope included (API behaviour 6.2, 6.3).
        """
        response = self._authorized('GET', TOKEN_CHECK_PATH, token, TOKEN_CHECK_PARAMS, None, None, True)
        if response.status == 401:
            return False
        if response.status >= 500 or response.status == RATE_LIMITED:
            raise self.answer_error(
                FalconApiError,
                'GET',
                TOKEN_CHECK_PATH,
                response,
                'could not check that the cached token is still valid',
            )
        return True

    def cached_token(self, include_stale=False):
        """Return the fresh cached token (any unexpired one with include_stale), or None; never issues a token."""
        return self.auth.cached(include_stale)

    def revoke(self, access_token, base_url=None):
        """Revoke a token in the cloud that issued it; FalconApiError unless the API says 200."""
        return self.auth.revoke(access_token, base_url)

    def forget_token(self, access_token=None):
        """Drop the cached token for these credentials (only if it is access_token, when given)."""
        self.auth.forget(access_token)

    @property
    def cloud(self):
        """The cloud calls go to (the issuing cloud of the current token), or None while unknown."""
        return self.auth.cloud

    @property
    def base_url(self):
        """The base URL calls go to (the current token's), or None while autodiscovery has not run."""
        return self.auth.base_url

    def close(self):
        """Close the HTTP session's connections (long-lived processes such as lookups on the controller)."""
        self.session.close()

    # -- transport -----------------------------------------------------------------------------------------------

    def _authorized(self, method, path, token, params, json, data, idempotent):
        """Send one API call with the bearer token of token (to the base URL of the cloud that issued it)."""
        if not path.startswith('/'):
            path = '/' + path
        headers = {'Authorization': 'Bearer %s' % token.access_token}
        return self.send(
            method,
            token.base_url + path,
            idempotent=idempotent,
            params=_bool_params(params),
            json=json,
            data=data,
            headers=headers,
        )

    def send(self, method, url, idempotent, **kwargs):
        """Send with retries (429 always; 5xx, garbled bodies and lost connections only when idempotent).

        Bounded in count (settings.retries) and in time: the waits between attempts add up to at most RETRY_BUDGET.
        """
        retries = self.settings.retries
        attempt = 0
        waited = 0.0
        # 429s met so far by this request: each one waits longer past X-Ratelimit-Retryafter.
        rate_limited = 0
        while True:
            try:
                # requests' timeout bounds only the connect and each gap between reads: a body sent one byte at a time
                # would never end. The body is read here against a deadline for the whole attempt, and a size cap.
                deadline = _now() + self.settings.timeout
                raw = self.session.request(
                    method,
                    url,
                    timeout=self.settings.timeout,
                    allow_redirects=False,
                    stream=True,
                    proxies=proxies_for(url, self.settings),
                    **kwargs,
                )
                content = _read_body(raw, deadline)
            except _TooLarge:
                raise FalconConnectionError(
                    '%s %s failed: the answer is larger than %d MiB, far more than any Falcon API '
                    'answer; a proxy or server in the way is sending something else.'
                    % (method, _origin(url) + _path(url), MAX_BODY // (1024 * 1024))
                )
            except requests.exceptions.SSLError as exc:
                raise FalconConnectionError(
                    'TLS failure talking to %s: %s%s. Set ca_path to the CA bundle that signed the '
                    'server certificate (validate_certs: false only for testing).'
                    % (
                        _origin(url),
                        _describe(exc),
                        ' (verified with %s)' % self._verify_source if self._verify_source else '',
                    )
                )
            except (
                requests.exceptions.ConnectionError,
                requests.exceptions.Timeout,
                requests.exceptions.ChunkedEncodingError,
                _TooSlow,
            ) as exc:
                retryable = idempotent or _never_reached_server(exc)
                wait = backoff(attempt)
                if retryable and attempt < retries and waited + wait <= RETRY_BUDGET:
                    _sleep(wait)
                    waited += wait
                    attempt += 1
                    continue
                raise FalconConnectionError(
                    '%s %s failed%s: %s%s'
                    % (
                        method,
                        _origin(url) + _path(url),
                        _tries(attempt),
                        (
                            'the answer took longer than the timeout of %s seconds to arrive' % self.settings.timeout
                            if isinstance(exc, _TooSlow)
                            else _describe(exc)
                        ),
                        ''
                        if retryable
                        else ' (not retried: the request may have reached the server and it is not safe to repeat)',
                    )
                )
            except requests.exceptions.RequestException as exc:
                raise FalconConnectionError('%s %s failed: %s' % (method, _origin(url) + _path(url), _describe(exc)))
            response = FalconResponse.from_requests(_Answer(raw, content), attempts=attempt + 1)
            response.waited = waited
            status = response.status
            # A success whose JSON body arrived cut short is a transport failure: safe to ask again for a read.
            garbled = 200 <= status < 300 and not response.is_json and 'json' in response.content_type.lower()
            if status == RATE_LIMITED or (idempotent and (status in RETRY_STATUSES or garbled)):
                if status == RATE_LIMITED:
                    wait = rate_limit_wait(raw.headers, rate_limited)
                    rate_limited += 1
                else:
                    wait = backoff(attempt)
                if attempt < retries and waited + wait <= RETRY_BUDGET:
                    _sleep(wait)
                    waited += wait
                    attempt += 1
                    continue
                response.next_wait = wait
            return response

    def answer_error(self, cls, method, path, response, reason=None, prefix=None):
        """Build cls (a FalconError) for a failed answer: status, trace id, the API's errors[], retries made."""
        text = prefix or '%s %s failed' % (method, path)
        if response.attempts > 1:
            text += ' after %d attempts' % response.attempts
        if response.status == RATE_LIMITED:
            text += ' (rate limited; the API client made too many requests%s)' % _rate_limit_story(
                response, self.settings
            )
        elif response.status in RETRY_STATUSES and response.attempts == 1 and method not in IDEMPOTENT_METHODS:
            text += ' (not retried: a write may already have been applied)'
        if reason:
            text += ' - %s' % reason
        if not response.is_json:
            text += ' with a non-JSON body (%s): %s' % (response.content_type, response.snippet())
        # A 403 of the gateway does not say which scope is missing: name the one this endpoint needs.
        hint = missing_scope_hint(method, path, response.status)
        return cls(text, status=response.status, trace_id=response.trace_id, errors=response.errors, hint=hint)


class _Answer:
    """A requests.Response whose body was already read (what FalconResponse.from_requests needs)."""

    def __init__(self, raw, content):
        self.status_code = raw.status_code
        self.headers = raw.headers
        self.url = raw.url
        self.content = content


def _read_body(raw, deadline):
    """Read a streamed answer's body before deadline (a _now() value); _TooSlow or _TooLarge otherwise. Closes raw."""
    chunks = []
    size = 0
    try:
        for chunk in _chunks(raw, deadline):
            size += len(chunk)
            if size > MAX_BODY:
                raise _TooLarge()
            chunks.append(chunk)
    finally:
        raw.close()
    return b''.join(chunks)


def _chunks(raw, deadline):
    """Yield the body in chunks, each read only while time remains before deadline."""
    stream = getattr(raw, 'raw', None)
    if not callable(getattr(stream, 'read1', None)):
        # urllib3 < 2 has no read1: a chunk may take up to one read gap past the deadline.
        for chunk in raw.iter_content(READ_CHUNK):
            if _now() > deadline:
                raise _TooSlow()
            yield chunk
        return
    while True:
        remaining = deadline - _now()
        if remaining <= 0:
            raise _TooSlow()
        # read1 returns as soon as some bytes arrive; the socket may wait no longer than the time left.
        sock = getattr(getattr(stream, 'connection', None), 'sock', None)
        if sock is not None:
            sock.settimeout(remaining)
        try:
            chunk = stream.read1(READ_CHUNK, decode_content=True)
        except urllib3_exceptions.ReadTimeoutError:
            raise _TooSlow()
        except urllib3_exceptions.SSLError as exc:
            raise requests.exceptions.SSLError(exc)
        except urllib3_exceptions.DecodeError as exc:
            raise requests.exceptions.ContentDecodingError(exc)
        except urllib3_exceptions.ProtocolError as exc:
            raise requests.exceptions.ChunkedEncodingError(exc)
        except urllib3_exceptions.HTTPError as exc:
            raise requests.exceptions.ConnectionError(exc)
        if not chunk:
            return
        yield chunk


def _now():
    """A monotonic clock for the per-attempt deadline (unit tests move it instead of waiting)."""
    return time.monotonic()


def _sleep(seconds):
    """Wait between retries (unit tests record the waits here instead of sleeping)."""
    time.sleep(seconds)


def _origin(url):
    """scheme://host[:port] of url."""
    parts = urlsplit(url)
    return '%s://%s' % (parts.scheme, parts.netloc)


def _path(url):
    """The path of url (never the query string)."""
    return urlsplit(url).path


def _rate_limit_story(response, settings):
    """How long the client waited for a rate limit and why it stopped, for the final 429's error message."""
    text = '; waited %.1f s in total' % response.waited if response.attempts > 1 else ''
    asked = response.next_wait
    if asked is None:
        return text
    if response.attempts > settings.retries:
        return text + '; no retries left (retries: %d)' % settings.retries
    return text + '; the next wait (%.1f s) would exceed the retry budget of %d s' % (asked, RETRY_BUDGET)


def _tries(attempt):
    """' after N attempts' when retried."""
    return ' after %d attempts' % (attempt + 1) if attempt else ''
