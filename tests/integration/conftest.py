"""Integration fixtures: run a playbook of tests/integration/playbooks with the real ansible-playbook; read its results.

Each playbook ends with a task that writes its registered results as JSON to the file named by the variable
result_file, so tests assert on the module results themselves rather than on console text (tests/playbook_runner.py).
"""

import os

import pytest
from playbook_runner import run_playbook as _run_playbook

PLAYBOOKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'playbooks')


@pytest.fixture
def run_playbook(collections_root, tmp_path):
    """Call as run_playbook(name, falcon_env, extra_vars=None, cli_args=()) to run playbooks/<name>.yml; returns a PlayRun."""

    def run(name, falcon_env, extra_vars=None, cli_args=()):
        """Run one playbook with these FALCON_* variables and extra vars."""
        env = dict({'FALCON_TOKEN_CACHE_DIR': str(tmp_path / 'token-cache')}, **falcon_env)
        return _run_playbook(
            os.path.join(PLAYBOOKS, name + '.yml'),
            env,
            collections_root,
            tmp_path,
            extra_vars=extra_vars,
            cli_args=cli_args,
        )

    return run
