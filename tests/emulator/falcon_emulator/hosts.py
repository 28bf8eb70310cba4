"""Hosts endpoints: queries (offset and scroll), entity details (GET/POST v2) and devices-actions (NOTES 4)."""
import time

from .devices import HOST_FIELDS, HOST_SORTABLE
from .envelope import ApiError, ok
from .params import check_filter, ids_body, int_arg, sort_arg, unique
from .scroll import query_scroll

DEVICE_API = 'device-api'
QUERY_CAP = 10000
ACTIONS = ('contain', 'lift_containment', 'hide_host', 'unhide_host', 'detection_suppress', 'detection_unsuppress')


def _query(app, request, tenant, include_hidden=False, only_hidden=False):
    """Run filter + sort over the tenant's hosts."""
    sort = sort_arg(request, HOST_SORTABLE, DEVICE_API)
    fql = request.arg('filter')
    mode = app.config.fql_text_match
    check_filter(fql, HOST_FIELDS, time.time(), DEVICE_API, mode)
    hosts = tenant.query(fql, sort, include_hidden=include_hidden or only_hidden, mode=mode)
    if only_hidden:
        hosts = [h for h in hosts if h.hidden]
    return hosts


def query_devices(app, request, tenant, only_hidden=False):
    """GET /devices/queries/devices/v1: numeric offset; offset + limit must stay under 10000 (falconpy #532)."""
    limit = int_arg(request, 'limit', 100, 1, 5000, DEVICE_API)
    offset = int_arg(request, 'offset', 0, 0, None, DEVICE_API)
    if offset + limit >= QUERY_CAP:
        raise ApiError(400, 'limit + offset must be less than %d' % QUERY_CAP, powered_by=DEVICE_API)
    hosts = _query(app, request, tenant, only_hidden=only_hidden)
    page = hosts[offset:offset + limit]
    # meta.pagination.offset is the NEXT offset: FalconPy samples and the official collection loop on it (NOTES 4.1).
    pagination = {'offset': offset + len(page), 'limit': limit, 'total': len(hosts)}
    return ok(request, [h.device_id for h in page], DEVICE_API, pagination=pagination)


def query_hidden(app, request, tenant):
    """GET /devices/queries/devices-hidden/v1: hidden hosts only."""
    return query_devices(app, request, tenant, only_hidden=True)


def _details(request, tenant, ids):
    """Records of the known ids, in request order; unknown ids are simply left out."""
    records = [tenant.by_id[i].to_dict() for i in unique(ids) if i in tenant.by_id]
    return ok(request, records, DEVICE_API)


def get_details(app, request, tenant):
    """GET /devices/entities/devices/v2?ids=..: at most 100 ids (spec maxItems)."""
    ids = request.args('ids')
    if not ids:
        raise ApiError(400, 'ids is required', powered_by=DEVICE_API)
    if len(ids) > 100:
        raise ApiError(400, 'Too many ids: %d given, at most 100 are allowed; use POST for up to 5000' % len(ids), powered_by=DEVICE_API)
    del app
    return _details(request, tenant, ids)


def post_details(app, request, tenant):
    """POST /devices/entities/devices/v2 {"ids": [...]}: at most 5000 ids."""
    _body, ids = ids_body(request, 5000, DEVICE_API)
    del app
    return _details(request, tenant, ids)


def _apply(host, action, now):
    """Apply one action to one host; return None on success or (code, message) for a per-host error."""
    aid = host.device_id
    if action == 'contain':
        if host.status in ('contained', 'containment_pending'):
            return 409, 'Device %s is already contained or containment is pending (status %s)' % (aid, host.status)
        host.status, host.pending_since = 'containment_pending', now
    elif action == 'lift_containment':
        if host.status in ('normal', 'lift_containment_pending'):
            return 409, 'Device %s is not contained or lifting is already pending (status %s)' % (aid, host.status)
        host.status, host.pending_since = 'lift_containment_pending', now
    elif action in ('hide_host', 'unhide_host'):
        want = action == 'hide_host'
        if host.hidden == want:
            return 409, 'Device %s is already %s' % (aid, 'hidden' if want else 'visible')
        host.hidden = want
    else:
        want = action == 'detection_suppress'
        if host.suppressed == want:
            return 409, 'Detections of device %s are already %s' % (aid, 'suppressed' if want else 'unsuppressed')
        host.suppressed = want
    host.modified = now
    return None


def perform_action(app, request, tenant):
    """POST /devices/entities/devices-actions/v2?action_name=..: 202 when any host succeeded (NOTES 4.4)."""
    action = request.arg('action_name')
    if action not in ACTIONS:
        raise ApiError(400, "Invalid action_name '%s'; allowed: %s" % (action, ', '.join(ACTIONS)), powered_by=DEVICE_API)
    caps = app.config.action_max_ids or {}
    _body, ids = ids_body(request, caps.get(action, 10 ** 9), DEVICE_API)
    now = time.time()
    done, errors = [], []
    for aid in unique(ids):
        host = tenant.by_id.get(aid)
        if host is None:
            errors.append({'code': 404, 'message': 'Device %s was not found' % aid, 'id': aid})
            continue
        problem = _apply(host, action, now)
        if problem:
            errors.append({'code': problem[0], 'message': problem[1], 'id': aid})
        else:
            done.append({'id': aid, 'path': ''})
            if host.pending_since is not None and host.status.endswith('_pending'):
                tenant.pending.add(aid)
    if done:
        tenant.changed()
        return ok(request, done, DEVICE_API, status=202, errors=errors, writes=len(done))
    raise ApiError(errors[0]['code'], errors[0]['message'], powered_by=DEVICE_API, errors=errors, resources=[])


ROUTES = {
    ('GET', '/devices/queries/devices/v1'): (query_devices, 'devices:read'),
    ('GET', '/devices/queries/devices-hidden/v1'): (query_hidden, 'devices:read'),
    ('GET', '/devices/queries/devices-scroll/v1'): (query_scroll, 'devices:read'),
    ('GET', '/devices/entities/devices/v2'): (get_details, 'devices:read'),
    ('POST', '/devices/entities/devices/v2'): (post_details, 'devices:read'),
    ('POST', '/devices/entities/devices-actions/v2'): (perform_action, 'devices:write'),
}
