"""Request counters that tests read to prove caching, batching and retries."""

import collections
import threading


class Counters:
    """Thread-safe counts of token requests, revocations and calls per 'METHOD /path'."""

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        """Zero every counter."""
        with getattr(self, '_lock', threading.Lock()):
            self._tokens = collections.Counter()
            self._calls = collections.Counter()
            self._revocations = 0
            self._revoked = 0

    def call(self, method, path):
        """Count one request (failed ones too)."""
        with self._lock:
            self._calls['%s %s' % (method, path)] += 1

    def token_request(self, client_id):
        """Count one POST /oauth2/token for client_id ('' when none was sent)."""
        with self._lock:
            self._tokens[client_id or ''] += 1

    def revocation(self, revoked):
        """Count one POST /oauth2/revoke; revoked says whether a live token was revoked."""
        with self._lock:
            self._revocations += 1
            self._revoked += 1 if revoked else 0

    def snapshot(self):
        """Return the counters as plain JSON-able data."""
        with self._lock:
            return {
                'token_requests': dict(self._tokens),
                'token_requests_total': sum(self._tokens.values()),
                'revocations': self._revocations,
                'revoked_tokens': self._revoked,
                'calls': dict(self._calls),
                'calls_total': sum(self._calls.values()),
            }
