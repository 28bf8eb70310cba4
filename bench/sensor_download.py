"""Sensor installer downloads: a rollout over many hosts, and one big file against curl.

1. Rollout: a play over HOSTS local-connection hosts of three distributions (Ubuntu 22 x86_64, RHEL 9 x86_64, Amazon
   Linux 2 arm64), each running falcon_sensor_download with its own facts into one controller directory (forks 10).
   Counted: installer downloads, API calls (token requests apart), tokens, wall time and the peak RSS of any one process
   of the play. The same play with a directory per host is the baseline: what downloading once per host costs.
2. One big installer (BIG_MIB MiB, streamed by the emulator): falcon_sensor_download run as a module process against
   a plain `curl` of the same download URL with the same token. Wall, throughput and peak RSS of each.

Usage: python bench/sensor_download.py [--hosts N] [--big-mib M] [--rounds R]   (bench/run.py --only sensor_download)
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time

import bench_common as bc

HOSTS, FORKS, BIG_MIB, ROUNDS = 100, 10, 200, 3
DOWNLOAD_CALL = 'GET /sensors/entities/download-installer/v2'
TOKEN_CALL = 'POST /oauth2/token'
DISTRIBUTIONS = (
    ('Ubuntu', '22', 'x86_64'),
    ('RedHat', '9', 'x86_64'),
    ('Amazon', '2', 'aarch64'),
)


def _facts(distribution, major, architecture):
    return {
        'ansible_system': 'Linux',
        'ansible_distribution': distribution,
        'ansible_distribution_major_version': major,
        'ansible_architecture': architecture,
    }


def _inventory(directory, hosts):
    """Local-connection hosts h001..., each with target_facts of one of DISTRIBUTIONS in turn (YAML as JSON)."""
    inventory = {
        'all': {
            'vars': {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable},
            'hosts': dict(
                ('h%03d' % n, {'target_facts': _facts(*DISTRIBUTIONS[n % len(DISTRIBUTIONS)])})
                for n in range(1, hosts + 1)
            ),
        }
    }
    path = os.path.join(directory, 'download-inventory-%d.json' % hosts)
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(inventory, handle)
    return path


def _calls(counters, name):
    return counters['calls'].get(name, 0)


def rollout(emulator, directory, croot, hosts, per_host):
    """One play; the counts and the peak RSS (MiB) of the largest process it ran."""
    downloads = os.path.join(directory, 'downloads-%s' % ('per-host' if per_host else 'shared'))
    shutil.rmtree(downloads, ignore_errors=True)
    os.makedirs(downloads)
    dest = downloads + ('/{{ inventory_hostname }}' if per_host else '')
    tasks = []
    if per_host:
        tasks.append({'name': 'A directory per host', 'ansible.builtin.file': {'path': dest, 'state': 'directory'}})
    tasks.append(
        {
            'name': 'Download the installer this host needs',
            'secops.falcon.falcon_sensor_download': {
                'facts': '{{ target_facts }}',
                'dest': dest,
                'ca_path': emulator.ca_path,
            },
        }
    )
    playbook = bc.write_playbook(directory, 'download_%s' % ('per_host' if per_host else 'shared'), tasks, hosts='all')
    emulator.reset_counters()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = bc.play(playbook, emulator, directory, croot, ('-f', str(FORKS)), _inventory(directory, hosts))
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    counters = emulator.counters()
    files = sum(len(files) for _root, _dirs, files in os.walk(downloads) if files)
    return {
        'kind': 'a directory per host (baseline)' if per_host else 'one controller directory',
        'hosts': hosts,
        'downloads': _calls(counters, DOWNLOAD_CALL),
        'installer_files': files,
        'api_calls': bc.api_calls(counters),
        'tokens': _calls(counters, TOKEN_CALL),
        'wall_seconds': round(done.elapsed, 2),
        # ru_maxrss of the children is the largest of any one process waited for; 'before' shows what it already was.
        'peak_rss_mib': round(max(peak, before) / 1024.0, 1),
    }


def _watch_peak(proc):
    """Wait for proc, reading its VmHWM (peak RSS, kB) from /proc until it exits; (rc, peak MiB)."""
    peak = 0
    status = '/proc/%d/status' % proc.pid
    while proc.poll() is None:
        try:
            with open(status, encoding='ascii') as handle:
                for line in handle:
                    if line.startswith('VmHWM:'):
                        peak = max(peak, int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.01)
    return proc.returncode, peak / 1024.0


def big_download(emulator, directory, croot, big_mib, rounds):
    """falcon_sensor_download as a module process against curl, the same URL and token; medians of rounds."""
    size = big_mib * 1024 * 1024
    record = emulator.add_installer(size, name='falcon-sensor-big.x86_64.rpm', os='RHEL', os_version='9')
    cache_dir = os.path.join(directory, 'big-token-cache')
    os.makedirs(cache_dir, exist_ok=True)
    os.chmod(cache_dir, 0o700)
    bc.load_collection(croot)
    token = bc.core_client(emulator, cache_dir, ca_path=emulator.ca_path).token().access_token
    url = '%s/sensors/entities/download-installer/v2?id=%s' % (emulator.url, record['sha256'])
    header = os.path.join(directory, 'curl-header.txt')
    # The token goes to curl in a 0600 file (-H @file), never on its command line.
    with open(os.open(header, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 'w', encoding='ascii') as handle:
        handle.write('Authorization: Bearer %s\n' % token)
    rows = {'falcon_sensor_download': [], 'curl': []}
    for _round in range(rounds):
        dest = os.path.join(directory, 'big')
        shutil.rmtree(dest, ignore_errors=True)
        os.makedirs(dest)
        _result, seconds, peak = bc.run_module(
            'falcon_sensor_download',
            {'sha256': record['sha256'], 'dest': dest, 'ca_path': emulator.ca_path},
            croot,
            emulator,
            directory,
            cache_dir=cache_dir,
        )
        rows['falcon_sensor_download'].append((seconds, peak))
        target = os.path.join(directory, 'curl-big.bin')
        started = time.monotonic()
        proc = subprocess.Popen(
            ['curl', '-sS', '--fail', '--cacert', emulator.ca_path, '-H', '@' + header, '-o', target, url],
            stdout=subprocess.DEVNULL,
        )
        rc, peak = _watch_peak(proc)
        seconds = time.monotonic() - started
        if rc != 0 or os.path.getsize(target) != size:
            raise SystemExit('curl of the big installer failed (rc %s)' % rc)
        os.unlink(target)
        rows['curl'].append((seconds, peak))
    out = []
    for label, values in rows.items():
        wall = bc.median([v[0] for v in values])
        out.append(
            {
                'contender': label,
                'mib': big_mib,
                'median_wall_seconds': round(wall, 2),
                'mib_per_second': round(big_mib / wall, 1),
                'peak_rss_mib': round(max(v[1] for v in values), 1),
            }
        )
    floor = out[1]['median_wall_seconds']
    for row in out:
        row['ratio_to_curl'] = round(row['median_wall_seconds'] / floor, 2)
    return out


def run(quick=False, hosts=None, big_mib=None, rounds=None):
    """Both parts; the JSON-able results."""
    hosts = hosts or (30 if quick else HOSTS)
    big_mib = big_mib or (50 if quick else BIG_MIB)
    rounds = rounds or (1 if quick else ROUNDS)
    croot = bc.collections_root()
    directory = bc.work_dir('download')
    emulator = bc.start_emulator(hosts=50, tls=True)
    try:
        plays = [rollout(emulator, directory, croot, hosts, per_host) for per_host in (False, True)]
        big = big_download(emulator, directory, croot, big_mib, rounds)
    finally:
        emulator.stop()
    bc.table(
        'rollout: %d hosts of %d distributions, forks %d' % (hosts, len(DISTRIBUTIONS), FORKS),
        ['kind', 'downloads', 'files', 'API calls', 'tokens', 'wall s', 'peak RSS MiB'],
        [
            [p['kind'], p['downloads'], p['installer_files'], p['api_calls'], p['tokens'], p['wall_seconds']]
            + [p['peak_rss_mib']]
            for p in plays
        ],
    )
    bc.table(
        'one %d MiB installer (median of %d)' % (big_mib, rounds),
        ['contender', 'wall s', 'MiB/s', 'ratio to curl', 'peak RSS MiB'],
        [
            [r['contender'], r['median_wall_seconds'], r['mib_per_second'], r['ratio_to_curl'], r['peak_rss_mib']]
            for r in big
        ],
    )
    return {'rollout': plays, 'big_download': big}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--hosts', type=int, default=HOSTS, help='hosts of the rollout play (default %d)' % HOSTS)
    parser.add_argument('--big-mib', type=int, default=BIG_MIB, help='size of the big installer (default %d)' % BIG_MIB)
    parser.add_argument('--rounds', type=int, default=ROUNDS, help='rounds of the big download (default %d)' % ROUNDS)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    result = run(hosts=args.hosts, big_mib=args.big_mib, rounds=args.rounds)
    bc.write_results('sensor_download', dict(result, machine=bc.machine()))


if __name__ == '__main__':
    main()
