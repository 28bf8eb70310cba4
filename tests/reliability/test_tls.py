"""TLS against the emulator over HTTPS: verification is on by default, ca_path trusts a private CA, validate_certs off works."""

from falcon_emulator.tls import make_certificates
from reliability_steps import assert_failed, assert_ok, step


def test_certificate_verification(emulator_factory, run_steps, tmp_path):
    """An unknown CA fails clearly, before any credential is sent; the right ca_path or validate_certs false works."""
    emulator = emulator_factory(tls=True, hosts=20)
    (tmp_path / 'other-ca').mkdir()
    _directory, other_ca = make_certificates(str(tmp_path / 'other-ca'))
    steps = run_steps(
        emulator,
        [
            step('unknown CA', 'device_info'),
            step('another CA in ca_path', 'device_info', {'ca_path': other_ca['ca.pem']}),
            step('unknown CA, lookup', 'lookup_cloud', {'term': 'autodiscover'}),
            step('ca_path', 'device_info', {'ca_path': emulator.ca_path}),
            step('ca_path, lookup', 'lookup_cloud', {'term': 'autodiscover', 'options': {'ca_path': emulator.ca_path}}),
            step('validate_certs false', 'device_info', {'validate_certs': False, 'token_cache': False}),
        ],
    )
    origin = emulator.url
    for label in ('unknown CA', 'another CA in ca_path'):
        assert_failed(steps, label, 'TLS failure talking to %s' % origin, 'CERTIFICATE_VERIFY_FAILED', 'ca_path')
        # The handshake failed, so no request (and no client secret) ever reached the server.
        assert steps.by_label[label]['counters']['calls_total'] == 0, label
    assert_failed(steps, 'unknown CA, lookup', 'TLS failure talking to %s' % origin, 'ca_path')

    assert_ok(steps, 'ca_path', devices=20)
    lookup = assert_ok(steps, 'ca_path, lookup')
    assert lookup['value']['base_url'] == origin

    insecure = assert_ok(steps, 'validate_certs false', devices=20)
    assert steps.tokens('validate_certs false') == 1
    assert 'Traceback' not in ' '.join(insecure.get('warnings', []))
