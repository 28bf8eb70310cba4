"""Under rate limiting: plays that meet 429s finish, and the time the client waited vs what the server asked.

The emulator runs in this process, so a recorder wrapped around its request handler sees, for every 429, when it was
answered and the X-Ratelimit-Retryafter it carried (epoch seconds), and when the same call came back. waited - asked
is the client's overshoot (scheduling, the 0.25 s minimum pause, whole-second Retryafter stamps).
"""

import os
import threading
import time

import bench_common as bc

SCROLL = '/devices/queries/devices-scroll/v1'
QUERY = '/devices/queries/devices/v1'


class Recorder:
    """Wraps an emulator's App.handle and records (arrived, answered, method, path, status, retry_after) per request."""

    def __init__(self, emulator):
        self.events = []
        self._lock = threading.Lock()
        original = emulator.app.handle

        def handle(request):
            arrived = time.time()
            response = original(request)
            with self._lock:
                self.events.append(
                    (
                        arrived,
                        time.time(),
                        request.method,
                        request.path,
                        response.status,
                        response.headers.get('X-Ratelimit-Retryafter'),
                    )
                )
            return response

        emulator.app.handle = handle

    def clear(self):
        """Forget the recorded requests."""
        with self._lock:
            del self.events[:]

    def waits(self):
        """[(asked, waited)] seconds for every 429 followed by a retry of the same call."""
        with self._lock:
            events = sorted(self.events)
        out = []
        for index, (_arrived, answered, method, path, status, retry_after) in enumerate(events):
            if status != 429 or not retry_after:
                continue
            later = [e for e in events[index + 1 :] if e[2] == method and e[3] == path and e[0] >= answered]
            if later:
                out.append((float(retry_after) - answered, later[0][0] - answered))
        return out


def _summary(label, waits, extra=None):
    """One table row (dict) from [(asked, waited)]."""
    asked = sum(a for a, _w in waits)
    waited = sum(w for _a, w in waits)
    row = {
        'scenario': label,
        'retried_429s': len(waits),
        'asked_seconds': round(asked, 2),
        'waited_seconds': round(waited, 2),
        'max_overshoot_ms': round(1000 * max([w - a for a, w in waits] or [0.0]), 1),
        'min_overshoot_ms': round(1000 * min([w - a for a, w in waits] or [0.0]), 1),
    }
    row.update(extra or {})
    return row


def _client(emulator, directory):
    """The core's client with room for many retries."""
    return bc.core_client(emulator, os.path.join(directory, 'cache'), retries=10)


def _storm_in_process(emulator, recorder, directory):
    """Three 429s (Retryafter now + 2 s) in front of one read, with the core's client in this process."""
    client = _client(emulator, directory)
    client.request('GET', QUERY, params={'limit': 1})  # token first, so only the read meets the storm
    emulator.configure(faults=[{'type': 'rate_limit', 'count': 3, 'retry_after': 2, 'path': QUERY}])
    recorder.clear()
    started = time.monotonic()
    client.request('GET', QUERY, params={'limit': 1})
    return _summary(
        'core client, 3 x 429 (Retryafter +2 s)',
        recorder.waits(),
        {'wall_seconds': round(time.monotonic() - started, 2)},
    )


def _sliding_window(emulator, recorder, directory, limit):
    """The emulator's own per-CID limit: limit calls per minute, then reads until one has to wait for the window."""
    client = _client(emulator, directory)
    client.request('GET', QUERY, params={'limit': 1})
    emulator.configure(api_rate_limit=limit)
    emulator.app.api_window.reset()
    recorder.clear()
    started = time.monotonic()
    for _call in range(limit + 2):
        client.request('GET', QUERY, params={'limit': 1})
    emulator.configure(api_rate_limit=None)
    return _summary(
        'core client, %d calls/min window, %d calls' % (limit, limit + 2),
        recorder.waits(),
        {'wall_seconds': round(time.monotonic() - started, 2)},
    )


def _play(emulator, recorder, directory, croot, storm, rounds):
    """Five falcon_device_info tasks, with or without a 429 storm in front of the first reads; the fastest of rounds."""
    tasks = [
        {'name': 'Read devices %d' % n, 'secops.falcon.falcon_device_info': {'fields': ['hostname'], 'retries': 10}}
        for n in range(1, 6)
    ]
    playbook = bc.write_playbook(directory, 'rate_limited_play', tasks)
    best = None
    for _round in range(rounds):
        emulator.configure(
            faults=[{'type': 'rate_limit', 'count': 6, 'retry_after': 1, 'path': SCROLL}] if storm else []
        )
        recorder.clear()
        emulator.reset_counters()
        run = bc.play(playbook, emulator, directory, croot)
        counters = emulator.counters()
        label = 'play of 5 tasks, 6 x 429 (Retryafter +1 s)' if storm else 'play of 5 tasks, no 429 (baseline)'
        row = _summary(
            label,
            recorder.waits(),
            {
                'wall_seconds': round(run.elapsed, 2),
                'rc': run.rc,
                'scroll_calls': counters['calls'].get('GET ' + SCROLL, 0),
            },
        )
        if best is None or row['wall_seconds'] < best['wall_seconds']:
            best = row
    return best


def run(quick=False):
    """Measure; return the JSON-able results."""
    croot = bc.collections_root()
    directory = bc.work_dir('rate-limit')
    emulator = bc.start_emulator(hosts=50, api_rate_limit=None)
    recorder = Recorder(emulator)
    rows = []
    try:
        bc.load_collection(croot)
        rows.append(_storm_in_process(emulator, recorder, directory))
        if not quick:
            rows.append(_sliding_window(emulator, recorder, directory, 30))
        rounds = 1 if quick else 3
        baseline = _play(emulator, recorder, directory, croot, storm=False, rounds=rounds)
        stormy = _play(emulator, recorder, directory, croot, storm=True, rounds=rounds)
        stormy['extra_wall_vs_baseline_seconds'] = round(stormy['wall_seconds'] - baseline['wall_seconds'], 2)
        rows.extend([baseline, stormy])
    finally:
        emulator.stop()
    bc.table(
        'Under rate limiting (asked = Retryafter - time of the 429; waited = until the same call came back; '
        'plays: fastest of %d)' % (1 if quick else 3),
        ['scenario', '429s retried', 'asked s', 'waited s', 'overshoot per 429 ms (min..max)', 'wall s'],
        [
            [
                r['scenario'],
                r['retried_429s'],
                r['asked_seconds'],
                r['waited_seconds'],
                '%.1f..%.1f' % (r['min_overshoot_ms'], r['max_overshoot_ms']),
                r['wall_seconds'],
            ]
            for r in rows
        ],
    )
    return {'rows': rows}
