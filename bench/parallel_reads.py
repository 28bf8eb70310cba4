"""Fleet reads with realistic latency: falcon_device_info over 1k / 10k / 100k hosts, sequential vs bounded parallel.

The emulator serves HTTPS and waits before every answer like the real API seen from a customer network: 115 ms per
API call (the middle of 80-150 ms) and 300 ms per token request. Each size is read twice by the module alone
(python -m with its JSON args): FALCON_READ_CONCURRENCY=1 (one call after another, as before) and the default (4).
Both must make the same calls; the table shows calls, wall time, their ratio and the module's peak memory (VmHWM).
"""

import bench_common as bc
import scale

SIZES = (1000, 10000, 100000)
API_LATENCY = 0.115
TOKEN_LATENCY = 0.3
FIELDS = ['hostname', 'status']
LATENCY_FAULTS = [
    {'type': 'latency', 'seconds': API_LATENCY, 'path': '/devices/*'},
    {'type': 'latency', 'seconds': TOKEN_LATENCY, 'path': '/oauth2/token'},
]


def _read(emulator, croot, directory, concurrency):
    """(calls, wall seconds, peak MiB, hosts returned) of one falcon_device_info run with this concurrency."""
    emulator.reset_counters()
    result, seconds, peak = bc.run_module(
        'falcon_device_info',
        {'fields': FIELDS, 'ca_path': emulator.ca_path},
        croot,
        emulator,
        directory,
        extra_env={'FALCON_READ_CONCURRENCY': str(concurrency)},
    )
    return emulator.counters()['calls_total'], seconds, peak, len(result['devices'])


def run(quick=False):
    """Measure every size; return the JSON-able results."""
    croot = bc.collections_root()
    directory = bc.work_dir('parallel-reads')
    rows = []
    for hosts in SIZES[:2] if quick else SIZES:
        emulator = bc.start_emulator(hosts=hosts, api_rate_limit=None, tls=True, faults=LATENCY_FAULTS)
        try:
            sequential = _read(emulator, croot, directory, 1)
            parallel = _read(emulator, croot, directory, 4)
        finally:
            emulator.stop()
        if sequential[3] != hosts or parallel[3] != hosts:
            raise SystemExit('read %d and %d of %d hosts' % (sequential[3], parallel[3], hosts))
        rows.append(
            {
                'hosts': hosts,
                'calls_minimum': scale.device_info_minimum(hosts),
                'calls_sequential': sequential[0],
                'calls_parallel': parallel[0],
                'wall_seconds_sequential': round(sequential[1], 2),
                'wall_seconds_parallel': round(parallel[1], 2),
                'ratio_parallel_to_sequential': round(parallel[1] / sequential[1], 2),
                'peak_mib_sequential': round(sequential[2], 1),
                'peak_mib_parallel': round(parallel[2], 1),
            }
        )
    bc.table(
        'Fleet reads, %d ms per call + %d ms per token, TLS, fields %s'
        % (API_LATENCY * 1000, TOKEN_LATENCY * 1000, FIELDS),
        [
            'hosts',
            'calls (min)',
            'calls seq',
            'calls par',
            'wall seq s',
            'wall par s',
            'par/seq',
            'peak MiB seq',
            'peak MiB par',
        ],
        [
            [
                r['hosts'],
                r['calls_minimum'],
                r['calls_sequential'],
                r['calls_parallel'],
                r['wall_seconds_sequential'],
                r['wall_seconds_parallel'],
                r['ratio_parallel_to_sequential'],
                r['peak_mib_sequential'],
                r['peak_mib_parallel'],
            ]
            for r in rows
        ],
    )
    return {'api_latency_seconds': API_LATENCY, 'token_latency_seconds': TOKEN_LATENCY, 'fields': FIELDS, 'rows': rows}
