"""Unit tests of the prepared TLS contexts: one context per CA bundle, the same trust, over real TLS on loopback."""

import os
import shutil

import pytest
import requests
from falcon_emulator.clients import DEFAULT_CLIENT
from falcon_emulator.tls import make_certificates

from ansible_collections.secops.falcon.plugins.module_utils import _tls
from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconConnectionError
from ansible_collections.secops.falcon.plugins.module_utils._http import FalconClient

DEVICES = '/devices/queries/devices/v1'


@pytest.fixture(autouse=True)
def empty_context_cache(monkeypatch):
    monkeypatch.setattr(_tls, '_CONTEXTS', {})


@pytest.fixture
def tls_emulator(emulator_factory):
    return emulator_factory(tls=True)


def other_ca(tmp_path):
    """The path of a CA that signed nothing the emulator serves."""
    directory = tmp_path / 'other'
    directory.mkdir()
    return make_certificates(str(directory))[1]['ca.pem']


def client(emulator, tmp_path, **options):
    settings = dict(
        client_id=DEFAULT_CLIENT.client_id,
        client_secret=DEFAULT_CLIENT.client_secret,
        base_url=emulator.url,
        token_cache=False,
    )
    settings.update(options)
    return FalconClient(settings)


def test_one_context_per_bundle_and_a_new_one_when_the_bundle_changes(tls_emulator, tmp_path):
    bundle = str(tmp_path / 'bundle.pem')
    shutil.copy(tls_emulator.ca_path, bundle)
    first = _tls.prepared_context(bundle)
    assert first is not None and _tls.prepared_context(bundle) is first
    # Replaced with other CAs: the old context must not be used for the new file.
    os.replace(other_ca(tmp_path), bundle)
    assert _tls.prepared_context(bundle) is not first


@pytest.mark.parametrize('verify', [False, None, '', '/nonexistent/ca.pem'])
def test_no_context_for_no_verification_or_a_missing_bundle(verify):
    assert _tls.prepared_context(verify) is None


def test_a_bundle_that_is_not_pem_is_left_to_requests(tmp_path):
    bundle = tmp_path / 'junk.pem'
    bundle.write_text('not a certificate\n')
    assert _tls.prepared_context(str(bundle)) is None


def test_verify_true_uses_the_bundle_requests_would_use():
    context = _tls.prepared_context(True)
    assert context is not None
    assert _tls.prepared_context(requests.utils.DEFAULT_CA_BUNDLE_PATH) is context


def test_warm_up_loads_the_bundle_the_environment_names(tls_emulator):
    _tls.warm_up_tls({'REQUESTS_CA_BUNDLE': tls_emulator.ca_path})
    assert [key[0] for key in _tls._CONTEXTS] == [tls_emulator.ca_path]


def test_warm_up_never_fails(monkeypatch):
    monkeypatch.setattr(_tls, 'create_urllib3_context', lambda **kwargs: 1 / 0)
    _tls.warm_up_tls({'REQUESTS_CA_BUNDLE': '/nonexistent'})


def test_clients_share_the_context_and_never_name_the_cas_again(tls_emulator, tmp_path):
    one = client(tls_emulator, tmp_path, ca_path=tls_emulator.ca_path)
    two = client(tls_emulator, tmp_path, ca_path=tls_emulator.ca_path)
    for each in (one, two):
        assert each.request('GET', DEVICES, params={'limit': 1}).status == 200
    adapters = [each.session.get_adapter(tls_emulator.url) for each in (one, two)]
    assert all(isinstance(adapter, _tls.PreparedTLSAdapter) for adapter in adapters)
    assert adapters[0]._context is adapters[1]._context
    pools = list(adapters[0].poolmanager.pools._container.values())
    assert pools and all(
        pool.ca_certs is None and pool.conn_kw.get('ssl_context') is adapters[0]._context for pool in pools
    )


def test_the_trust_is_not_widened(tls_emulator, tmp_path):
    """A context made for another CA refuses the emulator's certificate, as requests does without it."""
    good = client(tls_emulator, tmp_path, ca_path=tls_emulator.ca_path)
    assert good.request('GET', DEVICES, params={'limit': 1}).status == 200
    wrong = client(tls_emulator, tmp_path, ca_path=other_ca(tmp_path))
    with pytest.raises(FalconConnectionError, match='TLS failure'):
        wrong.request('GET', DEVICES, params={'limit': 1})


def test_no_prepared_context_without_verification(tls_emulator, tmp_path):
    insecure = client(tls_emulator, tmp_path, validate_certs=False)
    assert not isinstance(insecure.session.get_adapter(tls_emulator.url), _tls.PreparedTLSAdapter)


def test_the_adapter_refuses_another_bundle(tls_emulator, tmp_path):
    adapter = _tls.PreparedTLSAdapter(_tls.prepared_context(tls_emulator.ca_path), tls_emulator.ca_path)
    pool = adapter.poolmanager.connection_from_url(tls_emulator.url)
    with pytest.raises(ValueError, match='made for verify'):
        adapter.cert_verify(pool, tls_emulator.url, other_ca(tmp_path), None)
