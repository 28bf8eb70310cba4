# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prepared TLS contexts: one SSLContext per CA bundle and process, reused by every connection. Internal use only.

Why: requests (through urllib3) builds a new SSLContext for each new connection and loads the CA bundle into it. For a
system bundle or certifi's (about 140 CAs) that is 25 to 30 ms of CPU, and every Falcon task pays it, because each task
runs in a new worker process with a new connection. A context made once is reused instead:
- in one process, by every client and connection (the inventory, lookups, the EDA source, parallel reads);
- across a play: the in-process path calls warm_up_tls() in Ansible's main process at plugin load, for the bundle the
  controller's environment names (REQUESTS_CA_BUNDLE and the like, else requests' own), so every worker forked after it
  inherits that context already loaded. A task's own ca_path, or a bundle its environment names, gets a context of its
  own in its worker, as before.

The context is what urllib3 makes for verify=True (create_urllib3_context with CERT_REQUIRED, hostname checking on),
with the same CA file or directory loaded: the trust is the same, only made once. It is keyed by the bundle's path and
identity (device, inode, size, mtime), so a bundle replaced after the context was made gets a new one.
"""

import os
import ssl

from ansible_collections.secops.falcon.plugins.module_utils._environment import ca_bundle_from_environment

try:
    from requests.adapters import HTTPAdapter
    from requests.utils import DEFAULT_CA_BUNDLE_PATH
    from urllib3.util.ssl_ import create_urllib3_context

    HAS_PREPARED_TLS = True
except ImportError:  # pragma: no cover - without requests nothing here is used
    HTTPAdapter = object
    DEFAULT_CA_BUNDLE_PATH = None
    HAS_PREPARED_TLS = False

# (path, identity) -> SSLContext. A controller uses one or two bundles; a few more are kept, never an unbounded number.
_CONTEXTS = {}
_MAX_CONTEXTS = 8


def _identity(path):
    """What changes when the bundle at path is replaced or edited."""
    info = os.stat(path)
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def prepared_context(verify):
    """The SSLContext for requests' verify value (True: requests' own bundle; a CA file or directory), else None.

    None for verify False, or when the bundle cannot be read or parsed: requests then does what it always does, and
    reports the problem in its own words on the first connection.
    """
    if not HAS_PREPARED_TLS or verify is False or verify is None:
        return None
    path = DEFAULT_CA_BUNDLE_PATH if verify is True else verify
    if not isinstance(path, str) or not path:
        return None
    try:
        key = (path, _identity(path))
    except OSError:
        return None
    context = _CONTEXTS.get(key)
    if context is None:
        context = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)
        try:
            if os.path.isdir(path):
                context.load_verify_locations(capath=path)
            else:
                context.load_verify_locations(cafile=path)
        except (OSError, ssl.SSLError, ValueError):
            return None
        if len(_CONTEXTS) >= _MAX_CONTEXTS:
            _CONTEXTS.clear()
        _CONTEXTS[key] = context
    return context


def warm_up_tls(environ=None):
    """Make the context of the controller's default trust now (the environment's CA bundle, else requests' own).

    Called in Ansible's main process before it forks workers: each worker inherits the loaded context and OpenSSL's
    one-time set-up. Never fails: a bundle that cannot be loaded is left to requests, as without this.
    """
    _name, path = ca_bundle_from_environment(environ)
    try:
        prepared_context(path if path and os.path.exists(path) else True)
    except Exception:  # pylint: disable=broad-except
        pass


class PreparedTLSAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections all use one prepared SSLContext, verifying against the same CAs as verify."""

    def __init__(self, context, verify, **kwargs):
        # Set before HTTPAdapter.__init__, which calls init_poolmanager.
        self._context = context
        self._verify = verify
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **pool_kwargs):
        pool_kwargs.setdefault('ssl_context', self._context)
        return super().init_poolmanager(*args, **pool_kwargs)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        # A proxied HTTPS request tunnels through CONNECT: its TLS to the API uses the target pool's context too.
        proxy_kwargs.setdefault('ssl_context', self._context)
        return super().proxy_manager_for(proxy, **proxy_kwargs)

    def cert_verify(self, conn, url, verify, cert):
        """As requests does it, without naming the CA files again: the context already holds exactly those CAs.

        Left named, urllib3 would load them into the shared context on each new connection, which is the cost this
        adapter exists to remove. Any other verify value than the one the context was made for is refused: loading
        another bundle into a shared context would widen the trust of every connection that uses it.
        """
        super().cert_verify(conn, url, verify, cert)
        if verify and url.lower().startswith('https'):
            if verify != self._verify:
                raise ValueError('PreparedTLSAdapter was made for verify=%r, not %r' % (self._verify, verify))
            conn.ca_certs = None
            conn.ca_cert_dir = None
