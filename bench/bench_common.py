"""Shared plumbing of the benchmarks: paths, loopback-only guard, emulator, playbook and module runs, tables, JSON.

Benchmarks measure and print; they assert nothing about time. Everything talks to an in-process emulator on
127.0.0.1 only: this process and every process it starts refuse to resolve any other name.
"""

import atexit
import json
import os
import platform
import runpy
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(BENCH_DIR)
TESTS_DIR = os.path.join(REPO_ROOT, 'tests')
RESULTS_DIR = os.path.join(BENCH_DIR, 'results')
for _path in (TESTS_DIR, os.path.join(TESTS_DIR, 'emulator')):
    if _path not in sys.path:
        sys.path.insert(0, _path)

# pylint: disable=wrong-import-position
from falcon_emulator import Emulator, EmulatorConfig  # noqa: E402
from falcon_emulator.clients import DEFAULT_CLIENT  # noqa: E402
from playbook_runner import GUARD_DIR, local_inventory, run_playbook  # noqa: E402

# The same guard the playbook runs get (tests/playbook_guard), installed in this process too.
runpy.run_path(os.path.join(GUARD_DIR, 'sitecustomize.py'))


__all__ = ['DEFAULT_CLIENT', 'Emulator', 'EmulatorConfig', 'local_inventory', 'run_playbook']


def collections_root():
    """A directory holding ansible_collections/secops/falcon for this checkout (see scripts/dev_collections.sh)."""
    return subprocess.check_output(
        ['bash', os.path.join(REPO_ROOT, 'scripts', 'dev_collections.sh')], text=True
    ).strip()


def load_collection(croot):
    """Make ansible_collections.secops.falcon importable in this process (the loader ansible-playbook uses)."""
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder  # pylint: disable=import-outside-toplevel

    if not any(isinstance(f, _AnsibleCollectionFinder) for f in sys.meta_path):
        _AnsibleCollectionFinder(paths=[croot])._install()  # pylint: disable=protected-access


def core_client(emulator, cache_dir, **options):
    """A FalconClient of the collection's core for DEFAULT_CLIENT on emulator (load_collection first)."""
    from ansible_collections.secops.falcon.plugins.module_utils._http import FalconClient  # pylint: disable=import-outside-toplevel

    settings = {
        'client_id': DEFAULT_CLIENT.client_id,
        'client_secret': DEFAULT_CLIENT.client_secret,
        'base_url': emulator.url,
        'token_cache_dir': cache_dir,
    }
    settings.update(options)
    return FalconClient(settings)


def start_emulator(**settings):
    """A started in-process emulator on loopback (no token rate limit unless given)."""
    settings.setdefault('token_rate_limit', None)
    settings.setdefault('bind', '127.0.0.1')
    return Emulator(EmulatorConfig(**settings)).start()


def falcon_env(emulator, client=DEFAULT_CLIENT):
    """FALCON_* variables for client on emulator."""
    return {
        'FALCON_CLIENT_ID': client.client_id,
        'FALCON_CLIENT_SECRET': client.client_secret,
        'FALCON_BASE_URL': emulator.url,
    }


def work_dir(prefix):
    """A new private scratch directory, removed when the run ends (it holds token caches)."""
    path = tempfile.mkdtemp(prefix='falcon-bench-%s-' % prefix)
    os.chmod(path, 0o700)
    atexit.register(shutil.rmtree, path, True)
    return path


def write_playbook(directory, name, tasks, hosts='localhost'):
    """Write a one-play playbook with these task dicts (rendered as JSON, which is YAML) and return its path."""
    play = [{'name': name, 'hosts': hosts, 'gather_facts': False, 'tasks': tasks}]
    path = os.path.join(directory, name.replace(' ', '_') + '.yml')
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(play, handle, indent=1)
    return path


def play(playbook, emulator, directory, croot, cli_args=(), inventory=None, extra_env=None, timeout=3600):
    """Run a playbook against emulator with a fresh token cache; raise SystemExit if it fails. Return the PlayRun."""
    env = dict(extra_env or {})
    env.setdefault('FALCON_TOKEN_CACHE_DIR', tempfile.mkdtemp(prefix='token-cache-', dir=directory))
    run = run_playbook(
        playbook,
        falcon_env(emulator),
        croot,
        directory,
        cli_args=cli_args,
        inventory=inventory,
        extra_env=env,
        timeout=timeout,
    )
    if run.rc != 0:
        sys.stderr.write(run.explain())
        raise SystemExit('benchmark play %s failed (rc=%d)' % (os.path.basename(playbook), run.rc))
    if run.dns_refused:
        raise SystemExit('benchmark play %s tried to resolve %s' % (os.path.basename(playbook), run.dns_refused))
    return run


def module_env(croot, emulator, cache_dir):
    """Environment of a module run outside Ansible (python -m): the collection and the guard on PYTHONPATH."""
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('FALCON_', 'ANSIBLE_')))
    env.update(falcon_env(emulator))
    env.update({'PYTHONPATH': os.pathsep.join([croot, GUARD_DIR]), 'FALCON_TOKEN_CACHE_DIR': cache_dir})
    return env


# Runs a module as __main__ and, at exit, writes the peak resident set of this process (VmHWM, kB) to a file. The
# kernel's rusage (wait4) is no good here: it keeps the high-water mark of the forked copy of the (large) parent
# from before exec, while VmHWM belongs to the new program alone.
_MODULE_LAUNCHER = """
import atexit, os, runpy, sys
def _peak():
    with open('/proc/self/status') as status:
        peak = [line.split()[1] for line in status if line.startswith('VmHWM:')]
    with open(os.environ['BENCH_PEAK_FILE'], 'w') as out:
        out.write(peak[0] if peak else '0')
atexit.register(_peak)
runpy.run_module(sys.argv.pop(1), run_name='__main__', alter_sys=True)
"""


def run_module(module, args, croot, emulator, directory, cache_dir=None, extra_env=None):
    """Run a module of the collection as __main__ with its JSON args file (no Ansible controller, no AnsiballZ).

    Return (result dict, wall seconds, peak RSS of the module process in MiB).
    """
    cache_dir = cache_dir or tempfile.mkdtemp(prefix='token-cache-', dir=directory)
    args_file = os.path.join(directory, '%s-args.json' % module)
    with open(args_file, 'w', encoding='utf-8') as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': args}, handle)
    out_file = os.path.join(directory, '%s-out.json' % module)
    peak_file = os.path.join(directory, '%s-peak.txt' % module)
    env = module_env(croot, emulator, cache_dir)
    env['BENCH_PEAK_FILE'] = peak_file
    env.update(extra_env or {})
    started = time.monotonic()
    with open(out_file, 'w', encoding='utf-8') as out:
        done = subprocess.run(
            [
                sys.executable,
                '-c',
                _MODULE_LAUNCHER,
                'ansible_collections.secops.falcon.plugins.modules.' + module,
                args_file,
            ],
            env=env,
            stdout=out,
            stderr=subprocess.PIPE,
            check=False,
        )
    seconds = time.monotonic() - started
    with open(out_file, encoding='utf-8') as handle:
        text = handle.read()
    try:
        result = json.loads(text)
    except ValueError:
        stderr = done.stderr.decode('utf-8', 'replace')[-2000:]
        raise SystemExit('module %s printed no JSON (rc %s): %s %s' % (module, done.returncode, text[-2000:], stderr))
    if result.get('failed'):
        raise SystemExit('module %s failed: %s' % (module, result.get('msg')))
    with open(peak_file, encoding='utf-8') as handle:
        peak_kib = int(handle.read().strip() or 0)
    return result, seconds, peak_kib / 1024.0


def median(values):
    """Median of a non-empty list."""
    return statistics.median(values)


def api_calls(counters):
    """Calls other than token requests, from an emulator counters snapshot."""
    return counters['calls_total'] - counters['token_requests_total']


def machine():
    """What the numbers were measured on."""
    cpu = 'unknown'
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as handle:
            for line in handle:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    memory_gib = None
    try:
        with open('/proc/meminfo', encoding='utf-8') as handle:
            for line in handle:
                if line.startswith('MemTotal:'):
                    memory_gib = round(int(line.split()[1]) / 1024.0 / 1024.0, 1)
    except OSError:
        pass
    versions = {}
    for name, module in (
        ('ansible-core', 'ansible.release'),
        ('requests', 'requests'),
        ('crowdstrike-falconpy', 'falconpy'),
    ):
        try:
            imported = __import__(module, fromlist=['__version__'])
            versions[name] = getattr(imported, '__version__', None)
        except ImportError:
            versions[name] = None
    return {
        'nproc': os.cpu_count(),
        'cpu': cpu,
        'memory_gib': memory_gib,
        'python': platform.python_version(),
        'platform': platform.platform(),
        'load_average': [round(x, 2) for x in os.getloadavg()],
        'versions': versions,
    }


def table(title, columns, rows):
    """Print rows (lists) under columns as a plain-text table with a title."""
    cells = [[str(c) for c in columns]] + [[fmt(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    print('\n' + title)
    print('  '.join(c.ljust(w) for c, w in zip(cells[0], widths)))
    print('  '.join('-' * w for w in widths))
    for row in cells[1:]:
        print('  '.join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))))


def fmt(value):
    """Format one table cell."""
    if isinstance(value, float):
        return '%.3f' % value if abs(value) < 10 else '%.1f' % value
    return '-' if value is None else str(value)


def read_results(name):
    """The data of bench/results/<name>.json, or None."""
    try:
        with open(os.path.join(RESULTS_DIR, name + '.json'), encoding='utf-8') as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def write_results(name, data):
    """Write bench/results/<name>.json and return its path."""
    os.makedirs(RESULTS_DIR, exist_ok=True)
    path = os.path.join(RESULTS_DIR, name + '.json')
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.write('\n')
    return path
