"""Injected faults: latency, 5xx bursts, dropped connections, stalls, malformed JSON, 429 storms, dripped bodies.

A fault is a dict; configure(faults=[...]) replaces the list (a single dict is accepted too):
  {"type": "latency",    "seconds": 0.2}                      every matching request waits (count null = until cleared)
  {"type": "error",      "count": 3, "status": 503}           answer N requests with an error envelope (default 503)
  {"type": "drop",       "count": 1}                          close the connection without any response
  {"type": "stall",      "count": 1, "seconds": 5}            sleep S seconds, then answer normally
  {"type": "malformed",  "count": 1}                          handle the request, then send a truncated JSON body
  {"type": "rate_limit", "count": 5, "retry_after": 1}        429 with X-Ratelimit-Retryafter = now + retry_after (epoch s)
  {"type": "drip",       "count": 1, "interval": 1.5}         handle the request, send the headers, then the body one
                                                              byte at a time, interval seconds apart
Common optional keys: "path" (fnmatch glob on the path without query, default "*"), "method" (default any),
"after" (let this many matching requests through first, default 0), "count" (default 1; null = unlimited).
"""

import fnmatch
import threading

TYPES = ('latency', 'error', 'drop', 'stall', 'malformed', 'rate_limit', 'drip')
KEYS = frozenset(['type', 'count', 'path', 'method', 'after', 'status', 'seconds', 'retry_after', 'interval'])
SLEEPERS = ('latency', 'stall')


def _check_number(fault, key, minimum, integer=False):
    """Validate a numeric key of a fault dict."""
    value = fault.get(key)
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or value < minimum:
        raise ValueError(
            'fault %r: %s must be %s >= %s, got %r'
            % (fault.get('type'), key, 'an integer' if integer else 'a number', minimum, value)
        )


def parse_faults(faults):
    """Validate and normalise a fault list; raise ValueError naming the problem."""
    if faults is None:
        return []
    if isinstance(faults, dict):
        faults = [faults]
    if not isinstance(faults, list):
        raise ValueError('faults must be a list of dicts, got %r' % (faults,))
    out = []
    for raw in faults:
        if not isinstance(raw, dict):
            raise ValueError('each fault must be a dict, got %r' % (raw,))
        unknown = sorted(set(raw) - KEYS)
        if unknown:
            raise ValueError(
                'fault %r: unknown key(s) %s; allowed: %s'
                % (raw.get('type'), ', '.join(unknown), ', '.join(sorted(KEYS)))
            )
        if raw.get('type') not in TYPES:
            raise ValueError('fault type must be one of %s, got %r' % (', '.join(TYPES), raw.get('type')))
        fault = {
            'path': '*',
            'method': '*',
            'after': 0,
            'count': None if raw['type'] == 'latency' else 1,
            'status': 503,
            'seconds': 0.0,
            'retry_after': 1,
            'interval': 0.0,
        }
        fault.update(raw)
        if fault['count'] is not None:
            _check_number(fault, 'count', 0, integer=True)
        _check_number(fault, 'after', 0, integer=True)
        _check_number(fault, 'seconds', 0)
        _check_number(fault, 'retry_after', 0)
        _check_number(fault, 'interval', 0)
        _check_number(fault, 'status', 400, integer=True)
        if fault['status'] > 599:
            raise ValueError('fault %r: status must be 400..599, got %r' % (fault['type'], fault['status']))
        if fault['type'] in SLEEPERS and 'seconds' not in raw:
            raise ValueError('fault %r needs "seconds"' % fault['type'])
        if fault['type'] == 'drip' and 'interval' not in raw:
            raise ValueError('fault \'drip\' needs "interval" (seconds between the bytes of the body)')
        if not isinstance(fault['path'], str) or not isinstance(fault['method'], str):
            raise ValueError('fault %r: path and method must be strings' % fault['type'])
        out.append(fault)
    return out


class FaultSet:
    """The active faults; each counts down and stops by itself."""

    def __init__(self):
        self._lock = threading.Lock()
        self._faults = []

    def set(self, faults):
        """Replace the active faults (validated)."""
        parsed = parse_faults(faults)
        with self._lock:
            self._faults = parsed

    def describe(self):
        """Return the active faults with their remaining counts."""
        with self._lock:
            return [dict(f) for f in self._faults]

    def take(self, method, path):
        """Return (sleep_seconds, terminal_fault or None) for one request, counting the faults down."""
        sleep = 0.0
        terminal = None
        with self._lock:
            for fault in self._faults:
                if fault['count'] == 0 or not fnmatch.fnmatchcase(path, fault['path']):
                    continue
                if fault['method'] not in ('*', method.upper()):
                    continue
                if fault['after'] > 0:
                    fault['after'] -= 1  # every matching request counts, whatever other faults do with it
                    continue
                if fault['type'] in SLEEPERS:
                    sleep += fault['seconds']
                elif terminal is None:
                    terminal = dict(fault)
                else:
                    continue  # one terminal fault per request; this one waits for the next request
                if fault['count'] is not None:
                    fault['count'] -= 1
            self._faults = [f for f in self._faults if f['count'] != 0]
        return sleep, terminal
