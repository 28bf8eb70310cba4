"""Side by side with the vendor collection (crowdstrike.falcon 4.13.0) under realistic latency and the real token limit.

Each collection runs the same play against its own emulator: H local-connection hosts x T tasks, each task reads
one host's details (secops.falcon.falcon_device_info / crowdstrike.falcon.host_info), forks 5, ignore_errors so a
failed task does not end its host. The emulator serves HTTPS, waits 115 ms per API call and 300 ms per token
request, and allows 300 token requests a minute per address (API behaviour 9.5). An ansible.builtin.ping play of
the same shape gives the ratio. FalconPy connects to api.crowdstrike.com only (the vendor takes cloud names, not
URLs), so its traffic goes through bench/connect_proxy.py to the emulator; no name is ever resolved but 127.0.0.1.

The vendor collection is installed into a scratch directory from a local checkout of its public repository
(VENDOR_CHECKOUT: a work tree, or a bare/mirror git directory whose HEAD is v4.13.0), or from Galaxy where that is
reachable. Its code is never copied into this repository.
"""

import os
import re
import subprocess
import sys

import bench_common as bc
from connect_proxy import ConnectProxy

VERSION = '4.13.0'
SHAPES = ((10, 4), (50, 8))
FORKS = 5
API_LATENCY, TOKEN_LATENCY = 0.115, 0.3
FAULTS = [
    {'type': 'latency', 'seconds': API_LATENCY, 'path': '/devices/*'},
    {'type': 'latency', 'seconds': API_LATENCY, 'path': '/policy/*'},
    {'type': 'latency', 'seconds': TOKEN_LATENCY, 'path': '/oauth2/token'},
]
TOKEN_CALL = 'POST /oauth2/token'


def install_vendor(directory):
    """Install crowdstrike.falcon into directory/collections (local checkout first, else Galaxy); return that path."""
    target = os.path.join(directory, 'collections')
    galaxy = os.path.join(os.path.dirname(sys.executable), 'ansible-galaxy')
    checkout = os.environ.get('VENDOR_CHECKOUT', '')
    if checkout and os.path.isdir(checkout):
        source = os.path.join(directory, 'vendor-src')
        os.makedirs(source)
        if os.path.exists(os.path.join(checkout, 'galaxy.yml')):
            subprocess.run(['cp', '-a', checkout + '/.', source], check=True)
        else:  # a bare or mirror git directory: its HEAD's files
            archive = subprocess.run(
                ['git', '--git-dir', checkout, 'archive', 'HEAD'], check=True, capture_output=True
            ).stdout
            subprocess.run(['tar', '-x', '-C', source], input=archive, check=True)
        spec = [source]
    else:
        spec = ['crowdstrike.falcon:==%s' % VERSION]
    subprocess.run([galaxy, 'collection', 'install', '--no-deps', '-p', target] + spec, check=True, capture_output=True)
    return target


def _play(directory, name, hosts_tasks, task):
    """A playbook of T copies of task on every host of the inventory."""
    _hosts, count = hosts_tasks
    tasks = [dict(task, name='Read %d' % n, ignore_errors=True) for n in range(1, count + 1)]
    return bc.write_playbook(directory, name, tasks, hosts='all')


def _recap(output):
    """(ok, failed) task counts summed over the PLAY RECAP (ignored failures count as failed)."""
    ok = sum(int(n) for n in re.findall(r' ok=(\d+)', output))
    failed = sum(int(n) for n in re.findall(r' failed=(\d+)', output)) + sum(
        int(n) for n in re.findall(r' ignored=(\d+)', output)
    )
    return ok, failed


def _run(label, playbook, inventory, emulator, directory, croot, extra_env):
    """One measured play: tokens, calls, wall seconds and failed tasks."""
    emulator.reset_counters()
    env = dict({'FALCON_TOKEN_CACHE_DIR': os.path.join(directory, 'cache-%s' % label)}, **extra_env)
    run = bc.run_playbook(
        playbook, {}, croot, directory, inventory=inventory, cli_args=('-f', str(FORKS)), extra_env=env, timeout=3600
    )
    if run.dns_refused:
        raise SystemExit('%s tried to resolve %s' % (label, run.dns_refused))
    ok, failed = _recap(run.stdout)
    counters = emulator.counters()['calls']
    return {
        'tokens': counters.get(TOKEN_CALL, 0),
        'calls': sum(counters.values()),
        'wall_seconds': round(run.elapsed, 2),
        'failed_tasks': failed,
        'ok_tasks': ok,
        'rc': run.rc,
    }


def run(quick=False):
    """Measure both shapes for ping, ours and the vendor's; return the JSON-able results."""
    croot = bc.collections_root()
    directory = bc.work_dir('vendor')
    vendor_root = install_vendor(directory)
    roots = croot + os.pathsep + vendor_root
    rows = []
    for shape in SHAPES[:1] if quick else SHAPES:
        hosts, tasks = shape
        inventory = bc.local_inventory(directory, hosts)
        results = {}
        ours = bc.start_emulator(hosts=50, tls=True, faults=FAULTS, token_rate_limit=300)
        theirs = bc.start_emulator(hosts=50, tls=True, faults=FAULTS, token_rate_limit=300)
        proxy = ConnectProxy(directory, 'api.crowdstrike.com', int(theirs.url.rsplit(':', 1)[1]), theirs.ca_path)
        try:
            device_id = ours.devices()[0]['device_id']
            ping = _play(directory, 'ping_%dx%d' % shape, shape, {'ansible.builtin.ping': {}})
            mine = _play(
                directory,
                'secops_%dx%d' % shape,
                shape,
                {'secops.falcon.falcon_device_info': {'ids': [device_id], 'ca_path': ours.ca_path}},
            )
            vendor = _play(
                directory, 'vendor_%dx%d' % shape, shape, {'crowdstrike.falcon.host_info': {'hosts': [device_id]}}
            )
            results['ping'] = _run('ping', ping, inventory, ours, directory, roots, {})
            results['secops.falcon'] = _run('secops', mine, inventory, ours, directory, roots, bc.falcon_env(ours))
            theirs_env = {
                'FALCON_CLIENT_ID': bc.DEFAULT_CLIENT.client_id,
                'FALCON_CLIENT_SECRET': bc.DEFAULT_CLIENT.client_secret,
                'FALCON_CLOUD': 'us-1',
                'HTTPS_PROXY': proxy.url,
                'https_proxy': proxy.url,
                'NO_PROXY': '',
                'no_proxy': '',
                'REQUESTS_CA_BUNDLE': proxy.ca_path,
            }
            results['crowdstrike.falcon'] = _run('vendor', vendor, inventory, theirs, directory, roots, theirs_env)
        finally:
            proxy.close()
            ours.stop()
            theirs.stop()
        ping_wall = results['ping']['wall_seconds']
        for label in ('ping', 'secops.falcon', 'crowdstrike.falcon'):
            row = dict(
                results[label],
                collection=label,
                hosts=hosts,
                tasks=tasks,
                ratio_to_ping=round(results[label]['wall_seconds'] / ping_wall, 2),
            )
            rows.append(row)
    bc.table(
        'Side by side: H hosts x T device reads, forks %d, TLS, %d ms per call, %d ms per token, 300 tokens/min'
        % (FORKS, API_LATENCY * 1000, TOKEN_LATENCY * 1000),
        ['hosts x tasks', 'collection', 'tokens', 'calls', 'wall s', 'ratio to ping', 'failed tasks'],
        [
            [
                '%dx%d' % (r['hosts'], r['tasks']),
                r['collection'],
                r['tokens'],
                r['calls'],
                r['wall_seconds'],
                r['ratio_to_ping'],
                r['failed_tasks'],
            ]
            for r in rows
        ],
    )
    return {
        'forks': FORKS,
        'api_latency_seconds': API_LATENCY,
        'token_latency_seconds': TOKEN_LATENCY,
        'vendor_version': VERSION,
        'rows': rows,
    }
