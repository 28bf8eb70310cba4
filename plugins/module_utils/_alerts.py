# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Alerts API helpers: composite id validation, reads (entities v2, combined v1 with `after`), actions v3. Internal use only.

Paths and bodies follow FalconPy's endpoint table (src/falconpy/_endpoint/_alerts.py): the 2023 spec has only the v1 pair.
"""

import re

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconApiError, FalconConfigError
from ansible_collections.secops.falcon.plugins.module_utils._ids import unique
from ansible_collections.secops.falcon.plugins.module_utils._paging import batched
from ansible_collections.secops.falcon.plugins.module_utils._text import api_reason

ENTITIES_PATH = '/alerts/entities/alerts/v2'
COMBINED_PATH = '/alerts/combined/alerts/v1'
UPDATE_PATH = '/alerts/entities/alerts/v3'

# Combined: full records, at most 1000 a call, `after` token paging with no 10,000 cap (endpoint table). That is
# fewer calls than ids from the v2 query (10,000 a call, capped at offset + limit = 10,000) plus entities at 1000 a call.
COMBINED_MAX_LIMIT = 1000
ENTITIES_BATCH = 1000
UPDATE_BATCH = 1000
STATUSES = ('new', 'in_progress', 'reopened', 'closed')

# '<cid>:<kind>:<rest>', e.g. '<cid>:ind:<aid>:<number>-<pattern>-<seq>' for endpoint alerts; other products vary after
# the second colon, so only the CID and the kind are checked.
COMPOSITE_ID_RE = re.compile(r'^[0-9a-fA-F]{32}:[A-Za-z0-9_-]+:\S+$')
UUID_RE = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')


def validate_composite_ids(ids):
    """Return ids de-duplicated (order kept); FalconConfigError names every malformed one."""
    bad = [i for i in ids if not isinstance(i, str) or not COMPOSITE_ID_RE.match(i.strip())]
    if bad:
        raise FalconConfigError(
            'Invalid alert composite id %s: each must look like <cid>:<kind>:<id>, for example '
            '%s:ind:%s:123456789-10197-1 (the composite_id field of an alert).'
            % (', '.join(repr(b) for b in bad[:10]), '0' * 32, 'a' * 32)
        )
    return unique(i.strip() for i in ids)


def query_error(err, fql, sort):
    """A FalconApiError naming the filter and sort when the API answered 400 to a search, else err."""
    if isinstance(err, FalconApiError) and err.status == 400:
        api = '; '.join(str(e.get('message')) for e in (err.errors or []) if isinstance(e, dict) and e.get('message'))
        return FalconApiError(
            'The API rejected the alert search (filter %r, sort %r): %s' % (fql, sort, api or err.message),
            status=err.status,
            trace_id=err.trace_id,
            errors=err.errors,
        )
    return err


class AlertSearch:
    """Alerts a search returned and the API's count of all matches (may exceed len(alerts) with a limit)."""

    def __init__(self, alerts, total):
        self.alerts = alerts
        self.total = total


def search_alerts(client, fql=None, sort=None, limit=None, stop_above=None):
    """Full alert records matching fql, paged with `after` (1000 a call, any number of alerts).

    stop_above: stop after the first page when the API's total exceeds it (the caller refuses such a selection).
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise FalconConfigError('limit must be a whole number of 1 or more, got %r.' % (limit,))
    alerts, seen, after, total = [], set(), None, None
    while limit is None or len(alerts) < limit:
        size = COMBINED_MAX_LIMIT if limit is None else min(COMBINED_MAX_LIMIT, limit - len(alerts))
        if stop_above is not None and after is None:
            size = min(size, stop_above + 1)
        body = {'limit': size}
        if fql:
            body['filter'] = fql
        if sort:
            body['sort'] = sort
        if after:
            body['after'] = after
        try:
            response = client.request('POST', COMBINED_PATH, json=body)
        except FalconApiError as err:
            raise query_error(err, fql, sort)
        if total is None:
            reported = response.pagination.get('total')
            total = reported if isinstance(reported, int) and not isinstance(reported, bool) else None
        for record in response.resources:
            key = record.get('composite_id') if isinstance(record, dict) else None
            # Paging runs on live data: a record that moved between pages (sort on a changing field) is kept once.
            if key and key not in seen:
                seen.add(key)
                alerts.append(record)
        if stop_above is not None and total is not None and total > stop_above:
            return AlertSearch(None, total)
        previous, after = after, response.pagination.get('after')
        if not response.resources or not after or not isinstance(after, str):
            break
        if after == previous:
            raise FalconApiError(
                'The API returned the same after token twice for %s; paging cannot go on (%d alerts '
                'read). Run the task again.' % (COMBINED_PATH, len(alerts)),
                status=response.status,
                trace_id=response.trace_id,
            )
    if limit is not None:
        alerts = alerts[:limit]
    return AlertSearch(alerts, total if total is not None else len(alerts))


def get_alerts(client, ids):
    """(records in request order, ids not found) for composite ids, 1000 a call."""
    found = {}
    for batch in batched(ids, ENTITIES_BATCH):
        response = client.request('POST', ENTITIES_PATH, json={'composite_ids': batch})
        for record in response.resources:
            if isinstance(record, dict) and record.get('composite_id'):
                found[record['composite_id']] = record
    return [found[i] for i in ids if i in found], [i for i in ids if i not in found]


def assignment_action(value):
    """The v3 action that assigns to value: a UUID, a user id (an e-mail address) or else a user name."""
    if UUID_RE.match(value):
        return 'assign_to_uuid'
    if '@' in value:
        return 'assign_to_user_id'
    return 'assign_to_name'


class UpdateResult:
    """Composite ids the API updated, and {composite id: reason} of those it refused."""

    def __init__(self):
        self.updated = []
        self.failed = {}


def _too_large(err, batch):
    """True when a 400 refused a batch of more than one alert as a whole (no error names one of its ids)."""
    if err.status != 400 or len(batch) < 2:
        return False
    return not any(isinstance(e, dict) and e.get('id') in batch for e in (err.errors or []))


def update_alerts(client, ids, actions):
    """PATCH v3 actions ([(name, value)]) onto ids, 1000 a call; per-id refusals are returned, not raised.

    A batch refused as a whole with a 400 is sent again in halves (as device actions do).

    After a refusal of the client itself (401/403) no further batches are sent: they would be refused the same way.
    """
    result = UpdateResult()
    params = [{'name': name, 'value': value} for name, value in actions]
    remaining, size = list(ids), UPDATE_BATCH
    while remaining:
        batch = remaining[:size]
        try:
            response = client.request('PATCH', UPDATE_PATH, json={'composite_ids': batch, 'action_parameters': params})
        except FalconApiError as err:
            if _too_large(err, batch):
                # The 1000 cap is a guess: a 400 naming no alert refused the whole batch, so nothing was applied
                # and the same ids are sent again in halves; the smaller size is kept for the rest.
                size = len(batch) // 2
                continue
            remaining = remaining[len(batch) :]
            per_id = dict(
                (e.get('id'), api_reason(e.get('code'), e.get('message')))
                for e in (err.errors or [])
                if isinstance(e, dict) and e.get('id') in batch
            )
            reason = api_reason(err.status, '; '.join(err.api_messages()) or str(err))
            if err.hint:
                reason = '%s. %s' % (reason.rstrip('.'), err.hint)  # for a 403: the scope the API client needs
            for composite_id in batch:
                result.failed[composite_id] = per_id.get(composite_id, reason)
            if err.status in (401, 403) or (err.status == 400 and len(batch) == 1 and not per_id):
                # A refusal of the client, or a 400 even for one alert: every further call would meet it too.
                for composite_id in remaining:
                    result.failed[composite_id] = reason + ' (not sent after the refusal above)'
                return result
            continue
        remaining = remaining[len(batch) :]
        refused = dict(
            (e.get('id'), api_reason(e.get('code'), e.get('message')))
            for e in response.errors
            if isinstance(e, dict) and e.get('id')
        )
        accepted = set(r for r in response.resources if isinstance(r, str))
        for composite_id in batch:
            if composite_id in refused:
                result.failed[composite_id] = refused[composite_id]
            elif accepted and composite_id not in accepted:
                result.failed[composite_id] = 'the API left this alert out of its answer'
            else:
                result.updated.append(composite_id)
    return result
