"""Unit tests of the falcon_token module (and the FalconModule layer), HTTP faked at the requests Session."""

import json
import os

import pytest
from ansible.release import __version__ as CORE_VERSION
from env_guard import clear_with_monkeypatch

from ansible_collections.secops.falcon.plugins.module_utils import _http
from ansible_collections.secops.falcon.plugins.modules import falcon_token

TOKEN = '/oauth2/token'
REVOKE = '/oauth2/revoke'
CHECK = '/devices/queries/devices/v1'
# ansible-core before 2.21 echoes a module's arguments in its result (invocation.module_args, secret options masked).
ECHOES_ARGS = tuple(int(part) for part in CORE_VERSION.split('.')[:2]) < (2, 21)


@pytest.fixture
def falcon(fake, monkeypatch):
    """A FakeSession every FalconClient of the module gets (the one seam: requests.Session)."""
    session = fake.FakeSession()
    session.add(TOKEN, fake.token_response('tok-first-000000000000'), fake.token_response('tok-second-00000000000'))
    session.add(REVOKE, fake.make_response(200, {'meta': {}, 'errors': []}))
    # The cheap read that checks a cached token: valid unless a test says otherwise.
    session.add(CHECK, fake.make_response(200, fake.api_body(['device-1'])))
    monkeypatch.setattr(_http.requests, 'Session', lambda: session)
    clear_with_monkeypatch(monkeypatch, os.environ)
    return session


@pytest.fixture
def run(module_runner):
    """Run falcon_token with args; return (result dict, raw stdout)."""

    def runner(**args):
        return module_runner(falcon_token, **args)

    return runner


def test_present_issues_then_reuses(falcon, run, fake):
    first, out = run()
    assert first['changed'] is True and first['issued'] is True
    assert first['access_token'] == 'tok-first-000000000000'
    assert first['token_type'] == 'bearer' and first['cloud'] == 'us-1'
    assert first['base_url'] == fake.BASE
    assert 1700 < first['expires_in'] <= 1799 and first['expires_at'].endswith('Z')
    assert fake.CLIENT_SECRET not in out
    if ECHOES_ARGS:
        assert first['invocation']['module_args']['client_secret'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
    else:
        assert 'invocation' not in first
    second = run()[0]
    assert second['changed'] is False and second['access_token'] == first['access_token']
    assert len(falcon.calls_to(TOKEN)) == 1


def test_present_without_cache_issues_every_time(falcon, run):
    assert run(token_cache=False)[0]['changed'] is True
    assert run(token_cache=False)[0]['changed'] is True
    assert len(falcon.calls_to(TOKEN)) == 2


def test_present_check_mode_never_issues(falcon, run):
    result = run(check_mode=True)[0]
    assert result['changed'] is True and 'access_token' not in result
    assert falcon.calls == []
    run()
    cached = run(check_mode=True)[0]
    assert cached['changed'] is False and cached['access_token'] == 'tok-first-000000000000'
    assert len(falcon.calls_to(TOKEN)) == 1


def test_env_fallbacks(falcon, run, fake, monkeypatch, cache_dir):
    monkeypatch.setenv('FALCON_CLIENT_ID', fake.CLIENT_ID)
    monkeypatch.setenv('FALCON_CLIENT_SECRET', fake.CLIENT_SECRET)
    monkeypatch.setenv('FALCON_CLOUD', 'eu-1')
    monkeypatch.setenv('FALCON_TOKEN_CACHE_DIR', cache_dir)
    result, out = run(credentials=False, token_cache_dir=None)
    assert result['changed'] is True
    assert falcon.calls[0].url == fake.EU_BASE + TOKEN
    assert fake.CLIENT_SECRET not in out


def test_missing_credentials_fail_clearly(falcon, run):
    result = run(credentials=False)[0]
    assert result['failed'] is True
    assert 'client_id and client_secret (or access_token) are required' in result['msg']
    assert falcon.calls == []


def test_present_needs_credentials_even_with_a_token(falcon, run):
    result = run(credentials=False, access_token='some-token-0000000000', cloud='us-1')[0]
    assert result['failed'] is True and 'state=present needs client_id and client_secret' in result['msg']
    assert 'some-token-0000000000' not in json.dumps(result)


def test_refused_credentials(fake, monkeypatch, run):
    session = fake.FakeSession().add(
        TOKEN,
        fake.make_response(
            403,
            {
                'meta': {'trace_id': 'tr-403'},
                'errors': [{'code': 403, 'message': 'Failed to issue access token - Not Authorized'}],
            },
        ),
    )
    monkeypatch.setattr(_http.requests, 'Session', lambda: session)
    result, out = run()
    assert result['failed'] is True
    assert 'Failed to issue access token - Not Authorized' in result['msg']
    assert result['status'] == 403 and result['trace_id'] == 'tr-403'
    assert result['api_errors'] == [{'code': 403, 'message': 'Failed to issue access token - Not Authorized'}]
    assert fake.CLIENT_SECRET not in out


def test_bad_option_values_fail_clearly(falcon, run):
    result = run(base_url='http://api.example.com')[0]
    assert result['failed'] is True and "'http://api.example.com'" in result['msg']
    result = run(timeout=0)[0]
    assert result['failed'] is True and 'timeout must be a whole number from 1 to 600' in result['msg']
    assert falcon.calls == []


def test_absent_revokes_cached_token_and_evicts(falcon, run, fake):
    run()
    result = run(state='absent')[0]
    assert result['changed'] is True and result['revoked'] is True
    revoke = falcon.calls_to(REVOKE)[0]
    assert revoke.form['token'] == 'tok-first-000000000000'
    assert revoke.kwargs['auth'].username == fake.CLIENT_ID
    again = run(state='absent')[0]
    assert again['changed'] is False
    # The next present issues a new token: the revoked one is gone from the cache.
    assert run()[0]['access_token'] == 'tok-second-00000000000'


def test_absent_check_mode_never_revokes(falcon, run):
    run()
    result = run(state='absent', check_mode=True)[0]
    assert result['changed'] is True and falcon.calls_to(REVOKE) == []
    assert run()[0]['changed'] is False  # still cached


def test_absent_revokes_a_given_token(falcon, run):
    registered = run()[0]
    result, out = run(
        state='absent', auth={'access_token': registered['access_token'], 'base_url': registered['base_url']}
    )
    assert result['changed'] is True
    assert falcon.calls_to(REVOKE)[0].form['token'] == registered['access_token']
    assert registered['access_token'] not in out
    assert run()[0]['access_token'] == 'tok-second-00000000000'


def test_absent_with_nothing_cached(falcon, run):
    result = run(state='absent')[0]
    assert result['changed'] is False and falcon.calls == []


def test_absent_needs_credentials(falcon, run):
    result = run(state='absent', credentials=False, access_token='some-token-0000000000', cloud='us-1')[0]
    assert result['failed'] is True and 'state=absent needs client_id and client_secret' in result['msg']


def test_auth_from_a_registered_result_masks_only_its_token(falcon, run, fake):
    result = run()[0]
    # What register keeps of a falcon_token result (the plain values the module returned).
    registered = dict(
        (key, result[key])
        for key in (
            'changed',
            'issued',
            'msg',
            'access_token',
            'token_type',
            'cloud',
            'base_url',
            'expires_in',
            'expires_at',
        )
    )
    # auth is no_log, so Ansible would mask every value of the registered result (cloud, base_url, bearer, 1799 ...)
    # in the next result; only the token is secret.
    result, out = run(state='absent', auth=registered)
    assert result['changed'] is True and registered['access_token'] not in out
    assert result['msg'] == 'Revoked the given token.'
    if ECHOES_ARGS:
        assert result['invocation']['module_args']['auth']['access_token'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
    else:
        assert 'invocation' not in result
    again = run(auth=registered, token_cache=False)[0]
    assert again['cloud'] == 'us-1' and again['base_url'] == fake.BASE and again['token_type'] == 'bearer', again


@pytest.mark.parametrize(
    'cloud, base',
    [
        ('us1', 'https://api.crowdstrike.com'),
        ('US-1', 'https://api.crowdstrike.com'),
        ('gov1', 'https://api.laggar.gcw.crowdstrike.com'),
        ('auto', 'https://api.crowdstrike.com'),
    ],
)
def test_cloud_aliases_pass_the_argspec(falcon, run, cloud, base):
    result = run(cloud=cloud)[0]
    assert result.get('failed') is not True, result['msg']
    assert falcon.calls[0].url == base + TOKEN


def test_empty_falcon_cloud_means_not_set(falcon, run, fake, monkeypatch):
    # The AWX credential type injects FALCON_CLOUD="" for an empty field.
    monkeypatch.setenv('FALCON_CLOUD', '')
    result = run()[0]
    assert result.get('failed') is not True, result['msg']
    assert falcon.calls[0].url == fake.BASE + TOKEN


def test_present_checks_a_cached_token_and_replaces_a_revoked_one(falcon, run, fake):
    first = run()[0]
    assert falcon.calls_to(CHECK) == []  # a token issued by this task needs no check
    reused = run()[0]
    assert reused['changed'] is False and reused['access_token'] == first['access_token']
    check = falcon.calls_to(CHECK)[0]
    assert check.headers['Authorization'] == 'Bearer ' + first['access_token'] and check.kwargs['params'] == {
        'limit': 1
    }
    # The API revoked it since (someone ran state=absent elsewhere, or revoked it in the console).
    falcon.routes[CHECK] = [
        fake.make_response(401, {'errors': [{'code': 401, 'message': 'access denied, invalid bearer token'}]})
    ]
    renewed = run()[0]
    assert renewed['changed'] is True and renewed['issued'] is True
    assert renewed['access_token'] == 'tok-second-00000000000'
    assert len(falcon.calls_to(TOKEN)) == 2


def test_present_check_mode_predicts_a_new_token_for_a_revoked_one(falcon, run, fake):
    run()
    falcon.routes[CHECK] = [fake.make_response(401, {})]
    result = run(check_mode=True)[0]
    assert result['changed'] is True and 'access_token' not in result
    assert len(falcon.calls_to(TOKEN)) == 1


def test_a_scope_refusal_still_proves_the_cached_token_valid(falcon, run, fake):
    first = run()[0]
    falcon.routes[CHECK] = [
        fake.make_response(403, {'errors': [{'code': 403, 'message': 'access denied, scope not permitted'}]})
    ]
    again = run()[0]
    assert again['changed'] is False and again['access_token'] == first['access_token']


def test_absent_with_a_given_token_and_autodiscover_never_issues_one(falcon, run):
    result = run(state='absent', access_token='given-token-0000000000')[0]
    assert result['failed'] is True and 'set cloud or base_url' in result['msg']
    assert falcon.calls == []


def test_absent_with_a_given_token_and_a_named_cloud_revokes_there(falcon, run, fake):
    result = run(state='absent', access_token='given-token-0000000000', cloud='eu-1')[0]
    assert result['changed'] is True
    assert [c.url for c in falcon.calls] == [fake.EU_BASE + REVOKE]


def test_every_module_warning_is_scrubbed_whoever_calls_warn(fake, cache_dir, capsys, monkeypatch, module_args):
    from ansible_collections.secops.falcon.plugins.module_utils._module import FalconModule

    # The path the resource modules take (module.ansible.warn) as well as FalconModule.warn.
    args = dict(client_id=fake.CLIENT_ID, client_secret=fake.CLIENT_SECRET, token_cache_dir=cache_dir)
    with module_args(args):
        module = FalconModule({}, supports_check_mode=True)
        module.ansible.warn('echoed by a library: client_secret=%s' % fake.CLIENT_SECRET)
        module.warn('and again: %s' % fake.CLIENT_SECRET)
        with pytest.raises(SystemExit):
            module.exit()
    result = json.loads(capsys.readouterr().out)
    # ansible-core 2.19 returns warnings as structured events, older versions as strings.
    # (Warnings of earlier tests in this process may be listed too: look at ours.)
    texts = [
        json.dumps(w)
        for w in result['warnings']
        if 'echoed by a library' in json.dumps(w) or 'and again' in json.dumps(w)
    ]
    assert len(texts) == 2
    assert all(fake.CLIENT_SECRET not in t and '********' in t for t in texts), texts


def test_client_warnings_reach_the_callback_as_they_happen(fake, settings_factory):
    seen = []
    client = _http.FalconClient(settings_factory(validate_certs=False), session=fake.FakeSession(), warn=seen.append)
    assert any('validate_certs is false' in w for w in seen) and client.warnings == []
    assert client.token_value is None


def test_proxy_password_is_masked_in_invocation(falcon, run):
    """The proxy option is not no_log, but the password of its URL is a secret."""
    result, out = run(proxy='http://squid:pr0xy-passw0rd@127.0.0.1:3128')
    assert 'pr0xy-passw0rd' not in out
    if ECHOES_ARGS:
        assert result['invocation']['module_args']['proxy'] == 'http://squid:********@127.0.0.1:3128'
    else:
        assert 'invocation' not in result


@pytest.mark.parametrize(
    'url, masked',
    [
        ('http://u:secret@proxy:3128', 'http://u:********@proxy:3128'),
        ('https://u:s3cr3t@proxy/', 'https://u:********@proxy/'),
        ('http://proxy:3128', 'http://proxy:3128'),
        ('http://user@proxy:3128', 'http://user@proxy:3128'),
        (None, None),
    ],
)
def test_masked_proxy(url, masked):
    from ansible_collections.secops.falcon.plugins.module_utils._module import masked_proxy

    assert masked_proxy(url) == masked
