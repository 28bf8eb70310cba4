"""Unit tests of option validation into ConnectionSettings."""

import os

import pytest

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconConfigError
from ansible_collections.secops.falcon.plugins.module_utils._options import (
    COMMON_ARGSPEC,
    MISSING_CREDENTIALS,
    ConnectionSettings,
    default_cache_dir,
)

CREDS = dict(client_id='0123456789abcdef0123456789abcdef', client_secret='S' * 40)


def build(**options):
    merged = dict(CREDS)
    merged.update(options)
    return ConnectionSettings.from_options(merged)


def test_defaults():
    settings = build()
    assert settings.cloud == 'autodiscover'
    assert settings.base_url == 'https://api.crowdstrike.com'
    assert settings.timeout == 30 and settings.retries == 3
    assert settings.validate_certs is True and settings.token_cache is True


def test_missing_credentials_message():
    with pytest.raises(FalconConfigError) as info:
        ConnectionSettings.from_options({})
    assert str(info.value) == MISSING_CREDENTIALS
    assert 'FALCON_CLIENT_ID' in MISSING_CREDENTIALS and 'group/secops.falcon.falcon' in MISSING_CREDENTIALS


def test_half_credentials_names_the_missing_one():
    with pytest.raises(FalconConfigError, match='client_secret is missing'):
        ConnectionSettings.from_options({'client_id': 'abc'})
    with pytest.raises(FalconConfigError, match='client_id is missing'):
        ConnectionSettings.from_options({'client_secret': 'S' * 40})


@pytest.mark.parametrize(
    'url',
    [
        'http://127.0.0.1:8500',
        'http://127.1.2.3',
        'http://[::1]:9',
        'http://localhost:1',
        'https://gateway.example.com/falcon',
    ],
)
def test_allowed_base_urls(url):
    settings = build(base_url=url + '/')
    assert settings.base_url == url
    assert settings.custom_base_url is True


@pytest.mark.parametrize('url', ['http://example.com', 'http://10.0.0.1:8500', 'http://128.0.0.1'])
def test_plain_http_to_non_loopback_is_refused_naming_the_url(url):
    with pytest.raises(FalconConfigError) as info:
        build(base_url=url)
    assert repr(url) in str(info.value) and 'https' in str(info.value)


@pytest.mark.parametrize('url', ['ftp://x', 'nonsense', 'https://', 'https://h/x?y=1', 'https://u:p@h'])
def test_malformed_base_urls(url):
    with pytest.raises(FalconConfigError, match='base_url'):
        build(base_url=url)


def test_known_base_url_names_its_cloud():
    settings = build(base_url='https://api.eu-1.crowdstrike.com', cloud='us-1')
    assert settings.cloud == 'eu-1' and settings.custom_base_url is False


def test_cloud_gives_base_url():
    assert build(cloud='us-gov-1').base_url == 'https://api.laggar.gcw.crowdstrike.com'


@pytest.mark.parametrize(
    'name, value',
    [
        ('timeout', 0),
        ('timeout', 601),
        ('timeout', 'x'),
        ('timeout', float('inf')),
        ('retries', -1),
        ('retries', 11),
        ('retries', 1.5),
        ('timeout', True),
    ],
)
def test_ranges(name, value):
    with pytest.raises(FalconConfigError) as info:
        build(**{name: value})
    # The message names the option and the value given, never "(got None)".
    assert name in str(info.value) and '(got %r)' % (value,) in str(info.value)


def test_range_limits_accepted():
    settings = build(timeout=600, retries=10)
    assert (settings.timeout, settings.retries) == (600, 10)
    assert build(retries=0).retries == 0


def test_auth_dict_like_crowdstrike_falcon():
    settings = ConnectionSettings.from_options({'auth': {'access_token': 'T' * 30, 'cloud': 'eu-1'}})
    assert settings.access_token == 'T' * 30
    assert settings.cloud == 'eu-1' and settings.base_url == 'https://api.eu-1.crowdstrike.com'


def test_auth_dict_from_registered_falcon_token_result():
    registered = {
        'changed': True,
        'access_token': 'T' * 30,
        'cloud': None,
        'base_url': 'http://127.0.0.1:9',
        'expires_in': 1799,
        'failed': False,
    }
    settings = ConnectionSettings.from_options({'auth': registered})
    assert settings.base_url == 'http://127.0.0.1:9' and settings.access_token == 'T' * 30


def test_auth_without_token():
    with pytest.raises(FalconConfigError, match='auth must contain access_token'):
        ConnectionSettings.from_options({'auth': {'cloud': 'us-1'}})


def test_auth_not_a_dict():
    with pytest.raises(FalconConfigError, match='auth must be a dictionary'):
        ConnectionSettings.from_options({'auth': 'token'})


def test_bare_token_needs_a_cloud():
    with pytest.raises(FalconConfigError, match='access_token needs cloud'):
        ConnectionSettings.from_options({'access_token': 'T' * 30})
    assert ConnectionSettings.from_options({'access_token': 'T' * 30, 'cloud': 'us-2'}).cloud == 'us-2'


def test_bad_cloud():
    with pytest.raises(FalconConfigError, match='Unknown Falcon cloud'):
        build(cloud='moon')


def test_ca_path_must_exist(tmp_path):
    with pytest.raises(FalconConfigError, match='ca_path'):
        build(ca_path=str(tmp_path / 'missing.pem'))
    bundle = tmp_path / 'ca.pem'
    bundle.write_text('x')
    assert build(ca_path=str(bundle)).ca_path == str(bundle)


def test_proxy_validation():
    assert build(proxy='http://proxy.example.com:3128').proxy == 'http://proxy.example.com:3128'
    with pytest.raises(FalconConfigError) as info:
        build(proxy='ftp://user:pw@proxy')
    assert 'pw' not in str(info.value)


@pytest.mark.parametrize(
    'given',
    [
        'C1D0000000000000000000000000B002-4F',
        'c1d0000000000000000000000000b002-4f',
        'C1D0000000000000000000000000B002',
        ' c1d0000000000000000000000000b002 ',
    ],
)
def test_member_cid_console_form_is_sent_bare_and_lower_case(given):
    assert build(member_cid=given).member_cid == 'c1d0000000000000000000000000b002'


@pytest.mark.parametrize(
    'given',
    [
        'xyz',
        'c1d0000000000000000000000000b00',
        'c1d0000000000000000000000000b002-4',
        'c1d0000000000000000000000000b002-4FF',
        'g1d0000000000000000000000000b002',
        'c1d0000000000000000000000000b002\n-4f',
    ],
)
def test_member_cid_anything_else_is_refused_naming_it(given):
    with pytest.raises(FalconConfigError) as info:
        build(member_cid=given)
    assert repr(given.strip()) in str(info.value) and '32 hexadecimal characters' in str(info.value)


@pytest.mark.parametrize(
    'given, canonical',
    [
        ('us1', 'us-1'),
        ('US-1', 'us-1'),
        ('gov1', 'us-gov-1'),
        ('auto', 'autodiscover'),
        ('EU_1', 'eu-1'),
        ('', 'autodiscover'),
    ],
)
def test_cloud_aliases_and_empty_cloud(given, canonical):
    assert build(cloud=given).cloud == canonical


def test_argspec_leaves_cloud_names_to_normalisation():
    # choices would refuse us1/US-1/gov1/auto (and an empty FALCON_CLOUD) before they are normalised.
    assert 'choices' not in COMMON_ARGSPEC['cloud']


def test_member_cid_checked():
    with pytest.raises(FalconConfigError, match='member_cid'):
        build(member_cid='not a cid!')
    assert build(member_cid='c1d0000000000000000000000000b002').member_cid == 'c1d0000000000000000000000000b002'


def test_cache_dir_default(monkeypatch, tmp_path):
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path))
    assert default_cache_dir() == os.path.join(str(tmp_path), 'secops.falcon')
    monkeypatch.delenv('XDG_CACHE_HOME')
    assert default_cache_dir() == os.path.join(os.path.expanduser('~'), '.cache', 'secops.falcon')
    assert build().token_cache_dir == default_cache_dir()


def test_argspec_env_fallbacks_and_no_log():
    envs = {name: spec['fallback'][1][0] for name, spec in COMMON_ARGSPEC.items() if 'fallback' in spec}
    assert envs == {
        'client_id': 'FALCON_CLIENT_ID',
        'client_secret': 'FALCON_CLIENT_SECRET',
        'member_cid': 'FALCON_MEMBER_CID',
        'cloud': 'FALCON_CLOUD',
        'base_url': 'FALCON_BASE_URL',
        'token_cache_dir': 'FALCON_TOKEN_CACHE_DIR',
    }
    assert {n for n, s in COMMON_ARGSPEC.items() if s.get('no_log')} == {'client_secret', 'access_token', 'auth'}


def test_secret_not_in_repr():
    settings = build()
    assert 'S' * 40 not in repr(settings)


@pytest.mark.parametrize('token', ['tok-00000000\t00000000', 'tok-00000000\r\n00000000', 'tok 0000000000000000'])
def test_token_with_a_line_break_is_refused_without_echoing_it(token):
    with pytest.raises(FalconConfigError) as info:
        ConnectionSettings.from_options({'access_token': token, 'cloud': 'us-1'})
    assert 'white space or control characters' in str(info.value)
    assert 'tok-0000' not in str(info.value) and repr(token) not in str(info.value)
