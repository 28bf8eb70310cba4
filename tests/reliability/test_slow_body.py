"""A body that trickles in (headers at once, then one byte every 1.5 s) ends the task within its timeout, never a hang.

requests' own timeout bounds only each gap between reads; the module bounds the whole answer.
"""

import time

from falcon_emulator.clients import DEFAULT_CLIENT
from reliability_steps import DETAILS, DETAILS_PATH, Steps, assert_failed, assert_ok, step

# Without a bound on the whole answer the dripped details body (many KB at 1.5 s a byte) would run for days.
HANG_BOUND = 90


def test_dripped_body_fails_within_the_timeout(falcon_emulator, play):
    """timeout: 2, retries: 0, body gaps of 1.5 s: a clear timeout failure naming the limit, then a normal task."""
    env = {
        'FALCON_CLIENT_ID': DEFAULT_CLIENT.client_id,
        'FALCON_CLIENT_SECRET': DEFAULT_CLIENT.client_secret,
        'FALCON_BASE_URL': falcon_emulator.url,
    }
    steps = [
        step('warm-up', 'device_info'),
        step(
            'dripped details',
            'device_info',
            {'timeout': 2, 'retries': 0},
            faults=[{'type': 'drip', 'interval': 1.5, 'count': 1, 'path': DETAILS_PATH}],
        ),
        step('after the drip', 'device_info'),
    ]
    started = time.monotonic()
    run = play('steps', env, extra_vars={'steps': steps, 'emulator_url': falcon_emulator.url}, timeout=HANG_BOUND)
    assert run.rc == 0, run.explain()
    assert 'Traceback' not in run.output, run.explain()
    assert run.dns_refused == [], run.dns_refused
    steps = Steps(run)
    assert time.monotonic() - started < HANG_BOUND

    assert_ok(steps, 'warm-up', devices=50)
    result = assert_failed(
        steps,
        'dripped details',
        'POST %s%s failed' % (falcon_emulator.url, DETAILS_PATH),
        'the answer took longer than the timeout of 2 seconds to arrive',
    )
    assert '"resources"' not in result['msg'] and 'access_token' not in result['msg']
    assert steps.calls('dripped details', DETAILS) == 1  # retries: 0
    # The deadline is the timeout from the start of the attempt: one gap past it at most, not the body's length.
    assert steps.seconds('dripped details') < 2 + 1.5 + 3
    assert_ok(steps, 'after the drip', devices=50)
