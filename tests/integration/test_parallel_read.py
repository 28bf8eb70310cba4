"""Bounded parallel details reads through the real ansible-playbook: same calls and result at every concurrency."""

import pytest
from falcon_emulator.clients import DEFAULT_CLIENT

HOSTS = 11000
# 1 token + 2 scroll pages (10,000 ids each) + 3 details batches (5,000 ids each).
MINIMUM = {'POST /oauth2/token': 1, 'GET /devices/queries/devices-scroll/v1': 2, 'POST /devices/entities/devices/v2': 3}


@pytest.fixture(scope='module')
def fleet():
    """An emulator with 11,000 hosts, shared by this file's tests (reads change nothing)."""
    from falcon_emulator.config import EmulatorConfig  # pylint: disable=import-outside-toplevel
    from falcon_emulator.emulator import Emulator  # pylint: disable=import-outside-toplevel

    emulator = Emulator(EmulatorConfig(hosts=HOSTS, seed=5, token_rate_limit=None, api_rate_limit=None)).start()
    try:
        yield emulator
    finally:
        emulator.stop()


def env_for(emulator):
    """FALCON_* variables for DEFAULT_CLIENT on emulator."""
    return {
        'FALCON_CLIENT_ID': DEFAULT_CLIENT.client_id,
        'FALCON_CLIENT_SECRET': DEFAULT_CLIENT.client_secret,
        'FALCON_BASE_URL': emulator.url,
    }


@pytest.mark.parametrize('concurrency', ['1', '4', '8'])
def test_same_calls_and_result_at_every_concurrency(fleet, run_playbook, concurrency):
    fleet.reset_counters()
    run = run_playbook('parallel_read', env_for(fleet), extra_vars={'concurrency': concurrency})
    assert run.rc == 0 and run.results, run.explain()
    result = run.results
    assert result['failed'] is False and result['total'] == HOSTS
    expected = sorted(d['device_id'] for d in fleet.devices())
    assert sorted(d['device_id'] for d in result['devices']) == expected
    assert all(set(d) == {'device_id', 'hostname', 'status'} for d in result['devices'])
    assert fleet.counters()['calls'] == MINIMUM


@pytest.mark.parametrize('concurrency', ['0', '9', 'many'])
def test_bad_concurrency_fails_clearly(fleet, run_playbook, concurrency):
    run = run_playbook('parallel_read', env_for(fleet), extra_vars={'concurrency': concurrency})
    result = run.results
    assert result['failed'] is True
    assert result['msg'] == 'FALCON_READ_CONCURRENCY must be a whole number from 1 to 8, got %r.' % concurrency
    assert 'Traceback' not in run.stdout + run.stderr
