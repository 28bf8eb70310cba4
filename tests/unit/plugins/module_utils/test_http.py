"""Unit tests of FalconClient: tokens, re-auth, retries, autodiscovery, odd bodies, scrubbing (HTTP faked at the Session)."""

import time

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError, ReadTimeoutError

from ansible_collections.secops.falcon.plugins.module_utils._errors import (
    FalconApiError,
    FalconAuthError,
    FalconConnectionError,
)
from ansible_collections.secops.falcon.plugins.module_utils._http import FalconClient
from ansible_collections.secops.falcon.plugins.module_utils._retry import (
    RATE_LIMIT_MARGIN,
    RETRY_AFTER_CAP,
    RETRY_BUDGET,
    rate_limit_wait,
    retry_after,
)

DEVICES = '/devices/queries/devices/v1'
TOKEN = '/oauth2/token'


def refused(url='https://api.crowdstrike.com/x'):
    """The exception requests raises for a refused connection."""
    reason = NewConnectionError(None, 'Failed to establish a new connection: [Errno 111] Connection refused')
    return requests.exceptions.ConnectionError(MaxRetryError(None, url, reason=reason))


def read_timeout():
    return requests.exceptions.ReadTimeout(ReadTimeoutError(None, 'https://api.crowdstrike.com/x', 'Read timed out.'))


@pytest.fixture
def session(fake):
    return fake.FakeSession().add(TOKEN, fake.token_response())


def client_for(settings, session):
    return FalconClient(settings, session=session)


# -- tokens ------------------------------------------------------------------------------------------------------------


def test_first_call_issues_token_as_form_fields_then_uses_bearer(fake, session, settings_factory):
    session.add(DEVICES, fake.make_response(200, fake.api_body(['a', 'b'])))
    client = client_for(settings_factory(user_agent='my-tool/1'), session)
    response = client.request('GET', DEVICES, params={'ids': ['x', 'y'], 'hidden': True})
    assert response.resources == ['a', 'b']
    token_call, api_call = session.calls
    assert token_call.method == 'POST' and token_call.url == fake.BASE + TOKEN
    assert token_call.form == {'client_id': fake.CLIENT_ID, 'client_secret': fake.CLIENT_SECRET}
    assert 'auth' not in token_call.kwargs  # Basic would be dropped by requests on a cross-host redirect
    assert token_call.kwargs['allow_redirects'] is False
    assert api_call.headers['Authorization'] == 'Bearer tok-0000000001-abcdefghijklmnop'
    assert api_call.kwargs['params'] == {'ids': ['x', 'y'], 'hidden': 'true'}
    assert api_call.kwargs['timeout'] == 30
    assert session.headers['User-Agent'] == 'secops-falcon/0.1.0 my-tool/1'
    assert client.base_url == fake.BASE


def test_member_cid_is_sent(fake, session, settings_factory):
    session.add(DEVICES, fake.make_response(200, fake.api_body()))
    client_for(settings_factory(member_cid='c1d0000000000000000000000000b002'), session).request('GET', DEVICES)
    assert session.calls[0].form['member_cid'] == 'c1d0000000000000000000000000b002'


def test_second_client_reuses_cached_token(fake, session, settings_factory):
    session.add(DEVICES, fake.make_response(200, fake.api_body()))
    client_for(settings_factory(), session).request('GET', DEVICES)
    client_for(settings_factory(), session).request('GET', DEVICES)
    assert len(session.calls_to(TOKEN)) == 1
    assert len(session.calls_to(DEVICES)) == 2


def test_token_cache_off_issues_per_client(fake, session, settings_factory):
    session.add(DEVICES, fake.make_response(200, fake.api_body()))
    for _attempt in range(3):
        client_for(settings_factory(token_cache=False), session).request('GET', DEVICES)
    assert len(session.calls_to(TOKEN)) == 3


def test_401_drops_token_reauthenticates_once_and_retries(fake, settings_factory):
    unauthorized = fake.make_response(
        401, {'meta': {'trace_id': 'g'}, 'errors': [{'code': 401, 'message': 'access denied, invalid bearer token'}]}
    )
    session = fake.FakeSession().add(
        TOKEN, fake.token_response('tok-old-0000000000000'), fake.token_response('tok-new-0000000000000')
    )
    session.add(DEVICES, unauthorized, fake.make_response(200, fake.api_body(['ok'])))
    client = client_for(settings_factory(), session)
    assert client.request('GET', DEVICES).resources == ['ok']
    auths = [c.headers['Authorization'] for c in session.calls_to(DEVICES)]
    assert auths == ['Bearer tok-old-0000000000000', 'Bearer tok-new-0000000000000']
    # The cache now holds the new token: another client reuses it without a token call.
    client_for(settings_factory(), session).request('GET', DEVICES)
    assert len(session.calls_to(TOKEN)) == 2


def test_401_after_reauth_is_an_auth_error(fake, session, settings_factory):
    session.add(
        DEVICES, fake.make_response(401, {'errors': [{'code': 401, 'message': 'access denied, invalid bearer token'}]})
    )
    with pytest.raises(FalconAuthError) as info:
        client_for(settings_factory(), session).request('GET', DEVICES)
    assert info.value.status == 401
    assert len(session.calls_to(TOKEN)) == 2 and len(session.calls_to(DEVICES)) == 2


def test_given_token_without_credentials_401_explains(fake, settings_factory):
    session = fake.FakeSession().add(
        DEVICES, fake.make_response(401, {'errors': [{'code': 401, 'message': 'access denied'}]})
    )
    settings = settings_factory(client_id=None, client_secret=None, access_token='given-token-000000000', cloud='us-2')
    with pytest.raises(FalconAuthError) as info:
        client_for(settings, session).request('GET', DEVICES)
    assert 'another cloud' in str(info.value) and 'given-token-000000000' not in str(info.value)
    assert session.calls[0].url.startswith('https://api.us-2.crowdstrike.com/')


def test_given_token_with_credentials_is_replaced_after_401(fake, session, settings_factory):
    session.add(DEVICES, fake.make_response(401, {}), fake.make_response(200, fake.api_body(['ok'])))
    client = client_for(settings_factory(access_token='given-token-000000000'), session)
    assert client.request('GET', DEVICES).resources == ['ok']
    assert [c.path for c in session.calls] == [DEVICES, TOKEN, DEVICES]


def refusal(fake, status, message):
    """A token-endpoint refusal with this status and errors[].message."""
    return fake.make_response(status, {'meta': {'trace_id': 'tr-9'}, 'errors': [{'code': status, 'message': message}]})


@pytest.mark.parametrize(
    'status, message',
    [
        (403, 'Failed to issue access token - Not Authorized'),
        (400, 'Failed to generate access token for clientID=x.'),
    ],
)
def test_refused_token_is_a_clear_auth_error(fake, settings_factory, status, message):
    session = fake.FakeSession().add(TOKEN, refusal(fake, status, message))
    with pytest.raises(FalconAuthError) as info:
        client_for(settings_factory(), session).request('GET', DEVICES)
    text = str(info.value)
    # The API's echo of the id is masked: with client_id and client_secret swapped it is the secret.
    shown = message.replace('clientID=x', 'clientID=********')
    assert shown.rstrip('.') in text and 'tr-9' in text and 'HTTP %d' % status in text
    assert 'Falcon refused to issue a token for client_id %s' % fake.CLIENT_ID in text
    assert fake.CLIENT_SECRET not in text


def test_unknown_client_id_says_so_with_the_govcloud_hint(fake, settings_factory):
    # API behaviour 9.5: an unknown client id answers 400; a GovCloud client is unknown to the commercial clouds.
    session = fake.FakeSession().add(TOKEN, refusal(fake, 400, 'Failed to generate access token for clientID=x.'))
    with pytest.raises(FalconAuthError) as info:
        client_for(settings_factory(), session).token()
    text = str(info.value)
    assert 'this cloud has no API client with this id' in text and 'Check client_id.' in text
    assert 'A GovCloud client is never autodiscovered' in text


def test_wrong_secret_says_so_without_the_govcloud_hint(fake, settings_factory):
    session = fake.FakeSession().add(TOKEN, refusal(fake, 403, 'Failed to issue access token - Not Authorized'))
    with pytest.raises(FalconAuthError) as info:
        client_for(settings_factory(), session).token()
    text = str(info.value)
    assert 'the client secret is wrong' in text and 'Check client_secret' in text
    assert 'GovCloud' not in text


def test_no_govcloud_hint_with_a_custom_base_url_or_a_named_cloud(fake, settings_factory):
    for settings in (settings_factory(base_url='http://127.0.0.1:9'), settings_factory(cloud='eu-1')):
        session = fake.FakeSession(
            handler=lambda call: refusal(fake, 400, 'Failed to generate access token for clientID=x.')
        )
        with pytest.raises(FalconAuthError) as info:
            client_for(settings, session).token()
        assert 'this cloud has no API client with this id' in str(info.value)
        assert 'GovCloud' not in str(info.value)


def test_member_cid_refusal_names_the_member(fake, settings_factory):
    cid = 'c1d0000000000000000000000000b009'
    session = fake.FakeSession().add(
        TOKEN, refusal(fake, 403, 'Failed to generate access token for customer ID=%s.' % cid)
    )
    with pytest.raises(FalconAuthError) as info:
        client_for(settings_factory(member_cid=cid), session).token()
    text = str(info.value)
    assert 'member_cid %s is not a member (child) CID' % cid in text
    assert 'client secret is wrong' not in text and 'GovCloud' not in text


def test_token_answer_without_access_token(fake, settings_factory):
    session = fake.FakeSession().add(TOKEN, fake.make_response(201, text='<html>oops</html>'))
    with pytest.raises(FalconAuthError, match='without an access_token'):
        client_for(settings_factory(), session).request('GET', DEVICES)


# -- 308 autodiscovery -------------------------------------------------------------------------------------------------


def redirect(location, region):
    import json

    from requests.structures import CaseInsensitiveDict

    response = requests.Response()
    response.status_code = 308
    response._content = json.dumps({}).encode()  # pylint: disable=protected-access
    response._content_consumed = True  # pylint: disable=protected-access
    headers = {'X-Cs-Region': region}
    if location:
        headers['Location'] = location
    response.headers = CaseInsensitiveDict(headers)
    return response


def test_308_follows_to_home_cloud_and_stays_there(fake, settings_factory):
    session = fake.FakeSession(
        handler=lambda call: {
            (fake.BASE, TOKEN): redirect(fake.EU_BASE + TOKEN, 'eu-1'),
            (fake.EU_BASE, TOKEN): fake.token_response('tok-eu-00000000000000', headers={'X-Cs-Region': 'eu-1'}),
            (fake.EU_BASE, DEVICES): fake.make_response(200, fake.api_body(['eu'])),
        }[(call.url.split(call.path)[0], call.path)]
    )
    client = client_for(settings_factory(), session)
    assert client.request('GET', DEVICES).resources == ['eu']
    assert [c.url for c in session.calls] == [fake.BASE + TOKEN, fake.EU_BASE + TOKEN, fake.EU_BASE + DEVICES]
    assert session.calls[1].form['client_secret'] == fake.CLIENT_SECRET  # re-POSTed as form fields
    assert client.cloud == 'eu-1' and client.base_url == fake.EU_BASE
    # Another task with autodiscover finds the eu-1 token in the cache: no 308 dance again.
    other = client_for(settings_factory(), session)
    other.request('GET', DEVICES)
    assert len(session.calls_to(TOKEN)) == 2 and other.base_url == fake.EU_BASE


def test_308_without_location_uses_region(fake, settings_factory):
    session = fake.FakeSession(
        handler=lambda call: (
            redirect(None, 'us-2') if call.url.startswith(fake.BASE) else fake.token_response(url=call.url)
        )
    )
    token, minted = client_for(settings_factory(), session).issue_token()
    assert minted and token.base_url == 'https://api.us-2.crowdstrike.com' and token.cloud == 'us-2'


def test_308_to_a_foreign_host_is_refused(fake, settings_factory):
    session = fake.FakeSession().add(TOKEN, redirect('https://evil.example.com/oauth2/token', 'eu-1'))
    with pytest.raises(FalconAuthError, match='not a Falcon cloud'):
        client_for(settings_factory(), session).issue_token()
    assert len(session.calls) == 1  # the secret went nowhere else


def test_308_to_govcloud_is_refused(fake, settings_factory):
    session = fake.FakeSession().add(TOKEN, redirect('https://api.laggar.gcw.crowdstrike.com/oauth2/token', 'us-gov-1'))
    with pytest.raises(FalconAuthError, match='never autodiscovered'):
        client_for(settings_factory(), session).issue_token()


def test_308_with_explicit_cloud_names_the_home_cloud(fake, settings_factory):
    session = fake.FakeSession().add(TOKEN, redirect(fake.EU_BASE + TOKEN, 'eu-1'))
    with pytest.raises(FalconAuthError) as info:
        client_for(settings_factory(cloud='us-1'), session).issue_token()
    assert 'set cloud to eu-1' in str(info.value)


def test_308_on_custom_base_url(fake, settings_factory):
    session = fake.FakeSession(
        handler=lambda call: (
            redirect('http://127.0.0.1:9002/oauth2/token', 'eu-1')
            if ':9001' in call.url
            else fake.token_response(url=call.url)
        )
    )
    token = client_for(settings_factory(base_url='http://127.0.0.1:9001'), session).issue_token()[0]
    assert token.base_url == 'http://127.0.0.1:9002' and token.cloud == 'eu-1'
    evil = fake.FakeSession().add(TOKEN, redirect('http://evil.example.com/oauth2/token', 'eu-1'))
    with pytest.raises(FalconAuthError):
        client_for(settings_factory(base_url='http://127.0.0.1:9001', token_cache=False), evil).issue_token()
    assert len(evil.calls) == 1


@pytest.mark.parametrize(
    'base_url, target, why',
    [
        # Both are URLs base_url itself would accept: still not where the secret was meant to go.
        ('https://falcon-gw.example.test', 'https://collector.example.test/oauth2/token', 'another host'),
        ('http://127.0.0.1:9001', 'http://localhost:9002/oauth2/token', 'another host'),
        ('https://127.0.0.1:9001', 'http://127.0.0.1:9002/oauth2/token', 'another scheme'),
    ],
)
def test_308_from_custom_base_url_stays_on_its_host(fake, settings_factory, base_url, target, why):
    session = fake.FakeSession().add(TOKEN, redirect(target, 'eu-1'))
    with pytest.raises(FalconAuthError) as info:
        client_for(settings_factory(base_url=base_url, token_cache=False), session).issue_token()
    assert why in str(info.value) and 'refusing to send the client secret' in str(info.value)
    assert len(session.calls) == 1  # the secret went nowhere else


def test_redirect_loop_is_bounded(fake, settings_factory):
    session = fake.FakeSession().add(TOKEN, redirect(fake.BASE + TOKEN, 'us-1'))
    with pytest.raises(FalconAuthError, match='more than'):
        client_for(settings_factory(), session).issue_token()
    assert len(session.calls) == 4


# -- retries -----------------------------------------------------------------------------------------------------------


def test_429_honours_retryafter_epoch_seconds(fake, session, settings_factory, sleeps):
    stamp = time.time() + 7
    session.add(
        DEVICES,
        fake.make_response(
            429,
            {'errors': [{'code': 429, 'message': 'API rate limit exceeded.'}]},
            headers={'X-Ratelimit-Retryafter': str(int(stamp))},
        ),
        fake.make_response(200, fake.api_body(['ok'])),
    )
    assert client_for(settings_factory(), session).request('GET', DEVICES).resources == ['ok']
    # What the API asks (6-7 s: the stamp is whole seconds) plus the margin (API behaviour 9.5: exactly on time meets
    # a 429).
    assert len(sleeps) == 1 and 6 + RATE_LIMIT_MARGIN <= sleeps[0] <= 7 + RATE_LIMIT_MARGIN + 0.5


def test_repeated_429_waits_longer_each_time(fake, session, settings_factory, sleeps):
    limited = fake.make_response(
        429, {'errors': [{'code': 429, 'message': 'API rate limit exceeded.'}]}, headers={'X-Ratelimit-Retryafter': '1'}
    )
    session.add(DEVICES, limited, limited, limited, fake.make_response(200, fake.api_body(['ok'])))
    assert client_for(settings_factory(), session).request('GET', DEVICES).resources == ['ok']
    assert len(sleeps) == 3
    # 1 s asked each time; the margin past it doubles (1, 2, 4 s, each with under 0.5 s of jitter).
    assert 2.0 <= sleeps[0] < 2.5 and 3.0 <= sleeps[1] < 3.5 and 5.0 <= sleeps[2] < 5.5


def test_final_429_says_how_long_it_waited(fake, session, settings_factory, sleeps):
    session.add(DEVICES, fake.make_response(429, {}, headers={'X-Ratelimit-Retryafter': '1'}))
    with pytest.raises(FalconApiError) as info:
        client_for(settings_factory(retries=2), session).request('GET', DEVICES)
    text = str(info.value)
    assert 'after 3 attempts' in text and 'rate limited' in text
    assert 'waited %.1f s in total' % sum(sleeps) in text and 'no retries left (retries: 2)' in text


def test_rate_limit_wait_is_capped_above_a_minute():
    now = 1_800_000_000.0
    # The token endpoint's one-minute window can ask for 61 s: that is honoured (with the margin), not cut to 60.
    assert 62 <= rate_limit_wait({'X-Ratelimit-Retryafter': str(now + 61)}, 0, now=now) < 62.5
    assert rate_limit_wait({'X-Ratelimit-Retryafter': str(now + 9999)}, 5, now=now) == RETRY_AFTER_CAP


def test_retryafter_units_and_cap():
    now = 1_800_000_000.0
    assert retry_after({'X-Ratelimit-Retryafter': str(now + 3)}, 0, now=now) == pytest.approx(3)
    assert retry_after({'X-Ratelimit-Retryafter': str((now + 4) * 1000)}, 0, now=now) == pytest.approx(4)
    assert retry_after({'X-Ratelimit-Retryafter': str(now + 9999)}, 0, now=now) == RETRY_AFTER_CAP
    assert retry_after({'X-Ratelimit-Retryafter': str(now - 50)}, 0, now=now) == 0.25
    assert retry_after({'Retry-After': '2'}, 0, now=now) == 2
    assert 0.25 <= retry_after({'X-Ratelimit-Retryafter': 'soon'}, 0, now=now) <= 0.5


def test_429_on_a_write_is_retried(fake, session, settings_factory, sleeps):
    session.add(
        '/devices/entities/devices-actions/v2',
        fake.make_response(429, {}),
        fake.make_response(202, fake.api_body([{'id': 'a'}])),
    )
    client = client_for(settings_factory(), session)
    response = client.request('POST', '/devices/entities/devices-actions/v2', json={'ids': ['a']}, ok=(202,))
    assert response.status == 202 and len(sleeps) == 1


@pytest.mark.parametrize('status', [500, 502, 503, 504])
def test_5xx_retried_for_reads(fake, session, settings_factory, sleeps, status):
    session.add(
        DEVICES,
        fake.make_response(status, text='<html>bad gateway</html>'),
        fake.make_response(200, fake.api_body(['ok'])),
    )
    assert client_for(settings_factory(), session).request('GET', DEVICES).resources == ['ok']
    assert len(sleeps) == 1 and 0.25 <= sleeps[0] <= 0.5


def test_5xx_not_retried_for_writes(fake, session, settings_factory, sleeps):
    session.add('/w', fake.make_response(503, {'errors': [{'code': 503, 'message': 'unavailable'}]}))
    with pytest.raises(FalconApiError) as info:
        client_for(settings_factory(), session).request('POST', '/w', json={})
    assert info.value.status == 503 and 'not retried' in str(info.value)
    assert sleeps == [] and len(session.calls_to('/w')) == 1


def test_post_used_as_read_is_retried(fake, session, settings_factory, sleeps):
    session.add('/r', fake.make_response(500, {}), fake.make_response(200, fake.api_body()))
    client_for(settings_factory(), session).request('POST', '/r', json={'ids': []}, idempotent=True)
    assert len(session.calls_to('/r')) == 2


def test_retries_exhausted(fake, session, settings_factory, sleeps):
    session.add(
        DEVICES, fake.make_response(503, {'meta': {'trace_id': 'tr-x'}, 'errors': [{'code': 503, 'message': 'down'}]})
    )
    with pytest.raises(FalconApiError) as info:
        client_for(settings_factory(retries=2), session).request('GET', DEVICES)
    err = info.value
    assert err.status == 503 and err.trace_id == 'tr-x' and 'after 3 attempts' in str(err) and 'down' in str(err)
    assert len(session.calls_to(DEVICES)) == 3
    assert sleeps[1] > sleeps[0] * 0.9  # exponential (with jitter)


def test_retries_zero_means_one_attempt(fake, session, settings_factory, sleeps):
    session.add(DEVICES, fake.make_response(429, {}))
    with pytest.raises(FalconApiError, match='rate limited'):
        client_for(settings_factory(retries=0), session).request('GET', DEVICES)
    assert sleeps == []


def test_connection_refused_is_retried_even_for_writes(fake, session, settings_factory, sleeps):
    session.add('/w', refused(), fake.make_response(200, fake.api_body()))
    client_for(settings_factory(), session).request('POST', '/w', json={})
    assert len(session.calls_to('/w')) == 2


def test_dns_failure_is_retried_even_for_writes(fake, session, settings_factory, sleeps):
    """A name that did not resolve proves nothing was sent: a write is repeated like after a refused connect."""
    reason = NameResolutionError(
        'api.crowdstrike.com', None, OSError('[Errno -3] Temporary failure in name resolution')
    )
    failure = requests.exceptions.ConnectionError(MaxRetryError(None, 'https://api.crowdstrike.com/w', reason=reason))
    session.add('/w', failure, fake.make_response(200, fake.api_body()))
    client_for(settings_factory(), session).request('POST', '/w', json={})
    assert len(session.calls_to('/w')) == 2


def test_read_timeout_not_retried_for_writes(fake, session, settings_factory, sleeps):
    session.add('/w', read_timeout())
    with pytest.raises(FalconConnectionError, match='not retried'):
        client_for(settings_factory(), session).request('POST', '/w', json={})
    assert len(session.calls_to('/w')) == 1


def test_read_timeout_retried_for_reads_then_gives_up(fake, session, settings_factory, sleeps):
    session.add(DEVICES, read_timeout())
    with pytest.raises(FalconConnectionError) as info:
        client_for(settings_factory(retries=1), session).request('GET', DEVICES)
    assert 'after 2 attempts' in str(info.value)
    assert len(session.calls_to(DEVICES)) == 2


def test_tls_failure_is_explained(fake, settings_factory):
    session = fake.FakeSession().add(TOKEN, requests.exceptions.SSLError('certificate verify failed'))
    with pytest.raises(FalconConnectionError, match='ca_path'):
        client_for(settings_factory(), session).issue_token()


# -- bodies ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    'body',
    [
        {'meta': {}, 'errors': []},
        {'meta': {}, 'resources': None, 'errors': None},
        {},
    ],
)
def test_bodies_without_resources(fake, session, settings_factory, body):
    session.add(DEVICES, fake.make_response(200, body))
    response = client_for(settings_factory(), session).request('GET', DEVICES)
    assert response.resources == [] and response.errors == [] and response.pagination == {}


def test_empty_body(fake, session, settings_factory):
    session.add(DEVICES, fake.make_response(200))
    response = client_for(settings_factory(), session).request('GET', DEVICES)
    assert response.body == {} and response.resources == []


def test_non_json_success_is_a_clear_error(fake, session, settings_factory):
    session.add(
        DEVICES, fake.make_response(200, text='<html>proxy login</html>', headers={'Content-Type': 'text/html'})
    )
    with pytest.raises(FalconApiError) as info:
        client_for(settings_factory(), session).request('GET', DEVICES)
    assert (
        'not a JSON object' in str(info.value) and 'text/html' in str(info.value) and 'proxy login' in str(info.value)
    )


def test_gateway_error_without_resources(fake, session, settings_factory):
    session.add(
        DEVICES,
        fake.make_response(
            403,
            {
                'meta': {'trace_id': 'tr-403'},
                'errors': [{'code': 403, 'message': 'access denied, scope not permitted'}],
            },
        ),
    )
    with pytest.raises(FalconApiError) as info:
        client_for(settings_factory(), session).request('GET', DEVICES)
    assert info.value.status == 403 and info.value.trace_id == 'tr-403'
    assert info.value.errors == [{'code': 403, 'message': 'access denied, scope not permitted'}]


def test_trace_id_header_wins(fake, session, settings_factory):
    session.add(DEVICES, fake.make_response(500, {'meta': {'trace_id': 'body'}}, headers={'X-Cs-Traceid': 'header'}))
    with pytest.raises(FalconApiError) as info:
        client_for(settings_factory(retries=0), session).request('GET', DEVICES)
    assert info.value.trace_id == 'header'


# -- secrets -----------------------------------------------------------------------------------------------------------


def test_secrets_scrubbed_from_transport_errors(fake, settings_factory, sleeps):
    secret = fake.CLIENT_SECRET
    session = fake.FakeSession().add(
        TOKEN,
        requests.exceptions.ConnectionError(
            'boom client_secret=%s body=%s Authorization: Bearer eyJabcdefghijklmnop' % (secret, secret)
        ),
    )
    with pytest.raises(FalconConnectionError) as info:
        client_for(settings_factory(retries=0), session).issue_token()
    text = str(info.value)
    assert secret not in text and 'eyJabcdefghijklmnop' not in text
    assert secret not in repr(info.value.args)


def test_token_never_in_error_texts(fake, session, settings_factory):
    session.add(
        DEVICES, fake.make_response(400, {'errors': [{'code': 400, 'message': 'bad tok-0000000001-abcdefghijklmnop'}]})
    )
    with pytest.raises(FalconApiError) as info:
        client_for(settings_factory(), session).request('GET', DEVICES)
    assert 'tok-0000000001-abcdefghijklmnop' not in str(info.value)


# -- revoke and session settings ---------------------------------------------------------------------------------------


def test_revoke_uses_basic_auth_and_form(fake, settings_factory):
    session = fake.FakeSession().add('/oauth2/revoke', fake.make_response(200, {'meta': {}, 'errors': []}))
    client_for(settings_factory(), session).revoke('tok-to-revoke-000000', base_url=fake.EU_BASE)
    call = session.calls[0]
    assert call.url == fake.EU_BASE + '/oauth2/revoke'
    assert call.form == {'token': 'tok-to-revoke-000000', 'client_id': fake.CLIENT_ID}
    auth = call.kwargs['auth']
    assert (auth.username, auth.password) == (fake.CLIENT_ID, fake.CLIENT_SECRET)


def test_revoke_refused(fake, settings_factory):
    session = fake.FakeSession().add(
        '/oauth2/revoke',
        fake.make_response(403, {'errors': [{'code': 403, 'message': 'access denied, authorization failed'}]}),
    )
    with pytest.raises(FalconApiError, match='authorization failed'):
        client_for(settings_factory(), session).revoke('tok-to-revoke-000000')


def test_session_settings(fake, settings_factory, tmp_path):
    bundle = tmp_path / 'ca.pem'
    bundle.write_text('x')
    session = fake.FakeSession().add('/oauth2/token', fake.token_response())
    client_for(settings_factory(ca_path=str(bundle), proxy='http://127.0.0.1:3128', timeout=5), session).token()
    assert session.verify == str(bundle)
    assert session.calls[0].kwargs['proxies'] == {'http': 'http://127.0.0.1:3128', 'https': 'http://127.0.0.1:3128'}
    # requests' own environment reading stays off: it would let ~/.netrc replace the bearer header.
    assert session.trust_env is False
    other = fake.FakeSession()
    insecure = client_for(settings_factory(validate_certs=False), other)
    assert other.verify is False
    assert any('validate_certs is false' in w for w in insecure.warnings)
    assert not client_for(settings_factory(), fake.FakeSession()).warnings


def test_settings_dict_accepted(fake, cache_dir):
    session = fake.FakeSession()
    client = FalconClient(
        {
            'client_id': fake.CLIENT_ID,
            'client_secret': fake.CLIENT_SECRET,
            'cloud': 'eu-1',
            'token_cache_dir': cache_dir,
        },
        session=session,
    )
    assert client.cloud == 'eu-1' and client.base_url == fake.EU_BASE


def test_truncated_json_retried_for_reads(fake, session, settings_factory, sleeps):
    session.add(
        DEVICES,
        fake.make_response(
            200, text='{"meta": {"trace_id": "x"}, "resour', headers={'Content-Type': 'application/json'}
        ),
        fake.make_response(200, fake.api_body(['ok'])),
    )
    assert client_for(settings_factory(), session).request('GET', DEVICES).resources == ['ok']
    assert len(sleeps) == 1


def test_truncated_json_not_retried_for_writes(fake, session, settings_factory, sleeps):
    session.add('/w', fake.make_response(200, text='{"meta": {', headers={'Content-Type': 'application/json'}))
    with pytest.raises(FalconApiError, match='not a JSON object'):
        client_for(settings_factory(), session).request('POST', '/w', json={})
    assert sleeps == []


def test_broken_chunked_body_retried_for_reads(fake, session, settings_factory, sleeps):
    session.add(
        DEVICES,
        requests.exceptions.ChunkedEncodingError('Connection broken: IncompleteRead'),
        fake.make_response(200, fake.api_body(['ok'])),
    )
    assert client_for(settings_factory(), session).request('GET', DEVICES).resources == ['ok']


def test_long_timeout_still_retries(fake, session, settings_factory, sleeps):
    session.add(DEVICES, fake.make_response(503, {}), fake.make_response(200, fake.api_body()))
    client_for(settings_factory(timeout=600), session).request('GET', DEVICES)
    assert len(sleeps) == 1


def test_total_wait_is_bounded(fake, session, settings_factory, sleeps):
    far = str(int(time.time()) + 3600)
    session.add(DEVICES, fake.make_response(429, {}, headers={'X-Ratelimit-Retryafter': far}))
    with pytest.raises(FalconApiError) as info:
        client_for(settings_factory(retries=10), session).request('GET', DEVICES)
    assert sleeps == [RETRY_AFTER_CAP] * 2  # 2 x 90 s fill the 180 s budget: no 3rd wait
    assert info.value.status == 429 and 'after 3 attempts' in str(info.value)
    assert 'would exceed the retry budget of %d s' % RETRY_BUDGET in str(info.value)


# -- whole-answer deadline and size cap ----------------------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """The client's deadline clock, moved by the tests instead of waiting; returns a one-item list holding now."""
    from ansible_collections.secops.falcon.plugins.module_utils import _http

    now = [1000.0]
    monkeypatch.setattr(_http, '_now', lambda: now[0])
    return now


def dripping(fake, clock, streams, gap=1.5, size=5000):
    """An answer whose body arrives one byte per read, each read taking gap seconds of the test clock."""

    def answer(call):
        def tick(_n):
            clock[0] += gap

        stream = fake.FakeStream([b'{'] + [b' '] * size + [b'}'], on_read=tick)
        streams.append(stream)
        return fake.make_response(200, headers={'Content-Type': 'application/json'}, url=call.url, stream=stream)

    return answer


def test_body_slower_than_timeout_is_a_timeout_retried_for_reads(fake, session, settings_factory, sleeps, clock):
    streams = []
    session.add(DEVICES, dripping(fake, clock, streams))
    with pytest.raises(FalconConnectionError) as info:
        client_for(settings_factory(timeout=2, retries=1), session).request('GET', DEVICES)
    text = str(info.value)
    assert 'GET https://api.crowdstrike.com%s failed after 2 attempts' % DEVICES in text
    assert 'the answer took longer than the timeout of 2 seconds to arrive' in text
    assert len(session.calls_to(DEVICES)) == 2
    # Each attempt stops at its deadline (two reads of 1.5 s) and closes the answer; the socket never waits past it.
    assert [s.reads for s in streams] == [2, 2] and all(s.closed for s in streams)
    assert streams[0].connection.sock.timeouts == [2.0, 0.5]


def test_body_slower_than_timeout_not_retried_for_writes(fake, session, settings_factory, sleeps, clock):
    streams = []
    session.add('/w', dripping(fake, clock, streams))
    with pytest.raises(FalconConnectionError) as info:
        client_for(settings_factory(timeout=2, retries=2), session).request('POST', '/w', json={})
    assert 'took longer than the timeout of 2 seconds' in str(info.value) and 'not retried' in str(info.value)
    assert len(session.calls_to('/w')) == 1


def test_streamed_body_within_timeout_is_read_whole(fake, session, settings_factory, clock):
    body = b'{"meta": {}, "resources": ["a", "b"], "errors": []}'
    stream = fake.FakeStream(
        [body[:10], body[10:30], body[30:]], on_read=lambda n: clock.__setitem__(0, clock[0] + 0.5)
    )
    session.add(DEVICES, fake.make_response(200, headers={'Content-Type': 'application/json'}, stream=stream))
    response = client_for(settings_factory(timeout=2), session).request('GET', DEVICES)
    assert response.resources == ['a', 'b'] and stream.closed


def test_body_over_the_size_cap_is_a_clear_error(fake, session, settings_factory, sleeps):
    from ansible_collections.secops.falcon.plugins.module_utils._http import MAX_BODY

    mib = b'x' * (1024 * 1024)
    stream = fake.FakeStream([mib] * (MAX_BODY // len(mib) + 1))
    session.add(DEVICES, fake.make_response(200, headers={'Content-Type': 'application/json'}, stream=stream))
    with pytest.raises(FalconConnectionError) as info:
        client_for(settings_factory(retries=2), session).request('GET', DEVICES)
    assert 'the answer is larger than 64 MiB' in str(info.value) and 'xxxx' not in str(info.value)
    assert len(session.calls_to(DEVICES)) == 1 and stream.closed and stream.chunks == []
