"""A retry made exactly at X-Ratelimit-Retryafter can meet another 429 (rate_limit_retry_grace, API behaviour 9.5)."""

import time

import pytest
from falcon_emulator.clients import DEFAULT_CLIENT
from falcon_emulator.cooldown import Cooldowns

QUERY = '/devices/queries/devices/v1'


def _sleep_until(epoch):
    """Sleep until the wall clock reaches epoch (seconds)."""
    time.sleep(max(0.0, epoch - time.time()))


def test_retry_at_retryafter_meets_another_429(falcon_emulator, api):
    """After an injected 429 the path stays refused until Retryafter + grace, repeating the same Retryafter."""
    falcon_emulator.configure(
        rate_limit_retry_grace=0.5, faults=[{'type': 'rate_limit', 'count': 1, 'retry_after': 0, 'path': QUERY}]
    )
    first = api.get(QUERY)
    assert first.status_code == 429
    retry = int(first.headers['X-Ratelimit-Retryafter'])
    early = api.get(QUERY)
    assert early.status_code == 429 and early.headers['X-Ratelimit-Retryafter'] == str(retry)
    assert api.get('/policy/queries/prevention/v1').status_code == 200  # other paths are not covered by the fault
    _sleep_until(retry + 0.05)
    on_time = api.get(QUERY)
    assert on_time.status_code == 429 and on_time.headers['X-Ratelimit-Retryafter'] == str(retry)
    assert on_time.json()['errors'] == [{'code': 429, 'message': 'API rate limit exceeded.'}]
    _sleep_until(retry + 0.55)
    assert api.get(QUERY).status_code == 200
    assert falcon_emulator.counters()['calls']['GET ' + QUERY] == 4


def test_default_grace_is_one_second(falcon_emulator):
    """The default grace is 1.0 s."""
    assert falcon_emulator.config.rate_limit_retry_grace == 1.0


def test_grace_zero_is_the_old_behaviour(falcon_emulator, api):
    """rate_limit_retry_grace=0: only the fault's own 429s, the next request passes at once."""
    falcon_emulator.configure(rate_limit_retry_grace=0, faults=[{'type': 'rate_limit', 'count': 1, 'retry_after': 5}])
    assert api.get(QUERY).status_code == 429
    assert api.get(QUERY).status_code == 200


def test_clearing_faults_clears_their_cooldown(falcon_emulator, api):
    """configure(faults=[]) leaves no cooldown of a cleared 429 storm behind."""
    falcon_emulator.configure(faults=[{'type': 'rate_limit', 'count': 1, 'retry_after': 30}])
    assert api.get(QUERY).status_code == 429
    assert api.get(QUERY).status_code == 429
    falcon_emulator.configure(faults=[])
    assert api.get(QUERY).status_code == 200


def test_api_limit_429_starts_a_cooldown_for_the_cid(emulator_factory, api_for):
    """A 429 of the per-CID window refuses that CID until Retryafter + grace; lifting the limit ends it."""
    emulator = emulator_factory(hosts=5, api_rate_limit=2)
    api = api_for(emulator)
    assert [api.get(QUERY).status_code for _unused in range(3)] == [200, 200, 429]
    retry = int(api.get(QUERY).headers['X-Ratelimit-Retryafter'])
    grace = emulator.config.rate_limit_retry_grace
    cooldowns = emulator.app.cooldowns
    assert cooldowns.blocked(('api', DEFAULT_CLIENT.cid), grace, now=retry + 0.5) == retry
    assert cooldowns.blocked(('api', DEFAULT_CLIENT.cid), grace, now=retry + grace) is None
    emulator.configure(api_rate_limit=None)
    assert api.get(QUERY).status_code == 200


def test_token_limit_429_starts_a_cooldown_for_the_address(emulator_factory, api_for):
    """A 429 of the per-address token window is followed by a cooldown of that address."""
    emulator = emulator_factory(hosts=5, token_rate_limit=1)
    api = api_for(emulator, login=False)
    assert [api.login().status_code for _unused in range(2)] == [201, 429]
    retry = int(api.login().headers['X-Ratelimit-Retryafter'])
    assert emulator.app.cooldowns.blocked(('token', '127.0.0.1'), 1.0, now=retry + 0.9) == retry


def test_cooldowns_unit():
    """block/blocked/clear with explicit clocks: the latest 429 wins, grace 0 disables everything."""
    cooldowns = Cooldowns()
    cooldowns.block(('api', 'x'), 100, 1.0)
    assert cooldowns.blocked(('api', 'x'), 1.0, now=99) == 100
    assert cooldowns.blocked(('api', 'x'), 1.0, now=100.99) == 100
    assert cooldowns.blocked(('api', 'x'), 0, now=100.5) is None
    assert cooldowns.blocked(('api', 'x'), 1.0, now=101) is None
    cooldowns.block(('fault', '/devices/*', '*'), 50, 2.0)
    assert cooldowns.blocked_fault('/devices/queries/devices/v1', 'GET', 2.0, now=51) == 50
    assert cooldowns.blocked_fault('/policy/queries/prevention/v1', 'GET', 2.0, now=51) is None
    cooldowns.block(('api', 'y'), 10, 0)
    assert cooldowns.blocked(('api', 'y'), 1.0, now=9) is None
    cooldowns.clear('fault')
    assert cooldowns.blocked_fault('/devices/queries/devices/v1', 'GET', 2.0, now=51) is None


@pytest.mark.parametrize('value', [-1, 'long', None])
def test_bad_grace_is_refused(falcon_emulator, value):
    """rate_limit_retry_grace is a number >= 0."""
    with pytest.raises(ValueError, match='rate_limit_retry_grace'):
        falcon_emulator.configure(rate_limit_retry_grace=value)
