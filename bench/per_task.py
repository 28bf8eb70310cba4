"""Per-task cost: a falcon_device_info task vs ansible.builtin.ping in the same run, and the cost inside the module.

Task cost = (wall of a play with N tasks - wall of the same play with 1 task) / (N - 1), which removes ansible-playbook's
start-up. falcon_device_info is measured on both execution paths: in the worker process (the default on the
controller) and as a module (SECOPS_FALCON_IN_PROCESS=false), the rounds of the three kinds interleaved so that a
change in the machine's load hits them alike. Inside the module: the import of the core (fresh interpreters) and one authenticated request with a warm
token cache (in this process), against a bare requests call with the same token.
"""

import os
import subprocess
import sys
import time

import bench_common as bc

IMPORTS = [
    ('python -c pass', 'pass'),
    ('ansible.module_utils.basic', 'import ansible.module_utils.basic'),
    ('requests', 'import requests'),
    ('core: _http (client, cache, errors)', 'import ansible_collections.secops.falcon.plugins.module_utils._http'),
    (
        'core: _module + _hosts (what falcon_device_info imports)',
        'import ansible_collections.secops.falcon.plugins.module_utils._module, '
        'ansible_collections.secops.falcon.plugins.module_utils._hosts',
    ),
]


def _task_play(directory, kind, count, device_id):
    """A play of count tasks of one kind (device_info by id, or ping)."""
    if kind == 'ping':
        task = {'ansible.builtin.ping': {}}
    else:
        task = {'secops.falcon.falcon_device_info': {'ids': [device_id], 'fields': ['hostname']}}
    tasks = [dict(task, name='Task %d' % n) for n in range(1, count + 1)]
    return bc.write_playbook(directory, 'per_task_%s_%d' % (kind, count), tasks)


# label -> (task kind, SECOPS_FALCON_IN_PROCESS)
KINDS = [('ping', 'ping', ''), ('in_process', 'device_info', 'true'), ('module', 'device_info', 'false')]


def _task_costs(emulator, directory, croot, count, rounds, device_id):
    """{label: median per-task seconds} over rounds, from an N-task play minus a 1-task play, kinds interleaved."""
    costs = dict((label, []) for label, _kind, _switch in KINDS)
    cache = os.path.join(directory, 'warm-cache')
    for _round in range(rounds):
        for label, kind, switch in KINDS:
            one = _task_play(directory, kind, 1, device_id)
            many = _task_play(directory, kind, count, device_id)
            env = {'FALCON_TOKEN_CACHE_DIR': cache, 'SECOPS_FALCON_IN_PROCESS': switch}
            single = bc.play(one, emulator, directory, croot, extra_env=env).elapsed
            multi = bc.play(many, emulator, directory, croot, extra_env=env).elapsed
            costs[label].append((multi - single) / (count - 1))
    return dict((label, bc.median(values)) for label, values in costs.items())


def _import_seconds(croot, statement, rounds):
    """Median wall time of a fresh interpreter running statement (includes interpreter start-up)."""
    env = dict(os.environ, PYTHONPATH=croot)
    times = []
    for _round in range(rounds):
        started = time.monotonic()
        subprocess.run([sys.executable, '-c', statement], env=env, check=True)
        times.append(time.monotonic() - started)
    return bc.median(times)


def _request_costs(emulator, directory, rounds):
    """Median seconds of: a new FalconClient's first request with a warm cache, a reused client's request, bare requests."""
    import requests  # pylint: disable=import-outside-toplevel

    cache_dir = os.path.join(directory, 'request-cache')
    path = '/devices/queries/devices/v1'
    warm = bc.core_client(emulator, cache_dir)
    warm.request('GET', path, params={'limit': 1})  # issues and caches the token
    token = warm.token().access_token

    def timed(func):
        times = []
        for _round in range(rounds):
            started = time.perf_counter()
            func()
            times.append(time.perf_counter() - started)
        return bc.median(times)

    fresh_client = timed(lambda: bc.core_client(emulator, cache_dir).request('GET', path, params={'limit': 1}))
    reused_client = timed(lambda: warm.request('GET', path, params={'limit': 1}))
    bare = requests.Session()
    bare.trust_env = False
    bare_request = timed(
        lambda: bare.get(
            emulator.url + path, params={'limit': 1}, headers={'Authorization': 'Bearer ' + token}, timeout=30
        ).json()
    )
    new_connection = timed(
        lambda: requests.get(
            emulator.url + path, params={'limit': 1}, timeout=30, headers={'Authorization': 'Bearer ' + token}
        ).json()
    )
    return {
        'new_client_warm_cache': fresh_client,
        'reused_client': reused_client,
        'bare_requests_new_connection': new_connection,
        'bare_requests_kept_alive': bare_request,
    }


def run(quick=False):
    """Measure; return the JSON-able results."""
    croot = bc.collections_root()
    bc.load_collection(croot)
    emulator = bc.start_emulator(hosts=50)
    directory = bc.work_dir('per-task')
    count, rounds = (6, 1) if quick else (21, 3)
    try:
        device_id = emulator.devices()[0]['device_id']
        costs = _task_costs(emulator, directory, croot, count, rounds, device_id)
        ping, info, module = costs['ping'], costs['in_process'], costs['module']
        imports = [(label, _import_seconds(croot, statement, 3 if quick else 7)) for label, statement in IMPORTS]
        requests_ = _request_costs(emulator, directory, 20 if quick else 100)
    finally:
        emulator.stop()
    bc.table(
        'Per-task cost (play of %d tasks minus play of 1 task, median of %d)' % (count, rounds),
        ['task', 'seconds per task', 'ratio to ping'],
        [
            ['ansible.builtin.ping', ping, 1.0],
            ['secops.falcon.falcon_device_info, in-process (1 id, warm cache)', info, info / ping],
            ['secops.falcon.falcon_device_info, module path (1 id, warm cache)', module, module / ping],
        ],
    )
    base = imports[0][1]
    bc.table(
        'Import time in a fresh interpreter (median; "extra" = minus bare interpreter start-up)',
        ['import', 'seconds', 'extra seconds'],
        [[label, seconds, seconds - base] for label, seconds in imports],
    )
    bc.table(
        'One authenticated request to the emulator (median)',
        ['how', 'milliseconds'],
        [[key.replace('_', ' '), value * 1000.0] for key, value in requests_.items()],
    )
    return {
        'tasks_per_play': count,
        'rounds': rounds,
        'ping_seconds_per_task': ping,
        'device_info_seconds_per_task': info,
        'ratio_device_info_to_ping': info / ping,
        'module_path_seconds_per_task': module,
        'ratio_module_path_to_ping': module / ping,
        'import_seconds': dict(imports),
        'request_seconds': requests_,
    }
