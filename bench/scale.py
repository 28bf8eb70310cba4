"""Scale: falcon_device_info over 1k / 10k / 100k hosts and falcon_host_contain over 1k / 10k hosts.

For each size: the API calls made vs the minimum the paging rules allow (details POST 5000 ids per call, scroll 10000
ids per page, actions 100 ids per call (API behaviour 9.4), plus one token), the wall time of the module alone (run
as `python -m` with its JSON args, no controller) and its peak memory (VmHWM of that one process), and the wall time
of the same task through ansible-playbook.
"""

import math

import bench_common as bc

DEVICE_SIZES = (1000, 10000, 100000)
CONTAIN_SIZES = (1000, 10000)
ALL_PLATFORMS = "platform_name:['Windows','Mac','Linux']"
# Only two fields come back: the module still reads every full record, the result stays small for the controller.
FIELDS = ['hostname', 'status']


def _pages(count, size):
    """Calls needed to move count ids size at a time."""
    return int(math.ceil(count / float(size)))


def device_info_minimum(hosts):
    """token + scroll pages + details batches."""
    return 1 + _pages(hosts, 10000) + _pages(hosts, 5000)


def host_contain_minimum(hosts):
    """token + scroll pages + details batches (current state) + action batches."""
    return 1 + _pages(hosts, 10000) + _pages(hosts, 5000) + _pages(hosts, 100)


def _through_ansible(emulator, directory, croot, module_name, args):
    """Wall seconds of one task through ansible-playbook (and the check that it did the work)."""
    playbook = bc.write_playbook(directory, 'scale_%s' % module_name, [{'name': 'Scale task', module_name: args}])
    return bc.play(playbook, emulator, directory, croot).elapsed


def _measure(emulator, directory, croot, module, args, minimum, hosts, check):
    """One row: module alone (calls, wall, peak RSS), then the same through ansible-playbook."""
    emulator.reset_state()
    emulator.reset_counters()
    result, seconds, rss = bc.run_module(module, args, croot, emulator, directory)
    check(result)
    counters = emulator.counters()
    made = counters['calls_total']
    emulator.reset_state()
    ansible_seconds = _through_ansible(emulator, directory, croot, 'secops.falcon.' + module, args)
    return {
        'module': module,
        'hosts': hosts,
        'calls_made': made,
        'calls_minimum': minimum,
        'calls_by_endpoint': counters['calls'],
        'module_wall_seconds': round(seconds, 2),
        'module_peak_rss_mib': round(rss, 1),
        'ansible_playbook_wall_seconds': round(ansible_seconds, 2),
    }


def run(quick=False):
    """Measure every size; return the JSON-able results."""
    croot = bc.collections_root()
    directory = bc.work_dir('scale')
    rows = []
    device_sizes = DEVICE_SIZES[:2] if quick else DEVICE_SIZES
    for hosts in device_sizes:
        emulator = bc.start_emulator(hosts=hosts, api_rate_limit=None)
        try:

            def check(result, hosts=hosts):
                if result['total'] != hosts or len(result['devices']) != hosts:
                    raise SystemExit(
                        'falcon_device_info read %d of %d hosts: %s'
                        % (len(result['devices']), hosts, result.get('msg'))
                    )

            rows.append(
                _measure(
                    emulator,
                    directory,
                    croot,
                    'falcon_device_info',
                    {'fields': FIELDS},
                    device_info_minimum(hosts),
                    hosts,
                    check,
                )
            )
        finally:
            emulator.stop()
    for hosts in CONTAIN_SIZES:
        emulator = bc.start_emulator(hosts=hosts, api_rate_limit=None, containment_delay=0.5)
        try:

            def check(result, hosts=hosts):
                if len(result['contained']) != hosts:
                    raise SystemExit(
                        'falcon_host_contain contained %d of %d hosts: %s'
                        % (len(result['contained']), hosts, result.get('msg'))
                    )

            rows.append(
                _measure(
                    emulator,
                    directory,
                    croot,
                    'falcon_host_contain',
                    {'filter': ALL_PLATFORMS, 'max_hosts': hosts, 'state': 'contained'},
                    host_contain_minimum(hosts),
                    hosts,
                    check,
                )
            )
        finally:
            emulator.stop()
    bc.table(
        'Scale (module run alone as python -m; then the same task through ansible-playbook)',
        ['module', 'hosts', 'API calls', 'minimum', 'module wall s', 'peak RSS MiB', 'ansible-playbook wall s'],
        [
            [
                r['module'],
                r['hosts'],
                r['calls_made'],
                r['calls_minimum'],
                r['module_wall_seconds'],
                r['module_peak_rss_mib'],
                r['ansible_playbook_wall_seconds'],
            ]
            for r in rows
        ],
    )
    print(
        'API calls include the token request. falcon_host_contain re-reads the acted-on hosts once after the action '
        '(details, 5000 per call) so its result shows the status the API reports; that re-read is the difference '
        'to the minimum.'
    )
    return {'fields': FIELDS, 'rows': rows}
