"""Reliability fixtures: run the playbooks of tests/reliability/playbooks with the real ansible-playbook.

Most tests use steps.yml: one ansible-playbook run walks through several scenarios (each may reconfigure the
emulator's faults first) and records every module result with the emulator's counters for that scenario alone.
"""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOKS = os.path.join(HERE, 'playbooks')
sys.path[:0] = [os.path.dirname(HERE), HERE]

from falcon_emulator.clients import DEFAULT_CLIENT  # noqa: E402  pylint: disable=wrong-import-position
from playbook_runner import run_playbook  # noqa: E402  pylint: disable=wrong-import-position
from reliability_steps import Steps  # noqa: E402  pylint: disable=wrong-import-position

# A scenario run is a handful of short tasks: anything near this bound is a hang, not slowness.
PLAY_TIMEOUT = 240


def env_for(emulator, client=DEFAULT_CLIENT):
    """FALCON_* variables for client on emulator's us-1 listener."""
    return {
        'FALCON_CLIENT_ID': client.client_id,
        'FALCON_CLIENT_SECRET': client.client_secret,
        'FALCON_BASE_URL': emulator.url,
    }


def assert_clean(run):
    """No traceback anywhere and no lookup of a non-loopback name."""
    assert 'Traceback' not in run.output, run.explain()
    assert run.dns_refused == [], run.dns_refused


@pytest.fixture
def play(collections_root, tmp_path):
    """play(name, falcon_env, extra_vars=None, cli_args=(), inventory=None, extra_env=None) runs playbooks/<name>.yml."""

    def run(name, falcon_env, extra_vars=None, cli_args=(), inventory=None, extra_env=None, timeout=PLAY_TIMEOUT):
        """Run one playbook; return its PlayRun."""
        return run_playbook(
            os.path.join(PLAYBOOKS, name + '.yml'),
            falcon_env,
            collections_root,
            tmp_path,
            extra_vars=extra_vars,
            cli_args=cli_args,
            inventory=inventory,
            extra_env=extra_env,
            timeout=timeout,
        )

    return run


@pytest.fixture
def run_steps(play):  # pylint: disable=redefined-outer-name
    """run_steps(emulator, steps, client=DEFAULT_CLIENT, cli_args=(), extra_env=None) -> Steps (asserts a clean run)."""

    def run(emulator, steps, client=DEFAULT_CLIENT, cli_args=(), extra_env=None):
        """Run steps.yml with these steps against emulator."""
        extra_vars = {'steps': steps, 'emulator_url': emulator.url}
        if emulator.ca_path:
            extra_vars['emulator_ca'] = emulator.ca_path
        result = play('steps', env_for(emulator, client), extra_vars=extra_vars, cli_args=cli_args, extra_env=extra_env)
        assert result.rc == 0, result.explain()
        assert_clean(result)
        return Steps(result)

    return run
