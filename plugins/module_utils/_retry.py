# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retry policy of the HTTP client: which answers to retry, how long to wait. Internal use only."""

import math
import random
import time

# Statuses worth another try: rate limited, or a transient gateway/server failure.
RATE_LIMITED = 429
RETRY_STATUSES = frozenset([500, 502, 503, 504])

# Exponential backoff with jitter: 0.5 s, 1 s, 2 s ... capped, so ten retries stay well under a minute of backoff.
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
# A 429 asks us to wait until X-Ratelimit-Retryafter; never wait longer than this for one retry. Above one minute:
# the token endpoint's sliding one-minute window (300 a minute per address, API behaviour 9.5) can ask for 61 s.
RETRY_AFTER_CAP = 90.0
# Coming back exactly at X-Ratelimit-Retryafter often meets another 429; waiting longer succeeds (API behaviour 9.5).
# The margin added to the asked wait doubles while 429s repeat for the same request (1 s, 2 s, 4 s ...), up to its cap,
# plus up to half a second of jitter so parallel forks do not return together.
RATE_LIMIT_MARGIN = 1.0
RATE_LIMIT_MARGIN_CAP = 16.0
# The waits between the attempts of one request add up to at most this many seconds.
RETRY_BUDGET = 180.0


def backoff(attempt, rand=random.random):
    """Return the wait before retry number attempt (0-based): exponential, capped, with jitter in [50 %, 100 %]."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2**attempt))
    return ceiling * (0.5 + rand() / 2)


def rate_limit_margin(repeats, rand=random.random):
    """Return the extra wait after the asked one, for a request already rate limited `repeats` times before."""
    return min(RATE_LIMIT_MARGIN_CAP, RATE_LIMIT_MARGIN * (2**repeats)) + rand() / 2


def rate_limit_wait(headers, repeats, now=None, rand=random.random):
    """Return the wait before retrying a 429: what the API asks (retry_after) plus the growing margin, capped."""
    return min(RETRY_AFTER_CAP, retry_after(headers, repeats, now=now, rand=rand) + rate_limit_margin(repeats, rand))


def retry_after(headers, attempt, now=None, rand=random.random):
    """Return the wait a 429 asks for: X-Ratelimit-Retryafter (epoch seconds, or ms if > 1e12), capped; else backoff."""
    now = time.time() if now is None else now
    raw = None
    for name in ('X-Ratelimit-Retryafter', 'Retry-After'):
        raw = headers.get(name) if headers is not None else None
        if raw not in (None, ''):
            break
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return backoff(attempt, rand)
    if not math.isfinite(value) or value < 0:
        return backoff(attempt, rand)
    # The spec says milliseconds since epoch, the SDKs (gofalcon, PSFalcon) read epoch seconds: accept both.
    if value > 1e12:
        value = value / 1000.0
    # A small number is a delay in seconds (the HTTP Retry-After form), not an epoch time.
    wait = value - now if value > 1e9 else value
    # At least a short pause: the sliding window needs time to move even when the stamp is already past.
    return min(RETRY_AFTER_CAP, max(0.25, wait))
