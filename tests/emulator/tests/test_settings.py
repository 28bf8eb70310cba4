"""The run-time settings: recorded defaults (API behaviour 9), every other value accepted, bad values refused by
name."""

import pytest
import requests
from falcon_emulator import Emulator, EmulatorConfig
from falcon_emulator.clients import DEFAULT_CLIENT

RECORDED_DEFAULTS = {
    'scroll_token_mode': 'constant',
    'scroll_expired_status': 400,
    'scroll_bad_filter_status': 500,
    'fql_text_match': 'recorded',
    'policy_filters': 'recorded',
    'action_partial_status': 400,
    'action_max_ids': {
        'contain': 100,
        'lift_containment': 100,
        'hide_host': 100,
        'unhide_host': 100,
        'detection_suppress': 500,
        'detection_unsuppress': 500,
    },
    'unknown_client_status': 400,
    'bad_credentials_status': 403,
    'token_rate_limit': 300,
    'rate_limit_retry_grace': 1.0,
    'alert_comments_field': False,
    'alert_extra_fields': False,
}
OTHER_VALUES = [
    ('scroll_token_mode', 'rotating'),
    ('scroll_expired_status', 404),
    ('scroll_expired_status', 500),
    ('scroll_bad_filter_status', 400),
    ('fql_text_match', 'exact'),
    ('policy_filters', 'lenient'),
    ('action_partial_status', 207),
    ('action_partial_status', 409),
    ('action_max_ids', 50),
    ('action_max_ids', None),
    ('action_max_ids', {'hide_host': 10}),
    ('unknown_client_status', 401),
    ('unknown_client_status', 403),
    ('token_rate_limit', None),
    ('rate_limit_retry_grace', 0),
    ('rate_limit_retry_grace', 2.5),
    ('alert_comments_field', True),
    ('alert_extra_fields', True),
]


def test_defaults_are_the_recorded_behaviour():
    """EmulatorConfig() defaults to what API behaviour 9 recorded."""
    config = EmulatorConfig()
    assert {key: getattr(config, key) for key in RECORDED_DEFAULTS} == RECORDED_DEFAULTS


def test_default_token_limit_shows_in_the_headers():
    """With the default config, token answers carry X-Ratelimit-Limit: 300."""
    with Emulator(EmulatorConfig(hosts=1)) as emulator:
        with requests.Session() as session:
            session.trust_env = False
            reply = session.post(
                emulator.url + '/oauth2/token',
                timeout=30,
                data={'client_id': DEFAULT_CLIENT.client_id, 'client_secret': DEFAULT_CLIENT.client_secret},
            )
    assert reply.status_code == 201
    assert reply.headers['X-Ratelimit-Limit'] == '300' and reply.headers['X-Ratelimit-Remaining'] == '299'


@pytest.mark.parametrize('key, value', OTHER_VALUES)
def test_other_values_are_accepted_at_run_time_and_over_http(falcon_emulator, key, value):
    """Each documented alternative is accepted by configure() and by POST /_emulator/config."""
    falcon_emulator.configure(**{key: value})
    assert getattr(falcon_emulator.config, key) == value
    falcon_emulator.configure(**{key: RECORDED_DEFAULTS[key]})
    with requests.Session() as session:
        session.trust_env = False
        reply = session.post(falcon_emulator.url + '/_emulator/config', json={key: value}, timeout=30)
        assert reply.status_code == 200 and reply.json()['config'] == {key: value}
        assert session.get(falcon_emulator.url + '/_emulator/config', timeout=30).json()['config'][key] == value


@pytest.mark.parametrize(
    'key, value',
    [
        ('scroll_token_mode', 'CONSTANT'),
        ('fql_text_match', 'prefix'),
        ('policy_filters', True),
        ('action_partial_status', '400'),
        ('unknown_client_status', 404),
        ('scroll_bad_filter_status', True),
    ],
)
def test_bad_values_are_refused_naming_the_setting(falcon_emulator, key, value):
    """A value outside the list is refused with the setting's name and the allowed values, over HTTP too."""
    with pytest.raises(ValueError, match='%s must be one of' % key):
        falcon_emulator.configure(**{key: value})
    with requests.Session() as session:
        session.trust_env = False
        reply = session.post(falcon_emulator.url + '/_emulator/config', json={key: value}, timeout=30)
    assert reply.status_code == 400 and key in reply.json()['error']
