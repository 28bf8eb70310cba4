"""A fleet play against ansible.builtin.debug: 10 hosts x 4 falcon_device_info tasks, forks 5, HTTPS on loopback.

The same inventory (local-connection hosts whose interpreter is the controller's Python, as the implicit localhost's
is) runs three plays of the same shape: ansible.builtin.debug (the floor of any task: templating, the strategy, the
callback), falcon_device_info in the worker process (the default there) and on the module path
(SECOPS_FALCON_IN_PROCESS=false). The rounds of the three interleave so that a change in the machine's load hits them
alike; the table gives the median wall time of each and its ratio to debug, and the token count (one per play: every
task after the first reuses the cached token). No added latency: what is left above debug is the collection's own cost.

Usage: python bench/fleet_play.py [--rounds N]   (bench/run.py --only fleet_play runs it with the others)
"""

import argparse
import os
import sys

import bench_common as bc

HOSTS, TASKS, FORKS = 10, 4, 5
TOKEN_CALL = 'POST /oauth2/token'
# label -> (task, extra environment)
# Two ways the emulator's CA is trusted: the controller's bundle (REQUESTS_CA_BUNDLE naming the system bundle with the
# emulator's CA added, as an execution environment with a corporate CA has it; the tasks name no CA) and each task's
# own ca_path option (a one-CA file). 'ca_path' in a task's entry marks the second.
DEBUG = 'ansible.builtin.debug'
KINDS = (
    (DEBUG, {DEBUG: {'msg': 'host {{ inventory_hostname }}'}}, {}),
    ('falcon_device_info, in-process, CA in the bundle', None, {}),
    ('falcon_device_info, in-process, ca_path per task', 'ca_path', {}),
    ('falcon_device_info, module path, CA in the bundle', None, {'SECOPS_FALCON_IN_PROCESS': 'false'}),
)
SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'


def _controller_bundle(directory, emulator):
    """A CA bundle file: the system's CAs (when this machine has them) and the emulator's."""
    path = os.path.join(directory, 'controller-ca-bundle.pem')
    parts = []
    for source in (SYSTEM_BUNDLE, emulator.ca_path):
        if os.path.isfile(source):
            with open(source, encoding='ascii') as handle:
                parts.append(handle.read().rstrip('\n') + '\n')
    with open(path, 'w', encoding='ascii') as handle:
        handle.write(''.join(parts))
    return path


def _playbook(directory, name, task):
    tasks = [dict(task, name='Task %d' % n) for n in range(1, TASKS + 1)]
    return bc.write_playbook(directory, name, tasks, hosts='all')


def run(quick=False, rounds=None):
    """Median wall seconds and ratio to debug of each kind; the JSON-able results."""
    rounds = rounds or (2 if quick else 5)
    croot = bc.collections_root()
    directory = bc.work_dir('fleet')
    inventory = bc.local_inventory(directory, HOSTS)
    emulator = bc.start_emulator(hosts=50, tls=True)
    walls = dict((label, []) for label, _task, _env in KINDS)
    tokens = {}
    try:
        device_id = emulator.devices()[0]['device_id']
        bundle = _controller_bundle(directory, emulator)
        falcon_tasks = {
            None: {'secops.falcon.falcon_device_info': {'ids': [device_id]}},
            'ca_path': {'secops.falcon.falcon_device_info': {'ids': [device_id], 'ca_path': emulator.ca_path}},
        }
        plays = dict(
            (label, _playbook(directory, 'fleet_%d' % number, task if isinstance(task, dict) else falcon_tasks[task]))
            for number, (label, task, _env) in enumerate(KINDS)
        )
        for _round in range(rounds):
            for label, _task, extra in KINDS:
                emulator.reset_counters()
                env = dict(extra, REQUESTS_CA_BUNDLE=bundle)
                done = bc.play(plays[label], emulator, directory, croot, ('-f', str(FORKS)), inventory, env)
                walls[label].append(done.elapsed)
                tokens[label] = emulator.counters()['calls'].get(TOKEN_CALL, 0)
    finally:
        emulator.stop()
    floor = bc.median(walls[DEBUG])
    rows = []
    for label, _task, _env in KINDS:
        wall = bc.median(walls[label])
        rows.append(
            {
                'kind': label,
                'median_wall_seconds': round(wall, 3),
                'ratio_to_debug': round(wall / floor, 2),
                'above_debug_seconds': round(wall - floor, 3),
                'tokens': tokens[label],
                'walls': [round(w, 3) for w in walls[label]],
            }
        )
    bc.table(
        'fleet play: %d hosts x %d tasks, forks %d, HTTPS on loopback (median of %d rounds)'
        % (HOSTS, TASKS, FORKS, rounds),
        ['kind', 'wall s (median)', 'ratio to debug', 'above debug s', 'tokens'],
        [
            [r['kind'], r['median_wall_seconds'], r['ratio_to_debug'], r['above_debug_seconds'], r['tokens']]
            for r in rows
        ],
    )
    return {'hosts': HOSTS, 'tasks': TASKS, 'forks': FORKS, 'rounds': rounds, 'rows': rows}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=5, help='interleaved rounds of the three plays (default 5)')
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    bc.write_results('fleet_play', dict(run(rounds=args.rounds), machine=bc.machine()))


if __name__ == '__main__':
    main()
