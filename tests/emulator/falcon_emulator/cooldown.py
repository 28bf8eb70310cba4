"""After a 429, the limit stays in force a little past X-Ratelimit-Retryafter (API behaviour 9.5).

Recorded in production (J1 CrowdStrikeApiGateway.ts): a retry made exactly at X-Ratelimit-Retryafter often met
another 429; waiting longer succeeded. A key (a CID, a client address, or a fault's path) that was answered 429 with
Retryafter R is refused until R + rate_limit_retry_grace, and those 429s repeat the same Retryafter R.
"""

import fnmatch
import threading
import time


class Cooldowns:
    """Keys refused until a moment after their last 429; grace 0 turns the whole mechanism off."""

    def __init__(self):
        self._entries = {}  # key -> (retry_after_epoch_seconds, refused_until)
        self._lock = threading.Lock()

    def block(self, key, retry_after, grace):
        """Note a 429 answered with Retryafter retry_after: refuse key until retry_after + grace."""
        if not grace or grace <= 0:
            return
        with self._lock:
            _old_retry, old_until = self._entries.get(key, (0, 0))
            self._entries[key] = (retry_after, max(old_until, retry_after + grace))

    def blocked(self, key, grace, now=None):
        """The Retryafter to repeat when key is still refused, else None."""
        if not grace or grace <= 0:
            return None
        now = time.time() if now is None else now
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if now >= entry[1]:
                del self._entries[key]
                return None
            return entry[0]

    def blocked_fault(self, path, method, grace, now=None):
        """The Retryafter to repeat when a rate_limit fault's cooldown covers this path and method, else None."""
        with self._lock:
            keys = [
                k
                for k in self._entries
                if k[0] == 'fault' and fnmatch.fnmatchcase(path, k[1]) and k[2] in ('*', method.upper())
            ]
        for key in keys:
            retry = self.blocked(key, grace, now)
            if retry is not None:
                return retry
        return None

    def clear(self, kind=None):
        """Forget every cooldown (or those of one kind: 'api', 'token' or 'fault')."""
        with self._lock:
            self._entries = {k: v for k, v in self._entries.items() if kind is not None and k[0] != kind}
