# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the process environment adds to the connection: proxies and a CA bundle, read as requests reads them.

Internal use only. Explicit options always win: proxy over HTTPS_PROXY/HTTP_PROXY, ca_path over the CA variables,
validate_certs false over everything. ~/.netrc is never read (requests would let it replace the bearer header).
"""

import os

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconConfigError

try:
    from requests.utils import get_environ_proxies
except ImportError:  # pragma: no cover - the client refuses to start without requests anyway
    get_environ_proxies = None

# requests reads REQUESTS_CA_BUNDLE, then CURL_CA_BUNDLE; OpenSSL-based tools (and Python's ssl) read SSL_CERT_FILE.
CA_BUNDLE_VARIABLES = ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'SSL_CERT_FILE')


def ca_bundle_from_environment(environ=None):
    """Return (variable, path) of the first CA bundle variable set (empty means unset), or (None, None)."""
    environ = os.environ if environ is None else environ
    for name in CA_BUNDLE_VARIABLES:
        value = (environ.get(name) or '').strip()
        if value:
            return name, value
    return None, None


def tls_verify(settings, environ=None):
    """Return (verify, source) for requests: False, a CA path, or True (its own bundle); source says where it came from.

    FalconConfigError when a CA variable names a path that does not exist (requests would fail with a traceback).
    """
    if not settings.validate_certs:
        return False, 'validate_certs: false'
    if settings.ca_path:
        return settings.ca_path, 'ca_path %s' % settings.ca_path
    name, path = ca_bundle_from_environment(environ)
    if name is None:
        return True, None
    if not os.path.exists(path):
        raise FalconConfigError(
            'The environment variable %s names the CA bundle %r, which does not exist: fix or unset '
            'it, or set ca_path.' % (name, path)
        )
    return path, '%s=%s' % (name, path)


def proxies_for(url, settings):
    """Return the proxies dict for one request to url: the proxy option, else (use_proxy) the environment's."""
    if settings.proxy:
        return {'http': settings.proxy, 'https': settings.proxy}
    if not settings.use_proxy or get_environ_proxies is None:
        return {}
    # requests' own reading: https_proxy/HTTPS_PROXY, http_proxy/HTTP_PROXY, all_proxy, and no_proxy/NO_PROXY
    # (host names, domain suffixes, IP addresses and CIDR ranges).
    return dict(get_environ_proxies(url))
