"""Run every benchmark against in-process emulators on loopback; print the tables and write bench/results/*.json.

Usage: python bench/run.py [--quick] [--only NAME ...]

--quick scales the work down (smaller plays, no 100k-host run, no sliding-window wait) so the whole run takes a few
minutes; the full run follows docs/performance.md. Numbers are ratios against baselines measured in the same run
(ansible.builtin.ping or debug, FalconPy, a play without 429s); nothing here asserts a time.
"""

import argparse
import sys
import time

import bench_common as bc
import falconpy_reference
import fleet_play
import parallel_reads
import per_task
import rate_limit
import scale
import sensor_download
import token_economy
import token_matrix
import vendor

BENCHMARKS = [
    ('token_matrix', token_matrix.run),
    ('per_task', per_task.run),
    ('fleet_play', fleet_play.run),
    ('scale', scale.run),
    ('parallel_reads', parallel_reads.run),
    ('rate_limit', rate_limit.run),
    ('falconpy_reference', falconpy_reference.run),
    ('vendor', vendor.run),
    ('sensor_download', sensor_download.run),
]


def _token_economy(quick=False):
    """bench/token_economy.py (a mixed play: token, device and policy reads, lookup) as one more benchmark."""
    argv = ['--hosts', '10' if quick else '20', '--forks', '10']
    token_economy.main(argv)
    return {'see': 'bench/results/token_economy.json', 'argv': argv}


def parse_args(argv):
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='smaller workloads (a few minutes in all)')
    names = [name for name, _func in BENCHMARKS] + ['token_economy']
    parser.add_argument(
        '--only', nargs='+', choices=names, metavar='NAME', help='run only these: %s' % ', '.join(names)
    )
    return parser.parse_args(argv)


def main(argv=None):
    """Run the selected benchmarks in order; write one JSON per benchmark and a summary."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    selected = BENCHMARKS + [('token_economy', _token_economy)]
    if args.only:
        selected = [(name, func) for name, func in selected if name in args.only]
    info = bc.machine()
    print(
        'secops.falcon benchmarks (%s mode) on %d CPUs (%s), %s GiB, Python %s, ansible-core %s; load average %s'
        % (
            'quick' if args.quick else 'full',
            info['nproc'],
            info['cpu'],
            info['memory_gib'],
            info['python'],
            info['versions']['ansible-core'],
            info['load_average'],
        )
    )
    mode = 'quick' if args.quick else 'full'
    # The summary keeps the latest result of every benchmark of this mode (a run with --only updates its part).
    summary = bc.read_results('summary-%s' % mode) or {'mode': mode, 'benchmarks': {}}
    for name, func in selected:
        started = time.monotonic()
        result = func(args.quick)
        seconds = round(time.monotonic() - started, 1)
        print('(%s took %.0f s)' % (name, seconds))
        measured = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())
        summary['benchmarks'][name] = {'seconds': seconds, 'measured_at': measured, 'machine': info, 'results': result}
        bc.write_results(
            '%s-%s' % (name, mode), {'mode': mode, 'measured_at': measured, 'machine': info, 'results': result}
        )
    path = bc.write_results('summary-%s' % mode, summary)
    print('\nWrote %s and one JSON per benchmark in %s' % (path, bc.RESULTS_DIR))
    return 0


if __name__ == '__main__':
    sys.exit(main())
