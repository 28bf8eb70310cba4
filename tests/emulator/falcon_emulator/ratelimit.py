"""Sliding one-minute windows: per CID for API calls, per client IP for /oauth2/token (API behaviour 2.2, 2.3)."""

import collections
import math
import threading
import time

WINDOW = 60.0


class SlidingWindow:
    """Count hits per key over the last minute and say whether one more is allowed."""

    def __init__(self):
        self._hits = collections.defaultdict(collections.deque)
        self._lock = threading.Lock()

    def hit(self, key, limit, now=None):
        """Record a hit; return (allowed, remaining, retry_after_epoch_seconds or None). limit None = unlimited."""
        now = time.time() if now is None else now
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - WINDOW:
                hits.popleft()
            if limit is None:
                return True, None, None
            if len(hits) >= limit:
                # Retry-after is epoch SECONDS: both SDKs that retry read it that way (API behaviour 2.2).
                return False, 0, int(math.ceil(hits[len(hits) - limit] + WINDOW))
            hits.append(now)
            return True, limit - len(hits), None

    def reset(self):
        """Forget every hit."""
        with self._lock:
            self._hits.clear()
