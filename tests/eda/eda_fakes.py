"""Fakes of the event source tests: a fake Alerts API at the one seam.

The fake stands in for the requests Session (as in tests/unit): it answers the token call and
POST /alerts/combined/alerts/v1 from an in-memory list, reading the filter terms the source sends.
"""

import asyncio
import importlib.util
import os
import re

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
COLLECTION = os.path.dirname(TESTS)
SOURCE_FILE = os.path.join(COLLECTION, 'extensions', 'eda', 'plugins', 'event_source', 'falcon_alerts.py')


def _unit_fakes():
    """The fake-HTTP helpers of tests/unit/conftest.py (FakeSession and the answer builders), loaded by path."""
    spec = importlib.util.spec_from_file_location('falcon_unit_fakes', os.path.join(TESTS, 'unit', 'conftest.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_FAKES = _unit_fakes()
FakeSession, api_body, make_response, token_response = (
    _FAKES.FakeSession,
    _FAKES.api_body,
    _FAKES.make_response,
    _FAKES.token_response,
)

CLIENT_ID = '0123456789abcdef0123456789abcdef'
CLIENT_SECRET = 'EdaUnitSecret000000000000000000000000001'
BASE = 'https://api.crowdstrike.com'
COMBINED = '/alerts/combined/alerts/v1'

_SINCE_RE = re.compile(r"updated_timestamp:>='([^']+)'")
_SEVERITY_RE = re.compile(r'severity:>=(\d+)')


def alert(number, updated, severity=90, created=None, device_id='d' * 32, hostname='host-00001', status='new'):
    """An alert record with the fields the source reads."""
    return {
        'composite_id': 'c1d0:ind:%s:%d' % (device_id, number),
        'severity': severity,
        'severity_name': 'Critical' if severity >= 80 else 'High',
        'status': status,
        'product': 'epp',
        'name': 'CredentialDumping',
        'display_name': 'CredentialDumping on host',
        'tactic': 'Credential Access',
        'technique': 'OS Credential Dumping',
        'created_timestamp': created or updated,
        'updated_timestamp': updated,
        'tags': [],
        'assigned_to_name': '',
        'device': {'device_id': device_id, 'hostname': hostname},
    }


class AlertsApi:
    """The combined-alerts endpoint over self.alerts: severity and updated_timestamp terms, sort, limit, `after`."""

    def __init__(self, alerts=None):
        self.alerts = list(alerts or [])
        self.bodies = []
        self.failures = []  # answers (Responses or exceptions) to give before the next real answers

    def __call__(self, call):
        if call.path == '/oauth2/token':
            return token_response(url=BASE + '/oauth2/token')
        assert call.path == COMBINED and call.method == 'POST', call
        body = call.kwargs.get('json') or {}
        self.bodies.append(body)
        if self.failures:
            return self.failures.pop(0)
        return make_response(200, self.answer(body))

    def answer(self, body):
        """The envelope for one combined request."""
        from ansible_collections.secops.falcon.plugins.module_utils._alert_stream import parse_time

        text = body.get('filter') or ''
        found = list(self.alerts)
        since = _SINCE_RE.search(text)
        if since:
            found = [a for a in found if parse_time(a['updated_timestamp']) >= parse_time(since.group(1))]
        severity = _SEVERITY_RE.search(text)
        if severity:
            found = [a for a in found if a['severity'] >= int(severity.group(1))]
        field, order = body.get('sort', 'created_timestamp|asc').split('|')
        found.sort(key=lambda a: (parse_time(a[field]), a['composite_id']), reverse=order == 'desc')
        start = int(body.get('after') or 0)
        page = found[start : start + body['limit']]
        pagination = {'total': len(found), 'limit': body['limit']}
        if start + body['limit'] < len(found):
            pagination['after'] = str(start + body['limit'])
        return api_body(page, pagination=pagination)


class Stop(Exception):
    """Ends a source run from inside a fake pause or queue."""


class ListQueue:
    """An event queue that keeps the events; raises Stop on put number stop_at (1-based), like a killed process."""

    def __init__(self, stop_at=None):
        self.events = []
        self.stop_at = stop_at

    async def put(self, event):
        if self.stop_at is not None and len(self.events) + 1 == self.stop_at:
            raise Stop()
        self.events.append(event)


def run_source(module, args, pauses=1, queue=None, monkeypatch=None):
    """Run the source until it has paused `pauses` times (between polls or after failures); return (queue, waits)."""
    queue = queue or ListQueue()
    waits = []

    async def fake_pause(seconds):
        waits.append(seconds)
        if len(waits) >= pauses:
            raise Stop()
        await asyncio.sleep(0)

    monkeypatch.setattr(module, '_pause', fake_pause)
    with pytest.raises(Stop):
        asyncio.run(module.main(queue, dict(args)))
    return queue, waits
