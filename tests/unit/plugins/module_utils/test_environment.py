"""The environment as requests reads it: proxies (HTTPS_PROXY, NO_PROXY ...) and CA bundles, explicit options winning."""

import pytest

from ansible_collections.secops.falcon.plugins.module_utils._environment import (
    CA_BUNDLE_VARIABLES,
    ca_bundle_from_environment,
    proxies_for,
    tls_verify,
)
from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconConfigError
from ansible_collections.secops.falcon.plugins.module_utils._http import FalconClient

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


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No proxy or CA variable unless a test sets it (the machine exports the CA variables for every process)."""
    for name in PROXY_VARIABLES + CA_BUNDLE_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def bundle(tmp_path):
    """A CA bundle file (its content does not matter here: the fake session never does TLS)."""
    path = tmp_path / 'corp-ca.pem'
    path.write_text('-----BEGIN CERTIFICATE-----\n')
    return str(path)


def test_ca_variables_in_requests_order(monkeypatch, bundle, tmp_path):
    other = str(tmp_path / 'other.pem')
    assert ca_bundle_from_environment() == (None, None)
    monkeypatch.setenv('SSL_CERT_FILE', other)
    assert ca_bundle_from_environment() == ('SSL_CERT_FILE', other)
    monkeypatch.setenv('CURL_CA_BUNDLE', bundle)
    assert ca_bundle_from_environment() == ('CURL_CA_BUNDLE', bundle)
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', bundle)
    assert ca_bundle_from_environment() == ('REQUESTS_CA_BUNDLE', bundle)
    # An empty variable is unset, as requests treats it.
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', '')
    assert ca_bundle_from_environment() == ('CURL_CA_BUNDLE', bundle)


def test_verify_precedence(monkeypatch, settings_factory, bundle, tmp_path):
    assert tls_verify(settings_factory()) == (True, None)
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', bundle)
    assert tls_verify(settings_factory()) == (bundle, 'REQUESTS_CA_BUNDLE=%s' % bundle)
    explicit = tmp_path / 'explicit.pem'
    explicit.write_text('x')
    assert tls_verify(settings_factory(ca_path=str(explicit)))[0] == str(explicit)
    assert tls_verify(settings_factory(validate_certs=False, ca_path=str(explicit)))[0] is False


def test_missing_ca_bundle_from_environment_names_the_variable(monkeypatch, settings_factory, fake):
    monkeypatch.setenv('SSL_CERT_FILE', '/nonexistent/ca.pem')
    with pytest.raises(FalconConfigError, match="SSL_CERT_FILE names the CA bundle '/nonexistent/ca.pem'"):
        FalconClient(settings_factory(), session=fake.FakeSession())


def test_client_verifies_with_the_environment_bundle(monkeypatch, settings_factory, fake, bundle):
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', bundle)
    session = fake.FakeSession()
    FalconClient(settings_factory(), session=session)
    assert session.verify == bundle


@pytest.mark.parametrize('name', ['HTTPS_PROXY', 'https_proxy'])
def test_https_proxy_from_environment(monkeypatch, settings_factory, name):
    monkeypatch.setenv(name, 'http://127.0.0.1:3128')
    assert (
        proxies_for('https://api.crowdstrike.com/oauth2/token', settings_factory())['https'] == 'http://127.0.0.1:3128'
    )


def test_no_proxy_and_use_proxy_false_bypass_the_environment(monkeypatch, settings_factory):
    monkeypatch.setenv('HTTPS_PROXY', 'http://127.0.0.1:3128')
    monkeypatch.setenv('NO_PROXY', 'localhost,.crowdstrike.com')
    assert proxies_for('https://api.eu-1.crowdstrike.com/x', settings_factory()) == {}
    assert proxies_for('https://gateway.example/x', settings_factory())['https'] == 'http://127.0.0.1:3128'
    assert proxies_for('https://gateway.example/x', settings_factory(use_proxy=False)) == {}


def test_proxy_option_wins_over_environment_and_use_proxy(monkeypatch, settings_factory):
    monkeypatch.setenv('HTTPS_PROXY', 'http://127.0.0.1:3128')
    monkeypatch.setenv('NO_PROXY', '*')
    settings = settings_factory(proxy='http://127.0.0.1:8080', use_proxy=False)
    explicit = {'http': 'http://127.0.0.1:8080', 'https': 'http://127.0.0.1:8080'}
    assert proxies_for('https://api.crowdstrike.com/x', settings) == explicit


def test_each_request_gets_the_proxy_of_its_url(monkeypatch, settings_factory, fake):
    monkeypatch.setenv('HTTPS_PROXY', 'http://127.0.0.1:3128')
    session = (
        fake.FakeSession()
        .add('/oauth2/token', fake.token_response())
        .add('/devices/queries/devices/v1', fake.make_response(200, fake.api_body(['a'])))
    )
    FalconClient(settings_factory(), session=session).request('GET', '/devices/queries/devices/v1')
    assert [c.kwargs['proxies'].get('https') for c in session.calls] == ['http://127.0.0.1:3128'] * 2
    assert session.trust_env is False


def test_use_proxy_option_is_a_boolean(settings_factory):
    with pytest.raises(FalconConfigError, match="use_proxy must be a boolean"):
        settings_factory(use_proxy='maybe')
