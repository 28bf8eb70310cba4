# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Alert polling for the falcon_alerts event source: query, watermark, de-duplication, state file. Internal use only.

Plain blocking code on the shared core (FalconClient); the event source runs it in a worker thread.
"""

import calendar
import hashlib
import json
import math
import os
import random
import re
import tempfile
import time
import uuid

from ansible_collections.secops.falcon.plugins.module_utils._errors import (
    FalconApiError,
    FalconAuthError,
    FalconConfigError,
    FalconConnectionError,
    FalconError,
)
from ansible_collections.secops.falcon.plugins.module_utils._fql import quote
from ansible_collections.secops.falcon.plugins.module_utils._options import COMMON_ARGSPEC, default_cache_dir
from ansible_collections.secops.falcon.plugins.module_utils._retry import RATE_LIMITED, RETRY_STATUSES

COMBINED_PATH = '/alerts/combined/alerts/v1'
# The combined endpoint returns full records, at most 1000 a call, and pages with an `after` token past 10,000
# (FalconPy's endpoint table, PostCombinedAlertsV1): one call per page instead of a query plus an entities call.
PAGE_SIZE = 1000
# created_timestamp never changes: an alert updated while a poll pages through the results keeps its place, so a
# page boundary can repeat an alert (de-duplicated) but never skip one. updated_timestamp would move it.
SORT = 'created_timestamp|asc'
STATE_VERSION = 1
# Fixed namespace of meta.uuid: the same alert version always gets the same event id, across restarts and hosts.
EVENT_NAMESPACE = uuid.UUID('5f0e6b1c-9a43-5d2e-8f47-2c1a0b9e7d31')

# Source arguments besides the connection options. access_token and auth are left out on purpose: a token lives
# 30 minutes, a source runs for months; the client id and secret let the core renew it (through the token cache).
STREAM_DEFAULTS = dict(filter=None, min_severity=None, interval=30, lookback=120, state_file=None, max_backoff=300)
CONNECTION_NAMES = tuple(n for n in COMMON_ARGSPEC if n not in ('access_token', 'auth'))
ALLOWED_ARGS = tuple(sorted(set(STREAM_DEFAULTS) | set(CONNECTION_NAMES)))
INTERVAL_RANGE = (1, 86400)
LOOKBACK_RANGE = (0, 86400)
BACKOFF_RANGE = (1, 3600)
SEVERITY_RANGE = (0, 100)

_TIME_RE = re.compile(r'^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}:?\d{2})?$', re.I)

SUMMARY_KEYS = (
    'composite_id',
    'severity',
    'severity_name',
    'status',
    'product',
    'name',
    'display_name',
    'tactic',
    'technique',
    'created_timestamp',
    'updated_timestamp',
    'tags',
    'assigned_to_name',
)


# -- times ---------------------------------------------------------------------------------------------------------


def parse_time(text):
    """Return an ISO 8601 time (alerts use 2026-12-01T20:00:00.123Z) as epoch seconds, or None if it is not one."""
    if not isinstance(text, str):
        return None
    match = _TIME_RE.match(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        epoch = calendar.timegm((int(year), int(month), int(day), int(hour), int(minute), int(second), 0, 0, 0))
    except (ValueError, OverflowError):
        return None
    if fraction:
        # Nanoseconds are common in Falcon records; microseconds are all a float keeps.
        epoch += int(fraction[:6].ljust(6, '0')) / 1e6
    if zone and zone.upper() != 'Z':
        sign = -1 if zone[0] == '-' else 1
        digits = zone[1:].replace(':', '')
        epoch -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return epoch


def format_time(epoch):
    """Return epoch seconds as ISO 8601 UTC with milliseconds, rounded down (a filter bound never passes a record)."""
    millis = int(epoch * 1000)
    return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(millis // 1000)) + '.%03dZ' % (millis % 1000)


# -- configuration -------------------------------------------------------------------------------------------------


def _whole(name, value, bounds, default):
    """Return value as an int within bounds; FalconConfigError names the value and the range."""
    if value is None or value == '':
        return default
    number = None
    if not isinstance(value, bool):
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = None
    if number is None or not math.isfinite(number) or number != int(number) or not bounds[0] <= number <= bounds[1]:
        raise FalconConfigError(
            '%s must be a whole number from %d to %d, got %r.' % (name, bounds[0], bounds[1], value)
        )
    return int(number)


def connection_options(args, environ=None):
    """The connection option values of source args, with the FALCON_* environment fallbacks modules have."""
    environ = os.environ if environ is None else environ
    options = {}
    for name in CONNECTION_NAMES:
        value = args.get(name)
        fallback = COMMON_ARGSPEC[name].get('fallback')
        if value in (None, '') and fallback:
            for var in fallback[1]:
                if environ.get(var):
                    value = environ[var]
                    break
        options[name] = value
    return options


class StreamConfig:
    """The validated stream arguments of the source (what to poll, how often, where the state lives)."""

    def __init__(self, filter_text, min_severity, interval, lookback, state_file, max_backoff):
        self.filter = filter_text
        self.min_severity = min_severity
        self.interval = interval
        self.lookback = lookback
        self.state_file = state_file
        self.max_backoff = max_backoff

    @classmethod
    def from_args(cls, args, settings):
        """Validate the source args (settings: the validated ConnectionSettings, for the default state file)."""
        unknown = sorted(k for k in args if k not in ALLOWED_ARGS and not str(k).startswith('eda_'))
        if unknown:
            hint = ''
            if set(unknown) & {'access_token', 'auth'}:
                hint = ' A token expires after 30 minutes: give client_id and client_secret so it can be renewed.'
            raise FalconConfigError(
                'Unknown falcon_alerts argument(s) %s; allowed: %s.%s'
                % (', '.join(unknown), ', '.join(ALLOWED_ARGS), hint)
            )
        text = args.get('filter')
        if text is not None and not isinstance(text, str):
            raise FalconConfigError('filter must be an FQL string, for example "status:\'new\'", got %r.' % (text,))
        text = text.strip() if text else None
        severity = _whole('min_severity', args.get('min_severity'), SEVERITY_RANGE, None)
        interval = _whole('interval', args.get('interval'), INTERVAL_RANGE, STREAM_DEFAULTS['interval'])
        lookback = _whole('lookback', args.get('lookback'), LOOKBACK_RANGE, STREAM_DEFAULTS['lookback'])
        max_backoff = _whole('max_backoff', args.get('max_backoff'), BACKOFF_RANGE, STREAM_DEFAULTS['max_backoff'])
        state_file = args.get('state_file')
        if state_file is not None and not isinstance(state_file, str):
            raise FalconConfigError('state_file must be a file path, got %r.' % (state_file,))
        if state_file and state_file.strip():
            state_file = os.path.abspath(os.path.expanduser(state_file.strip()))
        else:
            state_file = default_state_file(settings, text, severity)
        if os.path.isdir(state_file):
            raise FalconConfigError('state_file %r is a directory: give the path of a file.' % state_file)
        return cls(text, severity, interval, lookback, state_file, max_backoff)


def default_state_file(settings, filter_text, min_severity):
    """<cache dir>/eda/falcon_alerts-<digest>.json: one file per API client, cloud and query."""
    key = '\n'.join(
        str(v) for v in (settings.base_url, settings.client_id, settings.member_cid, filter_text, min_severity)
    )
    digest = hashlib.sha256(key.encode('utf-8')).hexdigest()[:16]
    return os.path.join(default_cache_dir(), 'eda', 'falcon_alerts-%s.json' % digest)


# -- state file ----------------------------------------------------------------------------------------------------


class StreamState:
    """The persisted watermark (highest updated_timestamp handed on) and the alert versions seen near it."""

    def __init__(self, path, watermark=None, seen=None, exists=False):
        self.path = path
        self.watermark = watermark
        self.seen = dict(seen or {})
        self.exists = exists

    @classmethod
    def load(cls, path):
        """Read the state file; a missing one is a first start. FalconConfigError names a file that cannot be used."""
        try:
            with open(path) as handle:
                raw = handle.read()
        except FileNotFoundError:
            return cls(path)
        except OSError as exc:
            raise FalconConfigError('Cannot read the state_file %s: %s.' % (path, exc.strerror or exc))
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if (
            not isinstance(data, dict)
            or data.get('version') != STATE_VERSION
            or not (data.get('watermark') is None or parse_time(data.get('watermark')) is not None)
            or not isinstance(data.get('seen'), dict)
        ):
            raise FalconConfigError(
                'The state_file %s is not a falcon_alerts state (version %d). Remove it to start '
                'again from the newest alert (alerts raised meanwhile are then not sent).' % (path, STATE_VERSION)
            )
        seen = dict((str(k), str(v)) for k, v in data['seen'].items() if parse_time(str(v)) is not None)
        return cls(path, data['watermark'], seen, exists=True)

    def to_dict(self):
        """The JSON document written to the state file."""
        return {'version': STATE_VERSION, 'watermark': self.watermark, 'seen': self.seen}

    def save(self):
        """Write the state atomically (temporary file, fsync, rename), mode 0600, in a 0700 directory if it is new."""
        folder = os.path.dirname(self.path) or '.'
        try:
            if not os.path.isdir(folder):
                os.makedirs(folder, 0o700)
            fd, tmp = tempfile.mkstemp(prefix='.falcon_alerts-', suffix='.tmp', dir=folder)
        except OSError as exc:
            raise FalconConfigError('Cannot write the state_file %s: %s.' % (self.path, exc.strerror or exc))
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, 'w') as handle:
                json.dump(self.to_dict(), handle, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except OSError as exc:
            _unlink(tmp)
            raise FalconConfigError('Cannot write the state_file %s: %s.' % (self.path, exc.strerror or exc))
        self.exists = True

    def is_new_version(self, composite_id, updated):
        """True when this (composite id, updated time) was not handed on yet (nor a later version of it)."""
        before = self.seen.get(composite_id)
        if before is None:
            return True
        return (parse_time(updated) or 0) > (parse_time(before) or 0)

    def remember(self, composite_id, updated):
        """Record an alert version as handed on."""
        self.seen[composite_id] = updated

    def advance(self, newest, lookback):
        """Move the watermark to newest (never back) and forget versions older than the lookback window."""
        if newest is not None and (self.watermark is None or parse_time(newest) > parse_time(self.watermark)):
            self.watermark = newest
        if self.watermark is None:
            return
        floor = parse_time(self.watermark) - lookback
        self.seen = dict((k, v) for k, v in self.seen.items() if (parse_time(v) or 0) >= floor)


def _unlink(path):
    """Remove path, ignoring a missing file."""
    try:
        os.unlink(path)
    except OSError:
        pass


# -- errors --------------------------------------------------------------------------------------------------------


class AlertSourceError(FalconError):
    """A failure that stops the event source: bad arguments, credentials, scope or filter (never a transient one)."""


def is_transient(err):
    """True for failures worth waiting out (lost connection, rate limit, 5xx); False for configuration and scope errors."""
    if isinstance(err, FalconConfigError):
        return False
    if isinstance(err, FalconConnectionError):
        return True
    if isinstance(err, (FalconApiError, FalconAuthError)):
        return err.status == RATE_LIMITED or err.status in RETRY_STATUSES
    return False


def explain_fatal(err, config):
    """The message a fatal FalconError stops the source with: what failed and what to change."""
    text = str(err)
    if err.status == 403 and not isinstance(err, FalconAuthError):
        text += '. The API client needs the Alerts read scope (alerts:read).'
    elif err.status == 400 and config.filter:
        text += '. Check the filter %s (FQL on alert fields, for example status:\'new\').' % config.filter
    elif err.status == 404:
        text += '. The Alerts API is not at this base_url; check cloud and base_url.'
    return 'secops.falcon.falcon_alerts stopped: %s' % text.rstrip('.')


def backoff_wait(failures, interval, cap, rand=random.random):
    """Seconds to wait after `failures` consecutive transient failures: doubling from interval, capped, jittered."""
    ceiling = min(float(cap), float(interval) * (2 ** min(failures - 1, 20)))
    return ceiling * (0.5 + rand() / 2)


# -- polling -------------------------------------------------------------------------------------------------------


class AlertPoller:
    """One query's polling: baseline on a first start, then pages of alert versions not handed on yet."""

    def __init__(self, client, config, state):
        self.client = client
        self.config = config
        self.state = state

    def query_filter(self, since=None):
        """The server-side FQL: the user's filter AND severity >= min_severity AND updated_timestamp >= since."""
        parts = []
        if self.config.filter:
            parts.append('(%s)' % self.config.filter)
        if self.config.min_severity is not None:
            parts.append('severity:>=%d' % self.config.min_severity)
        if since is not None:
            parts.append('updated_timestamp:>=%s' % quote(format_time(since)))
        return '+'.join(parts) or None

    def since(self):
        """The lower bound of the next poll: the watermark less the lookback window (None before any alert)."""
        if self.state.watermark is None:
            return None
        return parse_time(self.state.watermark) - self.config.lookback

    def fetch_page(self, since, after=None):
        """One combined-alerts page: (alerts, next after token or None)."""
        body = {'limit': PAGE_SIZE, 'sort': SORT}
        text = self.query_filter(since)
        if text:
            body['filter'] = text
        if after:
            body['after'] = after
        # A read sent as POST: safe to repeat, so the core may retry it on 5xx and lost connections.
        response = self.client.request('POST', COMBINED_PATH, json=body, idempotent=True)
        alerts = [a for a in response.resources if isinstance(a, dict) and a.get('composite_id')]
        token = response.pagination.get('after')
        if not alerts or not isinstance(token, str) or not token or token == after:
            token = None
        return alerts, token

    def baseline(self):
        """First start: take the newest matching alert as the watermark and mark its window seen; send nothing.

        The API's own timestamps set the starting point, so a skewed local clock can neither replay nor skip.
        Returns how many alert versions were marked seen.
        """
        text = self.query_filter()
        body = {'limit': 1, 'sort': 'updated_timestamp|desc'}
        if text:
            body['filter'] = text
        newest = self.client.request('POST', COMBINED_PATH, json=body, idempotent=True).resources
        newest = [a for a in newest if isinstance(a, dict) and parse_time(a.get('updated_timestamp')) is not None]
        marked = 0
        if newest:
            self.state.watermark = newest[0]['updated_timestamp']
            for alert in self.fresh(self.iter_since(self.since())):
                self.state.remember(alert['composite_id'], alert['updated_timestamp'])
                marked += 1
        self.state.advance(None, self.config.lookback)
        self.state.save()
        return marked

    def iter_since(self, since):
        """Every matching alert updated at or after since, all pages."""
        after = None
        while True:
            alerts, after = self.fetch_page(since, after)
            yield from alerts
            if after is None:
                return

    def fresh(self, alerts):
        """Yield the alerts whose (composite id, updated time) was not handed on yet, in order.

        Checked lazily: a caller that remembers each alert before taking the next also drops repeats within a page.
        """
        for alert in alerts:
            updated = alert.get('updated_timestamp')
            if parse_time(updated) is not None and self.state.is_new_version(alert['composite_id'], updated):
                yield alert


def newest_time(alerts, current=None):
    """The highest updated_timestamp among alerts (or current, if higher)."""
    best = current
    for alert in alerts:
        updated = alert.get('updated_timestamp')
        if parse_time(updated) is not None and (best is None or parse_time(updated) > parse_time(best)):
            best = updated
    return best


def make_event(alert):
    """The event for one alert version: the record, a flat summary, and meta.uuid from (composite id, updated time)."""
    device = alert.get('device') if isinstance(alert.get('device'), dict) else {}
    summary = dict((key, alert.get(key)) for key in SUMMARY_KEYS)
    summary['device_id'] = device.get('device_id') or alert.get('agent_id')
    summary['hostname'] = device.get('hostname')
    key = '%s|%s' % (alert['composite_id'], alert.get('updated_timestamp'))
    return {'alert': alert, 'summary': summary, 'meta': {'uuid': str(uuid.uuid5(EVENT_NAMESPACE, key))}}


__all__ = [
    'AlertPoller',
    'AlertSourceError',
    'StreamConfig',
    'StreamState',
    'FalconError',
    'backoff_wait',
    'connection_options',
    'explain_fatal',
    'is_transient',
    'make_event',
    'newest_time',
    'parse_time',
    'format_time',
]
