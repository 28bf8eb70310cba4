"""Alerts endpoints: queries v2 (offset), entities v2 (composite_ids), combined v1 (`after` token) and actions v3.

The 2023 spec has only the v1 pair: paths, parameters and bodies follow FalconPy 1.6.6's endpoint table
(src/falconpy/_endpoint/_alerts.py) and the Alerts class docs (src/falconpy/alerts.py).
"""

import base64
import json
import time

from .alert_store import ALERT_FIELDS, ALERT_SORTABLE, STATUSES, alert_store, find_user, sort_key
from .envelope import ApiError, ok
from .fql import parse_sort
from .params import check_filter, int_arg, unique

DETECTS = 'detectsapi'
QUERY_CAP = 10000  # offset + limit of the v2 query (FalconPy: limit max 10000); past it only `after` paging goes on
COMBINED_MAX = 1000  # combined limit: default 100, max 1000 (endpoint table)
ENTITIES_MAX = 1000  # composite_ids per entities call (not documented; UNVERIFIED choice)
ACTIONS = (
    'update_status',
    'assign_to_uuid',
    'assign_to_user_id',
    'assign_to_name',
    'unassign',
    'add_tag',
    'remove_tag',
    'remove_tags_by_prefix',
    'append_comment',
    'show_in_ui',
    'new_behavior_processed',
)


def _bool_arg(text, name):
    """A boolean query/body value ('true'/'false' strings or booleans)."""
    if isinstance(text, bool):
        return text
    low = str(text).strip().lower()
    if low not in ('true', 'false'):
        raise ApiError(400, "Invalid value for %s: '%s'; allowed: true, false" % (name, text), powered_by=DETECTS)
    return low == 'true'


def _sort(text):
    """Parse an alerts sort ('field|asc', 'field.desc'); None = default created_timestamp descending."""
    if text is None or not str(text).strip():
        return None
    try:
        return parse_sort(str(text), ALERT_SORTABLE)
    except ValueError as err:
        raise ApiError(400, str(err), powered_by=DETECTS) from None


def _select(app, tenant, fql, sort, include_hidden=True):
    """Run filter + sort over the tenant's alerts."""
    # The hosts' recorded FQL text matching (API behaviour 9.2) is applied here too: the same FQL service is likely
    # (UNVERIFIED).
    predicate = check_filter(fql, ALERT_FIELDS, time.time(), DETECTS, mode=app.config.fql_text_match)
    return alert_store(app, tenant).query(predicate, sort, include_hidden)


def query_alerts(app, request, tenant):
    """GET /alerts/queries/alerts/v2: composite ids; offset + limit may not pass 10000."""
    limit = int_arg(request, 'limit', 100, 0, QUERY_CAP, DETECTS)
    offset = int_arg(request, 'offset', 0, 0, None, DETECTS)
    if offset + limit > QUERY_CAP:
        raise ApiError(
            400,
            'offset + limit must be at most %d; use /alerts/combined/alerts/v1 with `after` to read further'
            % QUERY_CAP,
            powered_by=DETECTS,
        )
    include_hidden = _bool_arg(request.arg('include_hidden', 'true'), 'include_hidden')
    found = _select(app, tenant, request.arg('filter'), _sort(request.arg('sort')), include_hidden)
    page = found[offset : offset + limit]
    pagination = {'offset': offset, 'limit': limit, 'total': len(found)}
    return ok(request, [a.composite_id for a in page], DETECTS, pagination=pagination)


def _composite_ids(request):
    """The composite_ids list of a JSON body (400 when missing or malformed)."""
    body = request.json()
    if not isinstance(body, dict) or not isinstance(body.get('composite_ids'), list) or not body['composite_ids']:
        raise ApiError(
            400, 'The request body must be a JSON object with a non-empty "composite_ids" list', powered_by=DETECTS
        )
    ids = body['composite_ids']
    if not all(isinstance(i, str) and i for i in ids):
        raise ApiError(400, 'Every entry of "composite_ids" must be a non-empty string', powered_by=DETECTS)
    if len(ids) > ENTITIES_MAX:
        raise ApiError(
            400,
            'Too many composite_ids: %d given, at most %d are allowed per request' % (len(ids), ENTITIES_MAX),
            powered_by=DETECTS,
        )
    return body, unique(ids)


def get_alerts(app, request, tenant):
    """POST /alerts/entities/alerts/v2 {"composite_ids": [...]}: records in request order; unknown ids are left out."""
    _body, ids = _composite_ids(request)
    include_hidden = _bool_arg(request.arg('include_hidden', 'true'), 'include_hidden')
    store = alert_store(app, tenant)
    found = [store.by_id[i] for i in ids if i in store.by_id]
    shown = [a.shown(app.config) for a in found if include_hidden or a.record['show_in_ui']]
    return ok(request, shown, DETECTS)


def _encode_after(sort, key):
    """An opaque `after` token: the sort and the last record's sort key (keyset paging on live data)."""
    raw = json.dumps({'s': list(sort), 'k': list(key)}, separators=(',', ':')).encode('utf-8')
    return base64.urlsafe_b64encode(raw).decode('ascii').rstrip('=')


def _decode_after(token, sort):
    """The sort key inside an `after` token; 400 when it is malformed or was made for another sort."""
    try:
        raw = base64.urlsafe_b64decode(token + '=' * (-len(token) % 4))
        data = json.loads(raw.decode('utf-8'))
        token_sort, key = tuple(data['s']), tuple(data['k'])
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise ApiError(400, "Invalid 'after' token: start again without it", powered_by=DETECTS) from None
    if token_sort != tuple(sort) or len(key) != 2:
        raise ApiError(
            400, "The 'after' token was issued for another sort; restart the search without 'after'", powered_by=DETECTS
        )
    return key


def combined_alerts(app, request, tenant):
    """POST /alerts/combined/alerts/v1 {after, filter, limit, sort}: full records, `after` token while more remain."""
    body = request.json()
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise ApiError(400, 'The request body must be a JSON object', powered_by=DETECTS)
    unknown = sorted(set(body) - {'after', 'filter', 'limit', 'sort'})
    if unknown:
        raise ApiError(
            400,
            'Unknown body field(s) %s; allowed: after, filter, limit, sort' % ', '.join(unknown),
            powered_by=DETECTS,
        )
    limit = body.get('limit', 100)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= COMBINED_MAX:
        raise ApiError(400, 'Invalid value for limit: %r; allowed: 1..%d' % (limit, COMBINED_MAX), powered_by=DETECTS)
    sort = _sort(body.get('sort')) or ('created_timestamp', True)
    found = _select(app, tenant, body.get('filter'), sort)
    total = len(found)
    after = body.get('after')
    if after:
        if not isinstance(after, str):
            raise ApiError(400, "Invalid 'after' token: it must be a string", powered_by=DETECTS)
        last = _decode_after(after, sort)
        keyer = sort_key(sort[0])
        # Keyset: everything strictly past the last key in the sort direction, so new alerts never shift a page.
        found = [a for a in found if (list(keyer(a)) < list(last) if sort[1] else list(keyer(a)) > list(last))]
    page = found[:limit]
    pagination = {'total': total, 'limit': limit}
    if len(found) > limit:
        pagination['after'] = _encode_after(sort, sort_key(sort[0])(page[-1]))
    return ok(request, [a.shown(app.config) for a in page], DETECTS, pagination=pagination)


def _action_list(body):
    """Validate action_parameters: a non-empty list of {name, value} with known names and allowed values."""
    params = body.get('action_parameters')
    if not isinstance(params, list) or not params:
        raise ApiError(
            400, 'The request body needs a non-empty "action_parameters" list of {name, value}', powered_by=DETECTS
        )
    out = []
    for param in params:
        if not isinstance(param, dict) or 'name' not in param:
            raise ApiError(400, 'Every action parameter must be an object with "name" and "value"', powered_by=DETECTS)
        name, value = param['name'], param.get('value')
        if name not in ACTIONS:
            raise ApiError(400, "Unknown action '%s'; allowed: %s" % (name, ', '.join(ACTIONS)), powered_by=DETECTS)
        if name == 'update_status' and value not in STATUSES:
            raise ApiError(400, "Invalid status '%s'; allowed: %s" % (value, ', '.join(STATUSES)), powered_by=DETECTS)
        if name == 'show_in_ui':
            value = _bool_arg(value, 'show_in_ui')
        elif name.startswith('assign_to_'):
            user = find_user(value)
            if user is None:
                raise ApiError(400, "Unknown user '%s' for %s" % (value, name), powered_by=DETECTS)
            value = user
        elif name not in ('unassign', 'new_behavior_processed') and (not isinstance(value, str) or not value.strip()):
            raise ApiError(400, "Action '%s' needs a non-empty string value" % name, powered_by=DETECTS)
        out.append((name, value))
    # "If a request adds and removes tag in a single request, ... remove tags before adding new ones" (endpoint table).
    removals = [p for p in out if p[0] in ('remove_tag', 'remove_tags_by_prefix')]
    return removals + [p for p in out if p not in removals]


def _apply(alert, name, value, now, author):
    """Apply one action to an alert; return True when it changed something."""
    record = alert.record
    before = json.dumps(record, sort_keys=True)
    if name == 'update_status':
        record['status'] = value
    elif name.startswith('assign_to_'):
        record['assigned_to_uuid'], record['assigned_to_uid'], record['assigned_to_name'] = value
    elif name == 'unassign':
        record['assigned_to_uuid'] = record['assigned_to_uid'] = record['assigned_to_name'] = ''
    elif name == 'add_tag':
        if value not in record['tags']:
            record['tags'].append(value)
    elif name == 'remove_tag':
        record['tags'] = [t for t in record['tags'] if t != value]
    elif name == 'remove_tags_by_prefix':
        record['tags'] = [t for t in record['tags'] if not t.startswith(value)]
    elif name == 'append_comment':
        alert.comments.append({'comment': value, 'created_timestamp': now, 'created_by': author})
        return True
    elif name == 'show_in_ui':
        record['show_in_ui'] = value
    return json.dumps(record, sort_keys=True) != before


def update_alerts(app, request, tenant):
    """PATCH /alerts/entities/alerts/v3 {composite_ids, action_parameters}: 200 with the updated ids; unknown ids in errors."""
    body, ids = _composite_ids(request)
    actions = _action_list(body)
    store = alert_store(app, tenant)
    now = time.time()
    stamp = time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(now)) + '.%03dZ' % (int(now * 1000) % 1000)
    author = request.token.client.client_id if request.token is not None else ''
    updated, errors = [], []
    for composite_id in ids:
        alert = store.by_id.get(composite_id)
        if alert is None:
            errors.append({'code': 404, 'message': 'Alert %s was not found' % composite_id, 'id': composite_id})
            continue
        changed = [_apply(alert, name, value, stamp, author) for name, value in actions]
        if any(changed):
            # updated_timestamp moves only when something changed (UNVERIFIED: a no-op action may bump it too).
            alert.updated = now
        updated.append(composite_id)
    if not updated:
        raise ApiError(404, errors[0]['message'], powered_by=DETECTS, errors=errors, resources=[])
    return ok(request, updated, DETECTS, errors=errors, writes=len(updated))


ROUTES = {
    ('GET', '/alerts/queries/alerts/v2'): (query_alerts, 'alerts:read'),
    ('POST', '/alerts/entities/alerts/v2'): (get_alerts, 'alerts:read'),
    ('POST', '/alerts/combined/alerts/v1'): (combined_alerts, 'alerts:read'),
    ('PATCH', '/alerts/entities/alerts/v3'): (update_alerts, 'alerts:write'),
}
