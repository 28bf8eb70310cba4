# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Alert polling for the falcon_alerts event source: query, watermark, de-duplication, state file. Internal use only.

Plain blocking code on the shared core (FalconClient); the event source runs it in a worker thread.
"""

import calendar
import hashlib
import json
import os
import random
import re
import stat
import tempfile
import time
import uuid

from ansible_collections.secops.falcon.plugins.module_utils import _action_limit
from ansible_collections.secops.falcon.plugins.module_utils._errors import (
    FalconApiError,
    FalconAuthError,
    FalconConfigError,
    FalconConnectionError,
    FalconError,
)
from ansible_collections.secops.falcon.plugins.module_utils._file_trust import OTHERS_ANY, untrusted_reason
from ansible_collections.secops.falcon.plugins.module_utils._fql import quote
from ansible_collections.secops.falcon.plugins.module_utils._options import (
    COMMON_ARGSPEC,
    _int_in_range,
    default_cache_dir,
)
from ansible_collections.secops.falcon.plugins.module_utils._retry import RATE_LIMITED, RETRY_STATUSES
from ansible_collections.secops.falcon.plugins.module_utils._token_cache import prepare_cache_dir

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
STREAM_DEFAULTS = dict(
    filter=None,
    min_severity=None,
    interval=30,
    lookback=120,
    initial_lookback=3600,
    state_file=None,
    max_backoff=300,
    action_limit=_action_limit.DEFAULT_LIMIT,
    action_window=_action_limit.DEFAULT_WINDOW,
    reconcile_interval=900,
)
CONNECTION_NAMES = tuple(n for n in COMMON_ARGSPEC if n not in ('access_token', 'auth'))
ALLOWED_ARGS = tuple(sorted(set(STREAM_DEFAULTS) | set(CONNECTION_NAMES)))
INTERVAL_RANGE = (1, 86400)
LOOKBACK_RANGE = (0, 86400)
INITIAL_LOOKBACK_RANGE = (0, 7 * 86400)
BACKOFF_RANGE = (1, 3600)
# 0 sends no reconcile event; otherwise one at start and then every this many seconds.
RECONCILE_RANGE = (0, 86400)
SEVERITY_RANGE = (0, 100)
# A saved watermark later than now by more than this is a clock error or a hand edit (a watermark in 2999 silently
# stopped every alert): it is clamped to now, with a warning.
MAX_CLOCK_SKEW = 300
# Never follow a symlink planted at the state file's path; never block on a FIFO there.
_NOFOLLOW = getattr(os, 'O_NOFOLLOW', 0)
_NONBLOCK = getattr(os, 'O_NONBLOCK', 0)

_TIME_RE = re.compile(r'^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}:?\d{2})?$', re.I)

# What an event may carry. ansible-rulebook writes the event into a playbook's (or job template's) extra vars with a
# plain YAML dump, and ansible-core 2.19+ templates extra vars: any event value holding template syntax would run.
# So the event holds only values that cannot: each must match its pattern (none admits a brace) or fixed set, and a
# value that does not is left out. Free text (hostname, names, descriptions, tags, command lines) is never in an
# event; a playbook reads it with falcon_alert_info, whose results are never templated.
# Matched whole (fullmatch: `$` would let a trailing newline through).
_HEX_ID = re.compile(r'[0-9a-f]{32}')
_COMPOSITE_ID = re.compile(r'[A-Za-z0-9][A-Za-z0-9:._-]{0,255}')
_PRODUCT = re.compile(r'[a-z][a-z0-9_-]{0,31}')
_MITRE_ID = re.compile(r'[A-Z]{1,4}[0-9]{4}(\.[0-9]{3})?')
_ISO_TIME = re.compile(r'[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})')
ALERT_STATUSES = ('new', 'in_progress', 'reopened', 'closed')
SEVERITY_NAMES = ('Informational', 'Low', 'Medium', 'High', 'Critical')


def _is_int(value):
    """True for a real int (bool is an int to Python, not to us)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _matches(pattern):
    """A check: True for a str that pattern matches whole."""
    return lambda value: isinstance(value, str) and pattern.fullmatch(value) is not None


def _one_of(allowed):
    """A check: True for a str among allowed."""
    return lambda value: isinstance(value, str) and value in allowed


# Alert field (the event's key too) and its check; a check is True only for a value that cannot hold template syntax.
SUMMARY_FIELDS = (
    ('composite_id', _matches(_COMPOSITE_ID)),
    ('severity', lambda v: _is_int(v) and SEVERITY_RANGE[0] <= v <= SEVERITY_RANGE[1]),
    ('severity_name', _one_of(SEVERITY_NAMES)),
    ('status', _one_of(ALERT_STATUSES)),
    ('product', _matches(_PRODUCT)),
    ('tactic_id', _matches(_MITRE_ID)),
    ('technique_id', _matches(_MITRE_ID)),
    ('pattern_id', _is_int),
    ('created_timestamp', _matches(_ISO_TIME)),
    ('updated_timestamp', _matches(_ISO_TIME)),
    ('cid', _matches(_HEX_ID)),
    ('agent_id', _matches(_HEX_ID)),
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

    def __init__(  # pylint: disable=too-many-arguments
        self,
        filter_text,
        min_severity,
        interval,
        lookback,
        state_file,
        max_backoff,
        initial_lookback=0,
        action_limit=_action_limit.DEFAULT_LIMIT,
        action_window=_action_limit.DEFAULT_WINDOW,
        reconcile_interval=0,
    ):
        self.filter = filter_text
        self.min_severity = min_severity
        self.interval = interval
        self.lookback = lookback
        self.state_file = state_file
        self.max_backoff = max_backoff
        # Seconds before now that a start without a state file sends alerts from (0: none, the newest is the start).
        self.initial_lookback = initial_lookback
        # The fleet-wide cap: at most action_limit hosts with within_action_limit true per action_window seconds.
        self.action_limit = action_limit
        self.action_window = action_window
        # Seconds between two reconcile events (0: none), which let a rulebook finish what a killed run left half done.
        self.reconcile_interval = reconcile_interval

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
        severity = _int_in_range('min_severity', args.get('min_severity'), SEVERITY_RANGE, None)
        interval = _int_in_range('interval', args.get('interval'), INTERVAL_RANGE, STREAM_DEFAULTS['interval'])
        lookback = _int_in_range('lookback', args.get('lookback'), LOOKBACK_RANGE, STREAM_DEFAULTS['lookback'])
        max_backoff = _int_in_range(
            'max_backoff', args.get('max_backoff'), BACKOFF_RANGE, STREAM_DEFAULTS['max_backoff']
        )
        initial_lookback = _int_in_range(
            'initial_lookback',
            args.get('initial_lookback'),
            INITIAL_LOOKBACK_RANGE,
            STREAM_DEFAULTS['initial_lookback'],
        )
        action_limit = _int_in_range(
            'action_limit', args.get('action_limit'), _action_limit.LIMIT_RANGE, STREAM_DEFAULTS['action_limit']
        )
        action_window = _int_in_range(
            'action_window', args.get('action_window'), _action_limit.WINDOW_RANGE, STREAM_DEFAULTS['action_window']
        )
        reconcile_interval = _int_in_range(
            'reconcile_interval', args.get('reconcile_interval'), RECONCILE_RANGE, STREAM_DEFAULTS['reconcile_interval']
        )
        if 0 < reconcile_interval < 60:
            raise FalconConfigError(
                'reconcile_interval must be 0 (no reconcile events) or 60 to 86400 seconds, got %d.'
                % reconcile_interval
            )
        state_file = args.get('state_file')
        if state_file is not None and not isinstance(state_file, str):
            raise FalconConfigError('state_file must be a file path, got %r.' % (state_file,))
        if state_file and state_file.strip():
            state_file = os.path.abspath(os.path.expanduser(state_file.strip()))
        else:
            state_file = default_state_file(settings, text, severity)
        if os.path.isdir(state_file):
            raise FalconConfigError('state_file %r is a directory: give the path of a file.' % state_file)
        return cls(
            text,
            severity,
            interval,
            lookback,
            state_file,
            max_backoff,
            initial_lookback,
            action_limit,
            action_window,
            reconcile_interval,
        )


def default_state_file(settings, filter_text, min_severity):
    """<cache dir>/eda/falcon_alerts-<digest>.json: one file per API client, cloud and query."""
    key = '\n'.join(
        str(v) for v in (settings.base_url, settings.client_id, settings.member_cid, filter_text, min_severity)
    )
    digest = hashlib.sha256(key.encode('utf-8')).hexdigest()[:16]
    return os.path.join(default_cache_dir(), 'eda', 'falcon_alerts-%s.json' % digest)


# -- state file ----------------------------------------------------------------------------------------------------


class StreamState:
    """The persisted watermark (highest updated_timestamp handed on), the alert versions seen near it, and the hosts
    the fleet-wide cap admitted in its window (see _action_limit)."""

    def __init__(self, path, watermark=None, seen=None, exists=False, admitted=None):  # pylint: disable=too-many-arguments
        self.path = path
        self.watermark = watermark
        self.seen = dict(seen or {})
        self.exists = exists
        self.admitted = dict(admitted or {})

    @classmethod
    def load(cls, path):
        """Read the state file; a missing one is a first start. FalconConfigError names a file that cannot be used.

        The file decides what is sent (a watermark far ahead sends nothing), so, as the token cache, only a file of
        ours, in a directory of ours, that nobody else can write is used.
        """
        _check_private_folder(path)
        try:
            fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
        except FileNotFoundError:
            return cls(path)
        except OSError as exc:
            raise FalconConfigError('Cannot read the state_file %s: %s.' % (path, exc.strerror or exc))
        try:
            _check_private_file(path, os.fstat(fd))
            with os.fdopen(fd) as handle:
                fd = None
                raw = handle.read()
        except OSError as exc:
            raise FalconConfigError('Cannot read the state_file %s: %s.' % (path, exc.strerror or exc))
        finally:
            if fd is not None:
                os.close(fd)
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
                'The state_file %s is not a falcon_alerts state (version %d). Remove it to start again '
                'from initial_lookback (the alerts of its last seconds are then sent).' % (path, STATE_VERSION)
            )
        seen = dict((str(k), str(v)) for k, v in data['seen'].items() if parse_time(str(v)) is not None)
        # A file of an earlier release has no 'admitted': the cap's window starts empty.
        admitted = _action_limit.admitted_from_state(data.get('admitted'))
        return cls(path, data['watermark'], seen, exists=True, admitted=admitted)

    def to_dict(self):
        """The JSON document written to the state file."""
        return {'version': STATE_VERSION, 'watermark': self.watermark, 'seen': self.seen, 'admitted': self.admitted}

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

    def advance(self, newest, lookback, now=None):
        """Move the watermark to newest (never back, never past now + skew) and forget versions before the lookback."""
        if newest is not None and (self.watermark is None or parse_time(newest) > parse_time(self.watermark)):
            self.watermark = newest
        self.clamp(now)
        if self.watermark is None:
            return
        floor = parse_time(self.watermark) - lookback
        self.seen = dict((k, v) for k, v in self.seen.items() if (parse_time(v) or 0) >= floor)

    def clamp(self, now=None):
        """Bring a watermark later than now + MAX_CLOCK_SKEW back to now; return the watermark it was, or None.

        An alert stamped in the future, or a hand-edited state file, would otherwise stop every later alert.
        """
        now = time.time() if now is None else now
        if self.watermark is None or parse_time(self.watermark) <= now + MAX_CLOCK_SKEW:
            return None
        was, self.watermark = self.watermark, format_time(now)
        return was


def _check_private_folder(path):
    """Create the state file's directory (0700) if needed; refuse one another user owns or may write to."""
    try:
        prepare_cache_dir(os.path.dirname(path) or '.')
    except FalconConfigError as err:
        # The token cache's check, reused; its text names its own option, so say which file this is about.
        raise FalconConfigError(
            'Refusing the state_file %s, whose directory must be yours and private as the token cache\'s is: %s'
            % (path, err)
        ) from None


def _check_private_file(path, info):
    """Refuse a state file that is not a regular file of ours, or that others may read or write (we write 0600)."""
    if not stat.S_ISREG(info.st_mode):
        raise FalconConfigError('The state_file %s is not a regular file: give the path of a file.' % path)
    problem = untrusted_reason(info, 'The state_file', path, 'the source', forbidden=OTHERS_ANY)
    if problem and info.st_uid != os.geteuid():
        raise FalconConfigError(
            '%s: refusing a watermark another user controls. Remove it (the source then starts from '
            'initial_lookback) or choose another state_file.' % problem
        )
    if problem:
        raise FalconConfigError(
            '%s: refusing a watermark others may have changed. Run chmod 600 on it if its content is yours, or '
            'remove it.' % problem
        )


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
    if err.status == 403 and not isinstance(err, FalconAuthError) and not err.hint:
        # (A 403 of the client names the scope itself, in err.hint: see _scopes.)
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

    def baseline(self, now=None):
        """Start without a state file; send nothing yet. Returns how many alert versions were marked seen.

        With initial_lookback, the watermark is now less initial_lookback: the next poll sends the alerts updated since
        (an activation that restarted without its disk misses none of them; a re-sent one is met by the playbook's
        re-check). With 0, the newest matching alert is the watermark and its window is marked seen: by the API's own
        timestamps, so a skewed local clock can neither replay nor skip.
        """
        if self.config.initial_lookback:
            now = time.time() if now is None else now
            self.state.watermark = format_time(now - self.config.initial_lookback)
            self.state.save()
            return 0
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
        self.state.advance(None, self.config.lookback, now)
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
    """The event of one alert version: {summary: only values that cannot hold template syntax, meta: {uuid}}.

    No free text and no raw record: see SUMMARY_FIELDS. A value failing its check is left out, so a rule's
    `is defined` test sees it missing. meta.uuid is derived from (composite id, updated time).
    The source adds summary.within_action_limit (the fleet-wide cap's answer) to an event with a device_id.
    """
    summary = {}
    device = alert.get('device') if isinstance(alert.get('device'), dict) else {}
    for key, check in SUMMARY_FIELDS:
        if check(alert.get(key)):
            summary[key] = alert[key]
    device_id = device.get('device_id') or alert.get('agent_id')
    if _matches(_HEX_ID)(device_id):
        summary['device_id'] = device_id
    key = '%s|%s' % (alert['composite_id'], alert.get('updated_timestamp'))
    return {'summary': summary, 'meta': {'uuid': str(uuid.uuid5(EVENT_NAMESPACE, key))}}


def make_reconcile_event(reason, now=None):
    """The event that asks a rulebook to finish what a killed run left half done: {reconcile: {reason, time}, meta}.

    reason is 'start' or 'interval'; it holds no alert and no text from the API.
    """
    now = time.time() if now is None else now
    return {'reconcile': {'reason': reason, 'time': format_time(now)}, 'meta': {'uuid': str(uuid.uuid4())}}


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
    'make_reconcile_event',
    'newest_time',
    'parse_time',
    'format_time',
]
