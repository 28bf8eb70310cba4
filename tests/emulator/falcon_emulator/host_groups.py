"""Host groups (read only): queries, combined and entities of /devices/*/host-groups/v1 (scope host-group:read).

Shapes from the spec (host_groups.RespV1, host_groups.HostGroupV1); the seeded groups are those of seed.GROUPS,
and the device records' `groups` list their ids. Writes answer 405 like every other write the emulator leaves out.
"""

import time

from .envelope import ApiError, ok
from .fql import Field, parse_time
from .params import check_filter, int_arg, sort_arg, unique

# UNVERIFIED: the real service name in meta.powered_by of these endpoints.
POWERED_BY = 'hostgroups'
SCOPE = 'host-group:read'
SORTABLE = frozenset(['created_by', 'created_timestamp', 'group_type', 'modified_by', 'modified_timestamp', 'name'])

GROUP_FIELDS = {
    'id': Field('str', lambda g: g['id']),
    'name': Field('str', lambda g: g['name']),
    'group_type': Field('str', lambda g: g['group_type']),
    'created_by': Field('str', lambda g: g['created_by']),
    'modified_by': Field('str', lambda g: g['modified_by']),
    'created_timestamp': Field('time', lambda g: parse_time(g['created_timestamp'], 0)),
    'modified_timestamp': Field('time', lambda g: parse_time(g['modified_timestamp'], 0)),
}


def _matching(request, tenant):
    """The tenant's groups that match filter, in sort order (default: creation order)."""
    predicate = check_filter(request.arg('filter'), GROUP_FIELDS, time.time(), POWERED_BY)
    groups = [g for g in tenant.groups if predicate(g)]
    sort = sort_arg(request, SORTABLE, POWERED_BY)
    if sort:
        field, descending = sort
        groups.sort(key=lambda g: str(g[field]).lower(), reverse=descending)
    return groups


def _page(request, items):
    """limit 1..5000 (default 100), offset >= 0; pagination.offset is the next offset (as on the other query APIs)."""
    limit = int_arg(request, 'limit', 100, 1, 5000, POWERED_BY)
    offset = int_arg(request, 'offset', 0, 0, None, POWERED_BY)
    page = items[offset : offset + limit]
    return page, {'offset': offset + len(page), 'limit': limit, 'total': len(items)}


def query_groups(app, request, tenant):
    """GET /devices/queries/host-groups/v1: group ids."""
    del app
    page, pagination = _page(request, _matching(request, tenant))
    return ok(request, [g['id'] for g in page], POWERED_BY, pagination=pagination)


def combined_groups(app, request, tenant):
    """GET /devices/combined/host-groups/v1: group records."""
    del app
    page, pagination = _page(request, _matching(request, tenant))
    return ok(request, [dict(g) for g in page], POWERED_BY, pagination=pagination)


def get_groups(app, request, tenant):
    """GET /devices/entities/host-groups/v1?ids=: unknown ids give 404 with one error each, beside the found ones."""
    del app
    ids = request.args('ids')
    if not ids:
        raise ApiError(400, 'ids is required', powered_by=POWERED_BY)
    by_id = {g['id']: g for g in tenant.groups}
    found = [dict(by_id[i]) for i in unique(ids) if i in by_id]
    missing = [i for i in unique(ids) if i not in by_id]
    if missing:
        errors = [{'code': 404, 'message': 'Host group %s not found' % i, 'id': i} for i in missing]
        raise ApiError(404, errors[0]['message'], powered_by=POWERED_BY, errors=errors, resources=found)
    return ok(request, found, POWERED_BY)


ROUTES = {
    ('GET', '/devices/queries/host-groups/v1'): (query_groups, SCOPE),
    ('GET', '/devices/combined/host-groups/v1'): (combined_groups, SCOPE),
    ('GET', '/devices/entities/host-groups/v1'): (get_groups, SCOPE),
}
