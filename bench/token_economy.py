"""Token economy: token requests and wall time of one play (hosts x 5 tasks) with the token cache on and off.

Runs tests/integration/playbooks/token_reuse.yml with ansible-playbook against the bundled emulator on loopback,
prints a table and writes bench/results/token_economy.json. Not a test: it measures, it asserts nothing.

Usage: python bench/token_economy.py [--hosts 20] [--forks 10] [--runs 1] [--token-latency 0.3]

The emulator answers in microseconds; --token-latency adds the round trip of a real token endpoint (an assumption:
set it to what you measure). Token requests are also rate limited per source address by the real API (about 15 a
minute is widely quoted), which the cache-off row would hit long before 100 requests; the emulator's limit is off here.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, 'tests', 'emulator'))

from falcon_emulator import Emulator, EmulatorConfig  # noqa: E402  pylint: disable=wrong-import-position
from falcon_emulator.clients import DEFAULT_CLIENT  # noqa: E402  pylint: disable=wrong-import-position

PLAYBOOK = os.path.join(REPO_ROOT, 'tests', 'integration', 'playbooks', 'token_reuse.yml')
TASKS_PER_HOST = 5  # authenticated tasks in the playbook
RESULTS = os.path.join(REPO_ROOT, 'bench', 'results', 'token_economy.json')


def parse_args(argv):
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--hosts', type=int, default=20, help='local-connection hosts in the play (default 20)')
    parser.add_argument('--forks', type=int, default=10, help='ansible-playbook --forks (default 10)')
    parser.add_argument(
        '--runs', type=int, default=1, help='runs per mode; the table shows the median time (default 1)'
    )
    parser.add_argument(
        '--token-latency',
        type=float,
        default=0.3,
        help='seconds the emulated token endpoint takes to answer (default 0.3)',
    )
    return parser.parse_args(argv)


def collections_root():
    """A directory holding ansible_collections/secops/falcon for this checkout."""
    return subprocess.check_output(
        ['bash', os.path.join(REPO_ROOT, 'scripts', 'dev_collections.sh')], text=True
    ).strip()


def write_inventory(directory, hosts):
    """A YAML inventory of local-connection hosts using this Python."""
    path = os.path.join(directory, 'inventory.yml')
    lines = [
        'all:',
        '  vars:',
        '    ansible_connection: local',
        '    ansible_python_interpreter: "{{ ansible_playbook_python }}"',
        '  hosts:',
    ]
    lines += ['    node%03d:' % i for i in range(1, hosts + 1)]
    with open(path, 'w') as handle:
        handle.write('\n'.join(lines) + '\n')
    return path


def run_play(emulator, inventory, forks, token_cache, workdir, croot):
    """Run the play once with a fresh token cache; return (seconds, counters)."""
    cache = tempfile.mkdtemp(prefix='token-cache-', dir=workdir)
    env = {k: v for k, v in os.environ.items() if not k.startswith(('FALCON_', 'ANSIBLE_'))}
    env.update(
        {
            'PATH': os.path.dirname(sys.executable) + os.pathsep + env.get('PATH', ''),
            'ANSIBLE_COLLECTIONS_PATH': croot,
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_INVENTORY_UNPARSED_FAILED': 'True',
            'ANSIBLE_LOCAL_TEMP': os.path.join(workdir, 'ansible-local'),
            'FALCON_CLIENT_ID': DEFAULT_CLIENT.client_id,
            'FALCON_CLIENT_SECRET': DEFAULT_CLIENT.client_secret,
            'FALCON_BASE_URL': emulator.url,
            'FALCON_TOKEN_CACHE_DIR': cache,
        }
    )
    emulator.reset_counters()
    started = time.monotonic()
    done = subprocess.run(
        [
            'ansible-playbook',
            '-i',
            inventory,
            '-f',
            str(forks),
            '-e',
            'token_cache=%s' % str(token_cache).lower(),
            PLAYBOOK,
        ],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-2000:])
        raise SystemExit('the play failed (rc=%d)' % done.returncode)
    return seconds, emulator.counters()


def main(argv=None):
    """Measure both modes, print the table, write the JSON."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    croot = collections_root()
    rows = []
    emulator = Emulator(EmulatorConfig(hosts=200, seed=1, token_rate_limit=None)).start()
    if args.token_latency > 0:
        emulator.configure(faults=[{'type': 'latency', 'seconds': args.token_latency, 'path': '/oauth2/token'}])
    try:
        with tempfile.TemporaryDirectory(prefix='token-economy-') as workdir:
            inventory = write_inventory(workdir, args.hosts)
            for token_cache in (True, False):
                times, counters = [], None
                for _run in range(args.runs):
                    seconds, counters = run_play(emulator, inventory, args.forks, token_cache, workdir, croot)
                    times.append(seconds)
                times.sort()
                api_calls = counters['calls_total'] - counters['token_requests_total']
                rows.append(
                    {
                        'token_cache': token_cache,
                        'hosts': args.hosts,
                        'tasks_per_host': TASKS_PER_HOST,
                        'forks': args.forks,
                        'task_runs': args.hosts * TASKS_PER_HOST,
                        'token_requests': counters['token_requests_total'],
                        'api_calls': api_calls,
                        'wall_seconds_median': round(times[len(times) // 2], 2),
                        'wall_seconds_all': [round(t, 2) for t in times],
                    }
                )
    finally:
        emulator.stop()

    print(
        'Token economy: %d hosts x %d tasks, forks %d, %d run(s) per mode, token endpoint latency %.2f s '
        '(emulator on loopback)' % (args.hosts, TASKS_PER_HOST, args.forks, args.runs, args.token_latency)
    )
    print('%-12s %10s %15s %10s %12s' % ('token_cache', 'task runs', 'token requests', 'API calls', 'wall time s'))
    for row in rows:
        mode = 'on' if row['token_cache'] else 'off'
        print(
            '%-12s %10d %15d %10d %12.2f'
            % (mode, row['task_runs'], row['token_requests'], row['api_calls'], row['wall_seconds_median'])
        )
    on, off = rows
    print(
        'Token requests saved by the cache: %d of %d (%.0f%%).'
        % (
            off['token_requests'] - on['token_requests'],
            off['token_requests'],
            100.0 * (off['token_requests'] - on['token_requests']) / max(1, off['token_requests']),
        )
    )
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, 'w') as handle:
        json.dump(
            {
                'benchmark': 'token_economy',
                'python': platform.python_version(),
                'cpus': os.cpu_count(),
                'token_latency_seconds': args.token_latency,
                'measured_at': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
                'results': rows,
            },
            handle,
            indent=2,
        )
        handle.write('\n')
    print('Wrote %s' % os.path.relpath(RESULTS, REPO_ROOT))
    return 0


if __name__ == '__main__':
    sys.exit(main())
