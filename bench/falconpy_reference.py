"""Reference line for raw client cost: FalconPy (the official SDK) doing the same API work as falcon_device_info.

The work: list every host id (scroll, 10000 per page) and read the full records (details POST, 5000 per call) of
10,000 hosts. Each contender runs in a fresh interpreter (start-up and imports included) with the same token cache
state (none): FalconPy, the collection's core used as a library, the module run as `python -m`, and the module
through ansible-playbook.
"""

import json
import os
import subprocess
import sys
import time

import bench_common as bc

HOSTS = 10000

FALCONPY = '''
import json, os
from falconpy import Hosts
hosts = Hosts(client_id=os.environ['FALCON_CLIENT_ID'], client_secret=os.environ['FALCON_CLIENT_SECRET'],
              base_url=os.environ['FALCON_BASE_URL'])
ids, offset = [], None
while True:
    kwargs = {'limit': 10000}
    if offset:
        kwargs['offset'] = offset
    page = hosts.query_devices_by_filter_scroll(**kwargs)['body']
    ids.extend(page['resources'] or [])
    offset = page['meta']['pagination'].get('offset')
    if not page['resources'] or not offset or len(ids) >= page['meta']['pagination']['total']:
        break
records = []
for start in range(0, len(ids), 5000):
    records.extend(hosts.get_device_details(ids=ids[start:start + 5000])['body']['resources'])
print(json.dumps({'ids': len(ids), 'records': len(records)}))
'''

CORE = '''
import json, os
from ansible_collections.secops.falcon.plugins.module_utils._http import FalconClient
from ansible_collections.secops.falcon.plugins.module_utils._hosts import find_hosts
client = FalconClient({'client_id': os.environ['FALCON_CLIENT_ID'], 'client_secret': os.environ['FALCON_CLIENT_SECRET'],
                       'base_url': os.environ['FALCON_BASE_URL'], 'token_cache_dir': os.environ['FALCON_TOKEN_CACHE_DIR']})
devices, total, _missing = find_hosts(client)
print(json.dumps({'ids': total, 'records': len(devices)}))
'''


def _script(code, emulator, croot, directory, name):
    """Run code in a fresh interpreter (loopback-only guard on PYTHONPATH); return (wall seconds, its JSON output)."""
    env = bc.module_env(croot, emulator, os.path.join(directory, 'cache-' + name))
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, '-c', code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit('%s failed: %s' % (name, err.decode('utf-8', 'replace')[-3000:]))
    return seconds, json.loads(out.decode('utf-8'))


def run(quick=False):
    """Measure; return the JSON-able results (quick and full are the same: 10,000 hosts)."""
    del quick
    croot = bc.collections_root()
    directory = bc.work_dir('falconpy')
    emulator = bc.start_emulator(hosts=HOSTS, api_rate_limit=None)
    rows = []
    try:
        for name, code in (('FalconPy 1.6 (Hosts service class)', FALCONPY), ('secops.falcon core as a library', CORE)):
            emulator.reset_counters()
            seconds, out = _script(code, emulator, croot, directory, name.split()[0])
            if out['records'] != HOSTS:
                raise SystemExit('%s read %d of %d records' % (name, out['records'], HOSTS))
            rows.append(
                {'contender': name, 'wall_seconds': round(seconds, 2), 'api_calls': emulator.counters()['calls_total']}
            )
        emulator.reset_counters()
        result, seconds, rss = bc.run_module('falcon_device_info', {}, croot, emulator, directory)
        if len(result['devices']) != HOSTS:
            raise SystemExit('falcon_device_info read %d of %d records' % (len(result['devices']), HOSTS))
        rows.append(
            {
                'contender': 'falcon_device_info as python -m (full records in the result)',
                'wall_seconds': round(seconds, 2),
                'api_calls': emulator.counters()['calls_total'],
                'peak_rss_mib': round(rss, 1),
            }
        )
        emulator.reset_counters()
        playbook = bc.write_playbook(
            directory,
            'falconpy_reference_play',
            [{'name': 'All hosts', 'secops.falcon.falcon_device_info': {}, 'register': 'fleet'}],
        )
        run_ = bc.play(playbook, emulator, directory, croot)
        rows.append(
            {
                'contender': 'falcon_device_info through ansible-playbook',
                'wall_seconds': round(run_.elapsed, 2),
                'api_calls': emulator.counters()['calls_total'],
            }
        )
    finally:
        emulator.stop()
    base = rows[0]['wall_seconds']
    for row in rows:
        row['ratio_to_falconpy'] = round(row['wall_seconds'] / base, 2)
    bc.table(
        'Reference: list and read %d hosts (fresh interpreter each; API calls include the token request)' % HOSTS,
        ['contender', 'wall s', 'ratio to FalconPy', 'API calls'],
        [[r['contender'], r['wall_seconds'], r['ratio_to_falconpy'], r['api_calls']] for r in rows],
    )
    return {'hosts': HOSTS, 'rows': rows}
