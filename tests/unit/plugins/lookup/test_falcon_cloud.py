"""Unit tests of the falcon_cloud lookup (HTTP faked at the requests Session for autodiscovery)."""

import pytest
from ansible.errors import AnsibleLookupError
from ansible.plugins.loader import lookup_loader

from ansible_collections.secops.falcon.plugins.module_utils import _http
from ansible_collections.secops.falcon.plugins.plugin_utils import _core_compat

TOKEN = '/oauth2/token'


@pytest.fixture
def lookup():
    plugin = lookup_loader.get('secops.falcon.falcon_cloud')
    assert plugin is not None
    return plugin


@pytest.fixture
def session(fake, monkeypatch):
    session = fake.FakeSession()
    monkeypatch.setattr(_http.requests, 'Session', lambda: session)
    return session


@pytest.mark.parametrize(
    'term, name, url',
    [
        ('eu-1', 'eu-1', 'https://api.eu-1.crowdstrike.com'),
        ('US2', 'us-2', 'https://api.us-2.crowdstrike.com'),
        ('us-3', 'us-3', 'https://api.us-3.crowdstrike.com'),
        ('gov1', 'us-gov-1', 'https://api.laggar.gcw.crowdstrike.com'),
        ('us-gov-2', 'us-gov-2', 'https://api.us-gov-2.crowdstrike.mil'),
    ],
)
def test_names(lookup, session, term, name, url):
    assert lookup.run([term], {}) == [{'name': name, 'base_url': url}]
    assert session.calls == []


def test_several_terms(lookup, session):
    assert [r['name'] for r in lookup.run(['us-1', 'eu-1'], {})] == ['us-1', 'eu-1']


def test_unknown_name_lists_valid_ones(lookup, session):
    with pytest.raises(AnsibleLookupError) as info:
        lookup.run(['mars-1'], {})
    text = str(info.value)
    assert "'mars-1'" in text and 'us-gov-2' in text and 'autodiscover' in text


def test_autodiscover_follows_308_and_uses_the_cache(lookup, session, fake, cache_dir):
    import requests
    from requests.structures import CaseInsensitiveDict

    def answer(call):
        if call.url.startswith(fake.BASE):
            response = requests.Response()
            response.status_code = 308
            response._content = b''  # pylint: disable=protected-access
            response.headers = CaseInsensitiveDict({'Location': fake.EU_BASE + TOKEN, 'X-Cs-Region': 'eu-1'})
            return response
        return fake.token_response(headers={'X-Cs-Region': 'eu-1'}, url=call.url)

    session.handler = answer
    kwargs = dict(client_id=fake.CLIENT_ID, client_secret=fake.CLIENT_SECRET, token_cache_dir=cache_dir)
    assert lookup.run(['autodiscover'], {}, **kwargs) == [{'name': 'eu-1', 'base_url': fake.EU_BASE}]
    assert lookup.run(['autodiscover'], {}, **kwargs) == [{'name': 'eu-1', 'base_url': fake.EU_BASE}]
    assert len(session.calls) == 2  # one 308 + one 201, then the cached token answers


def test_autodiscover_from_variables_and_env(lookup, session, fake, cache_dir, monkeypatch):
    session.add(TOKEN, fake.token_response(headers={'X-Cs-Region': 'us-1'}))
    monkeypatch.setenv('FALCON_CLIENT_SECRET', fake.CLIENT_SECRET)
    monkeypatch.setenv('FALCON_TOKEN_CACHE_DIR', cache_dir)
    result = lookup.run([], {'falcon_client_id': fake.CLIENT_ID})
    assert result == [{'name': 'us-1', 'base_url': fake.BASE}]


def test_autodiscover_without_credentials(lookup, session):
    with pytest.raises(AnsibleLookupError, match='client_id and client_secret'):
        lookup.run(['autodiscover'], {})


def test_refused_credentials_never_leak_the_secret(lookup, session, fake, cache_dir):
    session.add(
        TOKEN,
        fake.make_response(
            403, {'errors': [{'code': 403, 'message': 'Failed to issue access token - Not Authorized'}]}
        ),
    )
    with pytest.raises(AnsibleLookupError) as info:
        lookup.run(
            ['autodiscover'], {}, client_id=fake.CLIENT_ID, client_secret=fake.CLIENT_SECRET, token_cache_dir=cache_dir
        )
    assert 'Not Authorized' in str(info.value) and fake.CLIENT_SECRET not in str(info.value)


def test_bad_option_is_a_lookup_error(lookup, session, fake):
    with pytest.raises(AnsibleLookupError, match='plain http'):
        lookup.run(
            ['autodiscover'],
            {},
            client_id=fake.CLIENT_ID,
            client_secret=fake.CLIENT_SECRET,
            base_url='http://example.com',
        )


@pytest.mark.parametrize('term', ['auto', 'AUTODISCOVER'])
def test_autodiscover_aliases(lookup, session, fake, cache_dir, term):
    session.add(TOKEN, fake.token_response(headers={'X-Cs-Region': 'us-1'}))
    result = lookup.run(
        [term], {}, client_id=fake.CLIENT_ID, client_secret=fake.CLIENT_SECRET, token_cache_dir=cache_dir
    )
    assert result == [{'name': 'us-1', 'base_url': fake.BASE}]


@pytest.mark.parametrize('cloud, name', [('US-1', 'us-1'), ('gov1', 'us-gov-1'), ('eu1', 'eu-1')])
def test_cloud_option_aliases(lookup, session, cloud, name):
    assert lookup.run([], {}, cloud=cloud)[0]['name'] == name
    assert session.calls == []


def test_empty_falcon_cloud_means_not_set(lookup, session, fake, cache_dir, monkeypatch):
    monkeypatch.setenv('FALCON_CLOUD', '')
    session.add(TOKEN, fake.token_response(headers={'X-Cs-Region': 'us-1'}))
    result = lookup.run([], {}, client_id=fake.CLIENT_ID, client_secret=fake.CLIENT_SECRET, token_cache_dir=cache_dir)
    assert result == [{'name': 'us-1', 'base_url': fake.BASE}]


def test_below_the_floor_the_lookup_refuses_before_any_request(lookup, session, monkeypatch):
    monkeypatch.setattr(_core_compat, 'CORE_VERSION', '2.15.13')
    with pytest.raises(AnsibleLookupError, match=r'needs ansible-core 2\.16 or newer.*this is ansible-core 2\.15\.13'):
        lookup.run(['autodiscover'], client_id='a' * 32, client_secret='b' * 40)
    assert session.calls == []
