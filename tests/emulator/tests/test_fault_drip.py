"""The drip fault: headers at once, then the body one byte every interval seconds (a trickling server or proxy)."""

import json
import time

import pytest
import requests
from falcon_emulator.faults import parse_faults

QUERY = '/devices/queries/devices/v1'


def test_drip_sends_headers_then_one_byte_per_interval(falcon_emulator, api):
    """The answer is the normal one, but its body arrives byte by byte, interval seconds apart."""
    falcon_emulator.configure(faults={'type': 'drip', 'interval': 0.02, 'count': 1, 'path': QUERY})
    started = time.monotonic()
    reply = api.get(QUERY, params={'limit': 1}, stream=True)
    assert reply.status_code == 200
    length = int(reply.headers['Content-Length'])
    pieces = []
    while True:
        piece = reply.raw.read1(65536)
        if not piece:
            break
        pieces.append(piece)
    elapsed = time.monotonic() - started
    body = b''.join(pieces)
    assert len(body) == length and json.loads(body)['resources']
    # Every read got a byte or two, never the whole body: the bytes really came one at a time.
    assert len(pieces) >= length // 2
    assert elapsed >= (length - 1) * 0.02
    # count 1: the next answer is whole again.
    assert api.get(QUERY, params={'limit': 1}).json()['resources']


def test_client_giving_up_mid_drip_leaves_the_emulator_serving(falcon_emulator, api):
    """A client that stops reading (its timeout) closes the connection; the emulator stops dripping and keeps serving."""
    falcon_emulator.configure(faults={'type': 'drip', 'interval': 0.5, 'count': 1, 'path': QUERY})
    reply = api.get(QUERY, stream=True)
    assert reply.status_code == 200
    assert len(reply.raw.read1(65536)) < int(reply.headers['Content-Length'])
    reply.close()
    assert api.get(QUERY, params={'limit': 1}).json()['resources']
    assert falcon_emulator.counters()['calls']['GET ' + QUERY] == 2


@pytest.mark.parametrize(
    'fault, problem',
    [
        ({'type': 'drip'}, 'needs "interval"'),
        ({'type': 'drip', 'interval': -1}, 'interval must be a number >= 0'),
        ({'type': 'drip', 'interval': 'slow'}, 'interval must be a number >= 0'),
    ],
)
def test_bad_drip_faults_are_refused(fault, problem):
    """A drip without a usable interval is refused with a message naming it."""
    with pytest.raises(ValueError) as caught:
        parse_faults([fault])
    assert problem in str(caught.value)


def test_drip_with_path_method_and_after(falcon_emulator, api):
    """path, method and after select the dripped request as for the other faults."""
    falcon_emulator.configure(
        faults={'type': 'drip', 'interval': 0.5, 'count': 1, 'after': 1, 'method': 'GET', 'path': QUERY}
    )
    assert api.get('/policy/queries/prevention/v1').status_code == 200
    assert api.get(QUERY, params={'limit': 1}).status_code == 200  # let through by after
    # The headers come at once; reading the body meets a 0.5 s gap, longer than the 0.3 s read timeout.
    with pytest.raises(requests.ConnectionError, match='Read timed out'):
        api.session.get(
            api.base_url + QUERY, headers={'Authorization': 'Bearer ' + api.token}, timeout=0.3, params={'limit': 1}
        )
    assert api.get(QUERY, params={'limit': 1}).json()['resources']
