# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The common connection options (one argument spec) and their validation into ConnectionSettings. Internal use only."""

from __future__ import annotations

import ipaddress
import math
import os
import re

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.six.moves.urllib.parse import urlsplit

from ansible_collections.secops.falcon.plugins.module_utils._clouds import (
    AUTODISCOVER,
    CLOUD_CHOICES,
    base_url_for,
    cloud_for_base_url,
    normalise_cloud,
)
from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconConfigError, register_secret

DEFAULT_TIMEOUT = 30
TIMEOUT_RANGE = (1, 600)
DEFAULT_RETRIES = 3
RETRIES_RANGE = (0, 10)

MISSING_CREDENTIALS = (
    'client_id and client_secret (or access_token) are required; set them as options, '
    'module_defaults for group/secops.falcon.falcon, or FALCON_CLIENT_ID/FALCON_CLIENT_SECRET.'
)

# Every module accepts every one of these (module_defaults for the action group would fail otherwise).
COMMON_ARGSPEC = dict(
    client_id=dict(type='str', fallback=(env_fallback, ['FALCON_CLIENT_ID'])),
    client_secret=dict(type='str', no_log=True, fallback=(env_fallback, ['FALCON_CLIENT_SECRET'])),
    member_cid=dict(type='str', fallback=(env_fallback, ['FALCON_MEMBER_CID'])),
    # No choices: the aliases (us1, US-1, gov1, auto) are normalised later, and an empty FALCON_CLOUD means not set.
    cloud=dict(type='str', default=AUTODISCOVER, fallback=(env_fallback, ['FALCON_CLOUD'])),
    base_url=dict(type='str', fallback=(env_fallback, ['FALCON_BASE_URL'])),
    access_token=dict(type='str', no_log=True),
    auth=dict(type='dict', no_log=True),
    validate_certs=dict(type='bool', default=True),
    ca_path=dict(type='path'),
    proxy=dict(type='str'),
    use_proxy=dict(type='bool', default=True),
    timeout=dict(type='int', default=DEFAULT_TIMEOUT),
    retries=dict(type='int', default=DEFAULT_RETRIES),
    user_agent=dict(type='str'),
    token_cache=dict(type='bool', default=True),
    token_cache_dir=dict(type='path', fallback=(env_fallback, ['FALCON_TOKEN_CACHE_DIR'])),
)

COMMON_OPTION_NAMES = tuple(COMMON_ARGSPEC)

# A CID as the console shows it (upper case, with a -XX checksum suffix) or bare: 32 hex characters (API behaviour 9.6).
# Characters that cannot be in a bearer token (an HTTP header value).
_HEADER_UNSAFE = re.compile(r'[\x00-\x20\x7f]')
_CID = re.compile(r'([0-9a-fA-F]{32})(?:-[0-9a-fA-F]{2})?')
# A Falcon API client id is 32 hex characters (the console shows it lower case); a secret is 40 letters and digits.
_CLIENT_ID = re.compile(r'[0-9a-fA-F]{32}')

# Never quotes the value: a malformed id is most often the secret pasted into the wrong field.
MALFORMED_CLIENT_ID = (
    'client_id is not a Falcon API client id (32 hexadecimal characters): client_id and client_secret may be '
    'swapped. The value given is not shown, as it may be the secret; check FALCON_CLIENT_ID/FALCON_CLIENT_SECRET '
    'or the options, and the API client in the Falcon console.'
)

LOOPBACK_NAMES = frozenset(['localhost', 'localhost.localdomain', 'ip6-localhost'])


def is_loopback_host(host: str | None) -> bool:
    """Return True for 127.0.0.0/8, ::1 and localhost (the only hosts plain http may reach)."""
    if not host:
        return False
    host = host.strip('[]').lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url, what='base_url'):
    """Return url without a trailing slash; FalconConfigError if it is not https (or http to loopback)."""
    text = str(url).strip()
    try:
        parts = urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018  # pylint: disable=pointless-statement  # raises ValueError on a bad port
    except ValueError as exc:
        raise FalconConfigError('%s %r is not a valid URL: %s.' % (what, text, exc))
    if parts.scheme not in ('https', 'http') or not host:
        raise FalconConfigError('%s %r is not a valid URL: use https://host[:port][/path].' % (what, text))
    if parts.scheme == 'http' and not is_loopback_host(host):
        raise FalconConfigError(
            '%s %r uses plain http to a non-loopback host: the client secret and tokens would travel '
            'unencrypted. Use https (plain http is allowed only to 127.0.0.0/8, ::1 or localhost).' % (what, text)
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise FalconConfigError(
            '%s %r must not carry credentials, a query or a fragment.' % (what, _redact_userinfo(text))
        )
    return text.rstrip('/')


def _redact_userinfo(url):
    """Return url with any user:password@ part masked."""
    if '@' in url and '://' in url:
        scheme, rest = url.split('://', 1)
        return '%s://********@%s' % (scheme, rest.split('@', 1)[1])
    return url


def _int_in_range(name, value, bounds, default):
    """Return value as an int within bounds; FalconConfigError names the value and the range."""
    if value is None or value == '':
        return default
    number = None
    if not isinstance(value, bool):
        try:
            number = float(value)
            number = int(number) if math.isfinite(number) and number == int(number) else None
        except (TypeError, ValueError, OverflowError):
            number = None
    if number is None or not bounds[0] <= number <= bounds[1]:
        raise FalconConfigError(
            '%s must be a whole number from %d to %d (got %r).' % (name, bounds[0], bounds[1], value)
        )
    return number


def normalise_member_cid(value: str | None) -> str | None:
    """Return the bare lower-case 32-hex CID of value (console form accepted); FalconConfigError names a bad value."""
    if value is None:
        return None
    match = _CID.fullmatch(value)
    if match is None:
        raise FalconConfigError(
            'member_cid %r is not a CID: use the 32 hexadecimal characters of the member CID, as the '
            'console shows it (with or without its -XX suffix).' % value
        )
    return match.group(1).lower()


def _bool(name, value, default):
    """Return value as a bool (accepting the usual strings from env and ini); FalconConfigError otherwise."""
    if value is None or value == '':
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ('1', 'true', 'yes', 'on', 'y', 't'):
        return True
    if text in ('0', 'false', 'no', 'off', 'n', 'f'):
        return False
    raise FalconConfigError('%s must be a boolean (true or false), got %r.' % (name, value))


def default_cache_dir():
    """Return $XDG_CACHE_HOME/secops.falcon or ~/.cache/secops.falcon."""
    base = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'secops.falcon')


def _text(value):
    """Return value stripped, or None when empty."""
    if value is None:
        return None
    value = str(value).strip()
    return value or None


class ConnectionSettings:
    """Validated connection options shared by modules and lookups (plain values, no Ansible objects)."""

    def __init__(self, **kwargs):
        self.client_id = kwargs.get('client_id')
        self.client_secret = kwargs.get('client_secret')
        self.member_cid = kwargs.get('member_cid')
        self.cloud = kwargs.get('cloud', AUTODISCOVER)
        self.base_url = kwargs.get('base_url')
        self.custom_base_url = kwargs.get('custom_base_url', False)
        # True when base_url came from the options (or auth), not from the cloud name.
        self.base_url_given = kwargs.get('base_url_given', False)
        self.access_token = kwargs.get('access_token')
        self.validate_certs = kwargs.get('validate_certs', True)
        self.ca_path = kwargs.get('ca_path')
        self.proxy = kwargs.get('proxy')
        # False ignores HTTPS_PROXY/HTTP_PROXY (the proxy option still applies).
        self.use_proxy = kwargs.get('use_proxy', True)
        self.timeout = kwargs.get('timeout', DEFAULT_TIMEOUT)
        self.retries = kwargs.get('retries', DEFAULT_RETRIES)
        self.user_agent = kwargs.get('user_agent')
        self.token_cache = kwargs.get('token_cache', True)
        self.token_cache_dir = kwargs.get('token_cache_dir') or default_cache_dir()

    @property
    def has_credentials(self):
        """True when a token can be minted (client id and secret both present)."""
        return bool(self.client_id and self.client_secret)

    @property
    def autodiscover(self):
        """True when the home cloud is found by following the token endpoint's 308."""
        return self.cloud == AUTODISCOVER

    def __repr__(self):
        return 'ConnectionSettings(client_id=%r, cloud=%r, base_url=%r, member_cid=%r)' % (
            self.client_id,
            self.cloud,
            self.base_url,
            self.member_cid,
        )

    @classmethod
    def from_options(cls, options):
        """Validate a dict of common option values (module params or lookup options) into settings, step by step."""
        options = dict(options or {})
        client_id = _text(options.get('client_id'))
        client_secret = _text(options.get('client_secret'))
        access_token, cloud_option, base_url_option = _token_and_endpoint_options(options)
        _check_credentials(client_id, client_secret, access_token)
        cloud, base_url, custom = _endpoint(
            cloud_option, base_url_option, access_token, bool(client_id and client_secret)
        )
        # The token endpoint wants the bare lower-case CID; the console shows it upper case with a checksum suffix.
        member_cid = normalise_member_cid(_text(options.get('member_cid')))
        ca_path = _ca_path(_text(options.get('ca_path')))
        proxy = _proxy(_text(options.get('proxy')))
        cache_dir = _text(options.get('token_cache_dir'))
        return cls(
            client_id=client_id,
            client_secret=client_secret,
            member_cid=member_cid,
            cloud=cloud,
            base_url=base_url,
            custom_base_url=custom,
            base_url_given=bool(base_url_option),
            access_token=access_token,
            validate_certs=_bool('validate_certs', options.get('validate_certs'), True),
            ca_path=ca_path,
            proxy=proxy,
            use_proxy=_bool('use_proxy', options.get('use_proxy'), True),
            timeout=_int_in_range('timeout', options.get('timeout'), TIMEOUT_RANGE, DEFAULT_TIMEOUT),
            retries=_int_in_range('retries', options.get('retries'), RETRIES_RANGE, DEFAULT_RETRIES),
            user_agent=_text(options.get('user_agent')),
            token_cache=_bool('token_cache', options.get('token_cache'), True),
            token_cache_dir=os.path.expanduser(cache_dir) if cache_dir else default_cache_dir(),
        )


def _token_and_endpoint_options(options):
    """Return (access_token, cloud option, base_url option), taking them from the auth dict where options leave them out."""
    access_token = _text(options.get('access_token'))
    cloud_option = options.get('cloud')
    base_url_option = _text(options.get('base_url'))
    auth = options.get('auth')
    if auth in (None, '', {}):
        return access_token, cloud_option, base_url_option
    if not isinstance(auth, dict):
        raise FalconConfigError(
            'auth must be a dictionary with access_token and optionally cloud and base_url '
            '(for example the registered result of falcon_token), got a %s.' % type(auth).__name__
        )
    auth_token = _text(auth.get('access_token'))
    if not auth_token:
        raise FalconConfigError(
            'auth must contain access_token (for example the registered result of falcon_token); '
            'it has the keys %s.' % (', '.join(sorted(str(k) for k in auth)) or 'none')
        )
    if access_token and access_token != auth_token:
        raise FalconConfigError('access_token and auth.access_token are both set and differ: set only one.')
    # An explicit option wins over the value carried in auth.
    if _text(cloud_option) in (None, AUTODISCOVER) and _text(auth.get('cloud')):
        cloud_option = auth.get('cloud')
    if not base_url_option and _text(auth.get('base_url')):
        base_url_option = _text(auth.get('base_url'))
    return auth_token, cloud_option, base_url_option


def is_client_id(value) -> bool:
    """True when value has the shape of a Falcon API client id (32 hex characters, either case)."""
    return isinstance(value, str) and _CLIENT_ID.fullmatch(value.strip()) is not None


def check_client_id(client_id):
    """Return client_id when it is 32 hex characters; FalconConfigError (never quoting it) otherwise.

    Checked before any token request: the API's refusal echoes the id ("clientID=..."), and a malformed id is most
    often the client secret pasted into the wrong field, which must not show in any message.
    """
    if client_id is None or is_client_id(client_id):
        return client_id
    # Our own messages and anything a library echoes are scrubbed of it from now on.
    register_secret(client_id)
    raise FalconConfigError(MALFORMED_CLIENT_ID)


def _check_credentials(client_id, client_secret, access_token):
    """Register the secrets with the scrubber; FalconConfigError when neither credentials nor a usable token are given."""
    for secret in (client_secret, access_token):
        register_secret(secret)
    if access_token and _HEADER_UNSAFE.search(access_token):
        # It goes into the Authorization header; requests would refuse it quoting the value.
        raise FalconConfigError(
            'access_token contains white space or control characters (a line break from a file '
            'or a copy?): pass the token alone.'
        )
    if bool(client_id) != bool(client_secret) and not access_token:
        missing = 'client_secret' if client_id else 'client_id'
        raise FalconConfigError('%s is missing: %s' % (missing, MISSING_CREDENTIALS))
    if not (client_id and client_secret) and not access_token:
        raise FalconConfigError(MISSING_CREDENTIALS)
    check_client_id(client_id)


def _endpoint(cloud_option, base_url_option, access_token, has_credentials):
    """Return (cloud, base_url, custom): base_url wins over cloud, and a well-known cloud URL names its cloud."""
    cloud = normalise_cloud(cloud_option)
    if base_url_option:
        base_url = check_url(base_url_option)
        custom = cloud_for_base_url(base_url) is None
        if not custom:
            # A well-known cloud URL names its cloud (base_url wins over cloud); no discovery beyond it.
            cloud = cloud_for_base_url(base_url)
    else:
        base_url = base_url_for(cloud)
        custom = False
    if access_token and cloud == AUTODISCOVER and not base_url_option and not has_credentials:
        # A bare token says nothing about its cloud (gofalcon refuses too); tokens work only in their own cloud.
        raise FalconConfigError(
            'access_token needs cloud (one of %s) or base_url: a token only works in the cloud '
            'that issued it, and autodiscovery needs client_id and client_secret.' % ', '.join(CLOUD_CHOICES[:-1])
        )
    return cloud, base_url, custom


def _ca_path(value):
    """Return the expanded ca_path; FalconConfigError when it does not exist."""
    if not value:
        return value
    path = os.path.expanduser(value)
    if not os.path.exists(path):
        raise FalconConfigError(
            'ca_path %r does not exist: give a CA bundle file or a directory of CA certificates.' % path
        )
    return path


def _proxy(value):
    """Return the proxy URL; FalconConfigError (with any password masked) when it is not one."""
    if not value:
        return value
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  # pylint: disable=pointless-statement  # raises ValueError on a bad port
    except ValueError as exc:
        raise FalconConfigError('proxy %r is not a valid URL: %s.' % (_redact_userinfo(value), exc))
    if parts.scheme not in ('http', 'https', 'socks5', 'socks5h') or not parts.hostname:
        raise FalconConfigError(
            'proxy %r is not a valid proxy URL: use http://host:port or https://host:port.' % _redact_userinfo(value)
        )
    return value
