"""The environment as users' other tools read it, end to end: CA bundle and proxy variables, NO_PROXY, use_proxy,
and a ~/.netrc that must never replace the bearer header. Real ansible-playbook runs against the emulator over TLS.

Each test sets or clears every variable it depends on (the machine exports the CA variables for every process).
"""

import os
import select
import socket
import socketserver
import threading

import pytest
from falcon_emulator.clients import DEFAULT_CLIENT

CA_VARIABLES = ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'SSL_CERT_FILE', 'SSL_CERT_DIR')
PROXY_VARIABLES = (
    'HTTPS_PROXY',
    'https_proxy',
    'HTTP_PROXY',
    'http_proxy',
    'ALL_PROXY',
    'all_proxy',
    'NO_PROXY',
    'no_proxy',
)
TOKEN = 'POST /oauth2/token'
QUERY = 'GET /devices/queries/devices/v1'


@pytest.fixture
def clean_env(monkeypatch):
    """No CA bundle or proxy variable unless the test sets one; returns monkeypatch to set them."""
    for name in CA_VARIABLES + PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def tls_emulator(emulator_factory):
    """An emulator over HTTPS with its own CA (not in any system bundle)."""
    return emulator_factory(tls=True, hosts=10)


@pytest.fixture
def play(run_playbook, tls_emulator):
    """play(options=None) runs core_environment.yml against the TLS emulator; returns the saved results."""

    def run(options=None):
        env = {
            'FALCON_CLIENT_ID': DEFAULT_CLIENT.client_id,
            'FALCON_CLIENT_SECRET': DEFAULT_CLIENT.client_secret,
            'FALCON_BASE_URL': tls_emulator.url,
        }
        done = run_playbook('core_environment', env, extra_vars={'options': options or {}})
        assert done.rc == 0 and done.results is not None, done.explain()
        assert 'Traceback' not in done.output, done.explain()
        assert done.dns_refused == [], done.dns_refused
        return done.results

    return run


def assert_worked(results):
    """The module read devices and the lookup resolved the emulator."""
    assert not results['devices'].get('failed'), results['devices'].get('msg')
    assert len(results['devices']['devices']) == 2
    assert not results['lookup'].get('failed'), results['lookup'].get('msg')


class ConnectProxy(socketserver.ThreadingTCPServer):
    """A tiny HTTP CONNECT proxy on 127.0.0.1 that records the targets it tunnelled to."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        self.targets = []
        self.lock = threading.Lock()
        super().__init__(('127.0.0.1', 0), _TunnelHandler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        """http://127.0.0.1:port."""
        return 'http://127.0.0.1:%d' % self.server_address[1]

    def stop(self):
        """Stop serving."""
        self.shutdown()
        self.server_close()


class _TunnelHandler(socketserver.StreamRequestHandler):
    """CONNECT host:port -> 200, then copy bytes both ways; anything else -> 405."""

    def handle(self):
        head = self.rfile.readline(65537).decode('latin-1')
        while self.rfile.readline(65537) not in (b'\r\n', b'\n', b''):
            pass
        parts = head.split()
        if len(parts) < 2 or parts[0] != 'CONNECT':
            self.wfile.write(b'HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
            return
        host, _sep, port = parts[1].rpartition(':')
        with self.server.lock:
            self.server.targets.append(parts[1])
        upstream = socket.create_connection((host, int(port)), timeout=30)
        self.wfile.write(b'HTTP/1.1 200 Connection established\r\n\r\n')
        self.wfile.flush()
        _pump(self.connection, upstream)


def _pump(client, upstream):
    """Copy bytes between the two sockets until either side closes."""
    sockets = [client, upstream]
    try:
        while True:
            readable, _w, _x = select.select(sockets, [], [], 60)
            if not readable:
                return
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                (upstream if sock is client else client).sendall(data)
    except OSError:
        return
    finally:
        upstream.close()


@pytest.fixture
def proxy():
    """A running ConnectProxy, stopped after the test."""
    server = ConnectProxy()
    try:
        yield server
    finally:
        server.stop()


def _hostport(url):
    """host:port of an https://host:port URL."""
    return url.split('://', 1)[1].rstrip('/')


# -- CA bundles --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize('variable', ['REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'SSL_CERT_FILE'])
def test_a_ca_bundle_variable_alone_verifies_the_api(play, clean_env, tls_emulator, variable):
    clean_env.setenv(variable, tls_emulator.ca_path)
    results = play()
    assert_worked(results)
    assert results['home']['base_url'] == tls_emulator.url
    assert tls_emulator.counters()['calls'][QUERY] == 1


def test_without_the_ca_bundle_variable_verification_fails_before_any_request(play, clean_env, tls_emulator):
    # The control for the test above: the emulator's CA is in no default bundle.
    results = play()
    for key in ('devices', 'lookup'):
        assert results[key]['failed'] is True
        assert 'CERTIFICATE_VERIFY_FAILED' in results[key]['msg'] and 'ca_path' in results[key]['msg']
    assert tls_emulator.counters()['calls_total'] == 0


def test_ca_path_wins_over_a_wrong_ca_bundle_variable(play, clean_env, tls_emulator, tmp_path):
    from falcon_emulator.tls import make_certificates

    (tmp_path / 'other-ca').mkdir()
    _directory, other = make_certificates(str(tmp_path / 'other-ca'))
    clean_env.setenv('REQUESTS_CA_BUNDLE', other['ca.pem'])
    wrong = play()
    assert wrong['devices']['failed'] is True and 'REQUESTS_CA_BUNDLE=%s' % other['ca.pem'] in wrong['devices']['msg']
    assert_worked(play({'ca_path': tls_emulator.ca_path}))


def test_a_ca_bundle_variable_naming_a_missing_file_is_a_clear_error(play, clean_env, tls_emulator):
    clean_env.setenv('REQUESTS_CA_BUNDLE', '/nonexistent/corporate-ca.pem')
    results = play()
    assert results['devices']['failed'] is True
    assert "REQUESTS_CA_BUNDLE names the CA bundle '/nonexistent/corporate-ca.pem'" in results['devices']['msg']
    assert tls_emulator.counters()['calls_total'] == 0


# -- proxies -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize('variable', ['HTTPS_PROXY', 'https_proxy'])
def test_https_proxy_from_the_environment_is_used(play, clean_env, tls_emulator, proxy, variable):
    clean_env.setenv('REQUESTS_CA_BUNDLE', tls_emulator.ca_path)
    clean_env.setenv(variable, proxy.url)
    assert_worked(play())
    # Every connection of the module and of the lookup went through the proxy (one or more tunnels each).
    assert len(proxy.targets) >= 2 and set(proxy.targets) == {_hostport(tls_emulator.url)}
    counters = tls_emulator.counters()
    # One token for the module, one for the lookup (which runs without the token cache).
    assert counters['token_requests_total'] == 2 and counters['calls'][QUERY] == 1


@pytest.mark.parametrize('no_proxy', ['127.0.0.1', '127.0.0.0/8', 'localhost,127.0.0.1'])
def test_no_proxy_bypasses_it(play, clean_env, tls_emulator, proxy, no_proxy):
    clean_env.setenv('REQUESTS_CA_BUNDLE', tls_emulator.ca_path)
    clean_env.setenv('HTTPS_PROXY', proxy.url)
    clean_env.setenv('NO_PROXY', no_proxy)
    assert_worked(play())
    assert proxy.targets == []


def test_use_proxy_false_ignores_the_environment(play, clean_env, tls_emulator, proxy):
    clean_env.setenv('REQUESTS_CA_BUNDLE', tls_emulator.ca_path)
    clean_env.setenv('HTTPS_PROXY', proxy.url)
    assert_worked(play({'use_proxy': False}))
    assert proxy.targets == []


def test_the_proxy_option_wins_over_no_proxy_and_the_environment(play, clean_env, tls_emulator, proxy):
    clean_env.setenv('REQUESTS_CA_BUNDLE', tls_emulator.ca_path)
    clean_env.setenv('HTTPS_PROXY', 'http://127.0.0.1:9')  # nothing listens there: using it would fail
    clean_env.setenv('NO_PROXY', '127.0.0.1')
    assert_worked(play({'proxy': proxy.url}))
    assert len(proxy.targets) >= 2


def test_an_unreachable_environment_proxy_fails_clearly(play, clean_env, tls_emulator):
    clean_env.setenv('REQUESTS_CA_BUNDLE', tls_emulator.ca_path)
    clean_env.setenv('HTTPS_PROXY', 'http://127.0.0.1:9')
    results = play({'use_proxy': True})
    assert results['devices']['failed'] is True and 'ProxyError' in results['devices']['msg']
    assert tls_emulator.counters()['calls_total'] == 0


# -- ~/.netrc ----------------------------------------------------------------------------------------------------------


def test_netrc_is_never_read(play, clean_env, tls_emulator, tmp_path):
    # requests (with its environment reading on) would send these as HTTP Basic instead of the bearer token.
    home = tmp_path / 'home'
    home.mkdir()
    netrc = home / '.netrc'
    netrc.write_text('machine 127.0.0.1 login netrc-user password netrc-password-0000\n')
    os.chmod(str(netrc), 0o600)
    clean_env.setenv('HOME', str(home))
    clean_env.setenv('REQUESTS_CA_BUNDLE', tls_emulator.ca_path)
    assert_worked(play())
    counters = tls_emulator.counters()
    # One token each for the module and the lookup, and the API call was accepted: no 401, no re-authentication.
    assert counters['token_requests_total'] == 2 and counters['calls'][QUERY] == 1
