"""bounded_map: order kept, never more calls in flight than allowed, errors raised in order, the setting validated."""

import threading
import time

import pytest

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconApiError, FalconConfigError
from ansible_collections.secops.falcon.plugins.module_utils._parallel import (
    CONCURRENCY_ENV,
    DEFAULT_CONCURRENCY,
    bounded_map,
    read_concurrency,
)


class InFlight:
    """A call that records how many calls run at the same moment."""

    def __init__(self, pause=0.01):
        self.lock = threading.Lock()
        self.running = 0
        self.peak = 0
        self.pause = pause
        self.started = []

    def __call__(self, item):
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
            self.started.append(item)
        time.sleep(self.pause * (1 + item % 3))  # uneven durations: later items may finish first
        with self.lock:
            self.running -= 1
        return item * 10


@pytest.mark.parametrize('concurrency', [1, 2, 4, 8])
def test_results_in_order_and_in_flight_bounded(concurrency):
    call = InFlight()
    assert list(bounded_map(call, range(20), concurrency)) == [i * 10 for i in range(20)]
    assert call.peak <= concurrency
    if concurrency > 1:
        assert call.peak > 1  # the calls really overlapped


def test_items_are_read_lazily():
    read = []

    def items():
        for i in range(100):
            read.append(i)
            yield i

    results = bounded_map(InFlight(pause=0), items(), 3)
    assert next(results) == 0
    assert len(read) <= 4  # never the whole generator for the first result


def test_first_error_in_order_is_raised_and_later_calls_cancelled():
    started = []

    def call(item):
        started.append(item)
        if item == 2:
            raise FalconApiError('refused', status=403)
        time.sleep(0.02)
        return item

    with pytest.raises(FalconApiError):
        list(bounded_map(call, range(50), 3))
    assert len(started) < 50


@pytest.mark.parametrize(
    'raw, value', [('', DEFAULT_CONCURRENCY), (' ', DEFAULT_CONCURRENCY), ('1', 1), ('8', 8), (' 3 ', 3)]
)
def test_read_concurrency(raw, value):
    assert read_concurrency({CONCURRENCY_ENV: raw}) == value
    assert read_concurrency({}) == DEFAULT_CONCURRENCY


@pytest.mark.parametrize('raw', ['0', '9', '-1', 'four', '2.5'])
def test_read_concurrency_refuses_bad_values(raw):
    with pytest.raises(FalconConfigError) as err:
        read_concurrency({CONCURRENCY_ENV: raw})
    assert CONCURRENCY_ENV in str(err.value) and repr(raw) in str(err.value) and '1 to 8' in str(err.value)


def test_a_single_call_runs_in_the_calling_thread_and_none_runs_nothing():
    """Most tasks name a few hosts: one details call, which needs no thread to start and join."""
    threads = []
    assert list(bounded_map(lambda item: threads.append(threading.current_thread()) or item, [7], 4)) == [7]
    assert threads == [threading.main_thread()]
    assert list(bounded_map(lambda item: pytest.fail('called'), iter([]), 4)) == []
