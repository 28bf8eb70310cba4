# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bounded parallel reads: overlap a few independent read calls of one task. Internal use only."""

import collections
import itertools
import os

try:
    from concurrent.futures import ThreadPoolExecutor
except ImportError:  # pragma: no cover - Python without threads; reads then run one after another
    ThreadPoolExecutor = None

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconConfigError

# The variable that sets how many read calls of one task may be in flight at once (the task's environment works).
CONCURRENCY_ENV = 'FALCON_READ_CONCURRENCY'
DEFAULT_CONCURRENCY = 4
# Eight calls in flight per task with 10 forks is at most 80 concurrent calls: at ~100 ms each that is well under
# the 6000 requests a minute per CID (API behaviour 9.5) only for short bursts, so more than this is refused, not
# allowed.
MAX_CONCURRENCY = 8
# The end of an iterator, for a look ahead of one item.
_END = object()


def read_concurrency(environ=None):
    """The configured number of concurrent read calls (FALCON_READ_CONCURRENCY, default 4, 1 to 8)."""
    raw = (os.environ if environ is None else environ).get(CONCURRENCY_ENV, '')
    if not str(raw).strip():
        return DEFAULT_CONCURRENCY
    try:
        value = int(str(raw).strip())
    except ValueError:
        value = None
    if value is None or not 1 <= value <= MAX_CONCURRENCY:
        raise FalconConfigError(
            '%s must be a whole number from 1 to %d, got %r.' % (CONCURRENCY_ENV, MAX_CONCURRENCY, raw)
        )
    return value


def bounded_map(func, items, concurrency=None):
    """Yield func(item) for each item, in order, with at most concurrency calls running at once.

    items is read lazily, one ahead of what is in flight, so a generator of batches is never materialised. The
    first exception (in order) is raised after the calls already running finish; calls not yet started are
    cancelled, so a failing read never leaves requests behind. Each call keeps its own retries and 429 waits.
    """
    concurrency = read_concurrency() if concurrency is None else concurrency
    if concurrency <= 1 or ThreadPoolExecutor is None:
        for item in items:
            yield func(item)
        return
    items = iter(items)
    first, second = next(items, _END), next(items, _END)
    if second is _END:  # one call (the common case of a task naming a few hosts): no thread to start and join
        if first is not _END:
            yield func(first)
        return
    items = itertools.chain((first, second), items)
    pending = collections.deque()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        try:
            for item in items:
                pending.append(pool.submit(func, item))
                if len(pending) >= concurrency:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
