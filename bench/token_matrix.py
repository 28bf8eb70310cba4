"""Token requests per play for hosts x tasks x forks, token cache on vs off (goal: 1 per credential set per play).

Each task is a falcon_device_info read (limit 1) on a local-connection host; every host runs every task, so a play
makes hosts x tasks module runs. bench/token_economy.py measures a mixed play (token, lookup, policies) the same way.
"""

import bench_common as bc

FULL = [(1, 1, 1), (20, 5, 10), (100, 10, 10)]
QUICK = [(1, 1, 1), (20, 5, 10)]


def _playbook(directory, tasks):
    """A play of `tasks` falcon_device_info tasks on every host."""
    args = {'limit': 1, 'fields': ['hostname'], 'token_cache': '{{ token_cache }}'}
    body = [{'name': 'Read one device (%d)' % n, 'secops.falcon.falcon_device_info': args} for n in range(1, tasks + 1)]
    return bc.write_playbook(directory, 'token_matrix_%d_tasks' % tasks, body, hosts='all')


def run(quick=False):
    """Measure every cell; return the JSON-able results."""
    croot = bc.collections_root()
    emulator = bc.start_emulator(hosts=200)
    directory = bc.work_dir('tokens')
    rows = []
    try:
        for hosts, tasks, forks in QUICK if quick else FULL:
            inventory = bc.local_inventory(directory, hosts)
            playbook = _playbook(directory, tasks)
            for cache in (True, False):
                emulator.reset_counters()
                done = bc.play(
                    playbook,
                    emulator,
                    directory,
                    croot,
                    inventory=inventory,
                    cli_args=['--forks', str(forks), '-e', 'token_cache=%s' % str(cache).lower()],
                )
                counters = emulator.counters()
                rows.append(
                    {
                        'hosts': hosts,
                        'tasks': tasks,
                        'forks': forks,
                        'token_cache': cache,
                        'module_runs': hosts * tasks,
                        'token_requests': counters['token_requests_total'],
                        'api_calls': bc.api_calls(counters),
                        'wall_seconds': round(done.elapsed, 2),
                    }
                )
    finally:
        emulator.stop()
    bc.table(
        'Token requests per play (falcon_device_info tasks; goal: 1 per credential set per play)',
        ['hosts x tasks', 'forks', 'cache', 'module runs', 'token requests', 'API calls', 'wall s'],
        [
            [
                '%d x %d' % (r['hosts'], r['tasks']),
                r['forks'],
                'on' if r['token_cache'] else 'off',
                r['module_runs'],
                r['token_requests'],
                r['api_calls'],
                r['wall_seconds'],
            ]
            for r in rows
        ],
    )
    return {'rows': rows}
