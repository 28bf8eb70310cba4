"""Hosts endpoints: offset queries, entity details (GET/POST v2); scroll and devices-actions have their own files
(API behaviour 4)."""

import time

from .actions import perform_action
from .devices import HOST_FIELDS, HOST_SORTABLE
from .envelope import ApiError, ok
from .params import check_filter, ids_body, int_arg, sort_arg, too_many_ids, unique
from .scroll import query_scroll

DEVICE_API = 'device-api'
QUERY_CAP = 10000


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
    page = hosts[offset : offset + limit]
    # meta.pagination.offset is the NEXT offset: FalconPy samples and the official collection loop on it
    # (API behaviour 4.1).
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
        raise ApiError(400, too_many_ids(100), powered_by=DEVICE_API)
    del app
    return _details(request, tenant, ids)


def post_details(app, request, tenant):
    """POST /devices/entities/devices/v2 {"ids": [...]}: at most 5000 ids."""
    _body, ids = ids_body(request, 5000, DEVICE_API)
    del app
    return _details(request, tenant, ids)


ROUTES = {
    ('GET', '/devices/queries/devices/v1'): (query_devices, 'devices:read'),
    ('GET', '/devices/queries/devices-hidden/v1'): (query_hidden, 'devices:read'),
    ('GET', '/devices/queries/devices-scroll/v1'): (query_scroll, 'devices:read'),
    ('GET', '/devices/entities/devices/v2'): (get_details, 'devices:read'),
    ('POST', '/devices/entities/devices/v2'): (post_details, 'devices:read'),
    ('POST', '/devices/entities/devices-actions/v2'): (perform_action, 'devices:write'),
}
