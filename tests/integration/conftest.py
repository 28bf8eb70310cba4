"""Integration fixtures: run a playbook of tests/integration/playbooks with the real ansible-playbook; read its results.

Each playbook ends with a task that writes its registered results as JSON to the file named by the variable
result_file, so tests assert on the module results themselves rather than on console text.
"""
import itertools
import json
import os
import subprocess
import sys

import pytest

PLAYBOOKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'playbooks')
BIN_DIR = os.path.dirname(sys.executable)
# Generous: a 10,000-host play takes seconds; a hang must still end the test with a clear failure.
PLAYBOOK_TIMEOUT = 600
_RUNS = itertools.count(1)


class PlayRun:
    """One finished ansible-playbook run: rc, stdout, stderr and the results the playbook saved."""

    def __init__(self, rc, stdout, stderr, results):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.results = results

    def explain(self):
        """Text to show when an assertion about this run fails."""
        return 'rc=%s\n--- stdout\n%s\n--- stderr\n%s' % (self.rc, self.stdout[-6000:], self.stderr[-3000:])


def playbook_env(falcon_env, collections_root, tmp_path):
    """The environment of an ansible-playbook run: no inherited FALCON_* settings, only the emulator's."""
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith('FALCON_'))
    env.update(falcon_env)
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': collections_root,
        'PATH': BIN_DIR + os.pathsep + env.get('PATH', ''),
        'FALCON_TOKEN_CACHE_DIR': str(tmp_path / 'token-cache'),
        'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'ansible-tmp'),
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_RETRY_FILES_ENABLED': 'false',
        'ANSIBLE_LOCALHOST_WARNING': 'false',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
    })
    return env


def _run(name, falcon_env, collections_root, tmp_path, extra_vars=None, cli_args=()):
    """Run playbooks/<name>.yml with extra_vars (-e @vars.json); return a PlayRun."""
    run = next(_RUNS)
    result_file = tmp_path / ('%s-%d.result.json' % (name, run))
    vars_file = tmp_path / ('%s-%d.vars.json' % (name, run))
    variables = dict(extra_vars or {})
    variables.update(result_file=str(result_file), ansible_python_interpreter=sys.executable)
    vars_file.write_text(json.dumps(variables))
    command = [os.path.join(BIN_DIR, 'ansible-playbook'), os.path.join(PLAYBOOKS, name + '.yml'),
               '-e', '@' + str(vars_file)] + list(cli_args)
    proc = subprocess.run(command, env=playbook_env(falcon_env, collections_root, tmp_path), cwd=str(tmp_path),
                          capture_output=True, text=True, timeout=PLAYBOOK_TIMEOUT, check=False)
    results = json.loads(result_file.read_text()) if result_file.exists() else None
    return PlayRun(proc.returncode, proc.stdout, proc.stderr, results)


@pytest.fixture
def run_playbook(collections_root, tmp_path):
    """Call as run_playbook(name, falcon_env, extra_vars=None, cli_args=()) to run playbooks/<name>.yml; returns a PlayRun."""
    def run(name, falcon_env, extra_vars=None, cli_args=()):
        """Run one playbook with these FALCON_* variables and extra vars."""
        return _run(name, falcon_env, collections_root, tmp_path, extra_vars=extra_vars, cli_args=cli_args)
    return run
