"""Run a real ansible-playbook against the emulator and collect what it did; shared by test suites and bench/.

A playbook that ends with a task writing its registered results as JSON to the file named by the variable
result_file gives them back in PlayRun.results, so callers assert on module results rather than console text.
Every Python process of the run (ansible-playbook, its workers, the modules) resolves loopback names only
(tests/playbook_guard/sitecustomize.py); refused names are listed in PlayRun.dns_refused.
"""

import itertools
import json
import os
import subprocess
import sys
import time

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
GUARD_DIR = os.path.join(TESTS_DIR, 'playbook_guard')
BIN_DIR = os.path.dirname(sys.executable)
# A hang must end the caller with a clear failure; callers pass a tighter bound where they can.
DEFAULT_TIMEOUT = 600
_RUNS = itertools.count(1)


class PlayRun:
    """One finished ansible-playbook run: rc, output, saved results, elapsed seconds, refused lookups."""

    def __init__(self, rc, stdout, stderr, results, elapsed, dns_refused):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.results = results
        self.elapsed = elapsed
        self.dns_refused = dns_refused

    @property
    def output(self):
        """stdout and stderr together."""
        return self.stdout + '\n' + self.stderr

    def explain(self):
        """Text to show when an assertion about this run fails."""
        return 'rc=%s\n--- stdout\n%s\n--- stderr\n%s' % (self.rc, self.stdout[-6000:], self.stderr[-3000:])


def execution_path():
    """How Falcon tasks run in these plays: FALCON_TEST_EXECUTION_PATH=module forces the module path everywhere.

    By default a task on the controller runs in-process (plugins/plugin_utils/_in_process.py); the version matrix runs
    the integration suite once more on the module path (scripts/matrix.sh), so both paths pass the whole suite.
    """
    path = os.environ.get('FALCON_TEST_EXECUTION_PATH', '') or 'in-process'
    if path not in ('in-process', 'module'):
        raise ValueError('FALCON_TEST_EXECUTION_PATH must be in-process or module, got %r' % (path,))
    return path


def playbook_env(falcon_env, collections_root, work_dir, extra_env=None):
    """The environment of a run: no inherited FALCON_* or ANSIBLE_* settings, only the emulator's and ours."""
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('FALCON_', 'ANSIBLE_')))
    env.update(falcon_env or {})
    work_dir = str(work_dir)
    env.update(
        {
            'ANSIBLE_COLLECTIONS_PATH': collections_root,
            'PATH': BIN_DIR + os.pathsep + env.get('PATH', ''),
            'PYTHONPATH': GUARD_DIR + (os.pathsep + env['PYTHONPATH'] if env.get('PYTHONPATH') else ''),
            'FALCON_TEST_DNS_LOG': os.path.join(work_dir, 'dns-refused.log'),
            'ANSIBLE_LOCAL_TEMP': os.path.join(work_dir, 'ansible-tmp'),
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_FORCE_COLOR': '0',
            'ANSIBLE_RETRY_FILES_ENABLED': 'false',
            'ANSIBLE_LOCALHOST_WARNING': 'false',
            'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
            'ANSIBLE_HOST_KEY_CHECKING': 'false',
        }
    )
    env.setdefault('FALCON_TOKEN_CACHE_DIR', os.path.join(work_dir, 'token-cache'))
    if execution_path() == 'module':
        env['SECOPS_FALCON_IN_PROCESS'] = 'false'  # a run that asks for a path itself (extra_env) still wins
    env.update(extra_env or {})
    return env


def local_inventory(work_dir, hosts):
    """Write a YAML inventory of `hosts` local-connection hosts (names h001 ...) and return its path."""
    names = ['h%03d' % i for i in range(1, hosts + 1)]
    lines = [
        'all:',
        '  vars:',
        '    ansible_connection: local',
        '    ansible_python_interpreter: %s' % json.dumps(sys.executable),
        '  hosts:',
    ]
    lines.extend('    %s: {}' % name for name in names)
    path = os.path.join(str(work_dir), 'inventory-%d.yml' % hosts)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write('\n'.join(lines) + '\n')
    return path


def device_inventory(work_dir, devices, name='device-inventory.json'):
    """Write a JSON inventory of local-connection hosts named after emulator devices, in group `falcon`, each with its
    `falcon_device_id` (as the falcon_hosts inventory gives it); return its path."""
    hosts = dict((d['hostname'], {'falcon_device_id': d['device_id'], 'ansible_connection': 'local'}) for d in devices)
    inventory = {
        'all': {'children': {'falcon': {'hosts': hosts}}, 'vars': {'ansible_python_interpreter': sys.executable}}
    }
    path = os.path.join(str(work_dir), name)
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(inventory, handle)
    return path


def _read_lines(path):
    """The lines of path, or [] when it does not exist."""
    try:
        with open(path, encoding='utf-8') as handle:
            return [line.strip() for line in handle if line.strip()]
    except OSError:
        return []


def run_playbook(
    playbook,
    falcon_env,
    collections_root,
    work_dir,
    extra_vars=None,
    cli_args=(),
    inventory=None,
    timeout=DEFAULT_TIMEOUT,
    extra_env=None,
):
    """Run ansible-playbook on playbook (a path) with extra_vars (-e @file); return a PlayRun.

    Without inventory the implicit localhost is used. A run longer than timeout seconds is killed and
    subprocess.TimeoutExpired raised: a hang fails the caller instead of blocking it.
    """
    os.makedirs(str(work_dir), exist_ok=True)
    run = next(_RUNS)
    stem = os.path.splitext(os.path.basename(playbook))[0]
    result_file = os.path.join(str(work_dir), '%s-%d.result.json' % (stem, run))
    vars_file = os.path.join(str(work_dir), '%s-%d.vars.json' % (stem, run))
    variables = dict(extra_vars or {})
    variables.setdefault('result_file', result_file)
    variables.setdefault('ansible_python_interpreter', sys.executable)
    with open(vars_file, 'w', encoding='utf-8') as handle:
        json.dump(variables, handle)
    command = [os.path.join(BIN_DIR, 'ansible-playbook'), playbook, '-e', '@' + vars_file]
    if inventory:
        command += ['-i', inventory]
    command += list(cli_args)
    env = playbook_env(falcon_env, collections_root, work_dir, extra_env)
    started = time.monotonic()
    proc = subprocess.run(
        command, env=env, cwd=str(work_dir), capture_output=True, text=True, timeout=timeout, check=False
    )
    elapsed = time.monotonic() - started
    results = None
    if os.path.exists(variables['result_file']):
        with open(variables['result_file'], encoding='utf-8') as handle:
            results = json.load(handle)
    return PlayRun(proc.returncode, proc.stdout, proc.stderr, results, elapsed, _read_lines(env['FALCON_TEST_DNS_LOG']))
