"""Per-CID state: seeded data, the containment status machine, cached query results and scroll cursors."""

import base64
import collections
import secrets
import threading
import time

from . import seed
from .devices import HOST_FIELDS, sort_key
from .fql import compile_filter

PENDING_NEXT = {'containment_pending': 'contained', 'lift_containment_pending': 'normal'}
QUERY_CACHE_SIZE = 32
SCROLL_ID_PREFIX = 'DnF1ZXJ5VGhlbkZldGNo'
ScrollCursor = collections.namedtuple('ScrollCursor', 'hosts position expires')


class Tenant:
    """Everything one customer (CID) owns; every method expects the caller to hold self.lock."""

    def __init__(self, cid, seed_value, host_count):
        self.cid = cid
        self.lock = threading.RLock()
        self.created = time.time()
        self.groups, self.policies, self.hosts = seed.build(seed_value, cid, host_count, int(self.created))
        self.by_id = {h.device_id: h for h in self.hosts}
        self.by_policy_id = {p['id']: (family, p) for family, items in self.policies.items() for p in items}
        self.pending = set()
        self.version = 0  # bumped by every change that can alter a query result
        self._cache = collections.OrderedDict()
        self.scrolls = {}
        self.cspm = None  # built on first use by cspm.py

    def settle(self, delay, now=None):
        """Finish pending containment changes older than delay seconds (lazy: no background thread)."""
        if not self.pending:
            return
        now = time.time() if now is None else now
        done = [i for i in self.pending if now - self.by_id[i].pending_since >= delay]
        for device_id in done:
            host = self.by_id[device_id]
            host.status = PENDING_NEXT[host.status]
            host.pending_since = None
            host.modified = now
            self.pending.discard(device_id)
        if done:
            self.version += 1

    def changed(self):
        """Note a change made outside settle()."""
        self.version += 1

    def query(self, fql, sort, include_hidden=False, mode='exact'):
        """Return the matching hosts in order (cached per filter, sort, match mode and data version); raises FQLError."""
        key = (fql or '', sort, include_hidden, mode, self.version)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        predicate = compile_filter(fql, HOST_FIELDS, time.time(), mode)
        hosts = [h for h in self.hosts if (include_hidden or not h.hidden) and predicate(h)]
        if sort:
            field, descending = sort
            hosts.sort(key=sort_key(field), reverse=descending)
        self._cache[key] = hosts
        if len(self._cache) > QUERY_CACHE_SIZE:
            self._cache.popitem(last=False)
        return hosts

    def open_scroll(self, hosts, position, ttl, now=None, token=None):
        """Store (or move) a scroll cursor and return its token: a new one unless token is given."""
        now = time.time() if now is None else now
        self.scrolls = {k: v for k, v in self.scrolls.items() if v.expires > now}
        if token is None:
            # Real tokens are Elasticsearch scroll ids (standard base64, 'DnF1ZXJ5VGhlbkZldGNo...', API behaviour 9.1).
            token = SCROLL_ID_PREFIX + base64.b64encode(secrets.token_bytes(96)).decode('ascii')
        self.scrolls[token] = ScrollCursor(hosts, position, now + ttl)
        return token
