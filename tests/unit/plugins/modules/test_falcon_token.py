"""Unit tests of the falcon_token module (and the FalconModule layer), HTTP faked at the requests Session."""
import json

import pytest
from ansible.release import __version__ as CORE_VERSION

from ansible_collections.secops.falcon.plugins.module_utils import _http
from ansible_collections.secops.falcon.plugins.modules import falcon_token

TOKEN = '/oauth2/token'
REVOKE = '/oauth2/revoke'
# ansible-core before 2.21 echoes a module's arguments in its result (invocation.module_args, secret options masked).
ECHOES_ARGS = tuple(int(part) for part in CORE_VERSION.split('.')[:2]) < (2, 21)


@pytest.fixture
def falcon(fake, monkeypatch):
    """A FakeSession every FalconClient of the module gets (the one seam: requests.Session)."""
    session = fake.FakeSession()
    session.add(TOKEN, fake.token_response('tok-first-000000000000'), fake.token_response('tok-second-00000000000'))
    session.add(REVOKE, fake.make_response(200, {'meta': {}, 'errors': []}))
    monkeypatch.setattr(_http.requests, 'Session', lambda: session)
    for name in ('FALCON_CLIENT_ID', 'FALCON_CLIENT_SECRET', 'FALCON_MEMBER_CID', 'FALCON_CLOUD', 'FALCON_BASE_URL',
                 'FALCON_TOKEN_CACHE_DIR'):
        monkeypatch.delenv(name, raising=False)
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
    session = fake.FakeSession().add(TOKEN, fake.make_response(403, {'meta': {'trace_id': 'tr-403'}, 'errors': [
        {'code': 403, 'message': 'Failed to issue access token - Not Authorized'}]}))
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
    result, out = run(state='absent', auth={'access_token': registered['access_token'], 'base_url': registered['base_url']})
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
    registered = dict((key, result[key]) for key in ('changed', 'issued', 'msg', 'access_token', 'token_type', 'cloud',
                                                     'base_url', 'expires_in', 'expires_at'))
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
