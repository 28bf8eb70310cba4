"""Endpoint policy families: queries, combined, entities and members (API behaviour 5.1, 9.3).

Families: prevention, sensor-update (v1 and v2), device-control, firewall, response. Read-only: the write
operations of the spec (create, update, delete, actions, precedence) are not emulated and answer 405.

policy_filters 'recorded' (default, API behaviour 9.3): `name` is not filterable on sensor-update (nothing matches), on
the other families a plain name filter only finds the built-in platform_default policies, an unknown filter field
answers 200 with no results, and sort by platform_name answers 500. 'lenient': every field filters as written and
an unknown field is a 400. Success answers carry no meta.powered_by (J1 HAR).
"""

import copy
import time

from .devices import HOST_FIELDS, HOST_SORTABLE
from .envelope import ApiError, ok
from .fql import Field, parse_time
from .params import check_filter, int_arg, sort_arg, unique
from .seed import FAMILIES, FAMILY_SLOT

SCOPES = {
    'prevention': 'prevention-policies:read',
    'sensor-update': 'sensor-update-policies:read',
    'device-control': 'device-control-policies:read',
    'firewall': 'firewall-management:read',
    'response': 'response-policies:read',
}
SORTABLE = frozenset(
    [
        'created_by',
        'created_timestamp',
        'enabled',
        'modified_by',
        'modified_timestamp',
        'name',
        'platform_name',
        'precedence',
    ]
)


def _time_getter(key):
    """Getter returning a policy timestamp as epoch seconds."""
    return lambda p: parse_time(p[key], 0)


POLICY_FIELDS = {
    'id': Field('str', lambda p: p['id']),
    'name': Field('str', lambda p: p['name']),
    'name.raw': Field('str', lambda p: p['name']),
    'description': Field('str', lambda p: p['description']),
    'platform_name': Field('str', lambda p: p['platform_name']),
    'enabled': Field('bool', lambda p: p['enabled']),
    'created_by': Field('str', lambda p: p['created_by']),
    'modified_by': Field('str', lambda p: p['modified_by']),
    'created_timestamp': Field('time', _time_getter('created_timestamp')),
    'modified_timestamp': Field('time', _time_getter('modified_timestamp')),
    'groups': Field('list', lambda p: [g['id'] for g in p['groups']]),
    'groups.id': Field('list', lambda p: [g['id'] for g in p['groups']]),
    'groups.name': Field('list', lambda p: [g['name'] for g in p['groups']]),
}


def _recorded_fields(family):
    """POLICY_FIELDS as the real API filters them: name finds nothing (sensor-update) or only platform_default."""
    fields = dict(POLICY_FIELDS)
    if family == 'sensor-update':
        fields['name'] = Field('str', lambda p: None)
    else:
        fields['name'] = Field('str', lambda p: p['name'] if p['name'] == 'platform_default' else None)
    return fields


RECORDED_FIELDS = {family: _recorded_fields(family) for family in FAMILIES}


def powered_by(family):
    """The backend name shown in meta.powered_by."""
    return '%s-policies' % family


def _shape(policy, family, version):
    """The record as the endpoint returns it; sensor-update v1 only knows settings.build."""
    record = copy.deepcopy(policy)
    if family == 'sensor-update' and version == 1:
        record['settings'] = {'build': policy['settings']['build']}
    return record


def _matching(app, request, tenant, family):
    """Filter and sort a family's policies; default order is precedence."""
    source = powered_by(family)
    recorded = app.config.policy_filters == 'recorded'
    fields = RECORDED_FIELDS[family] if recorded else POLICY_FIELDS
    predicate = check_filter(
        request.arg('filter'), fields, time.time(), source, unknown_fields='nothing' if recorded else 'error'
    )
    items = [(i, p) for i, p in enumerate(tenant.policies[family]) if predicate(p)]
    sort = sort_arg(request, SORTABLE, source)
    if sort and recorded and sort[0] == 'platform_name':
        # On every family (falcon-mcp, API behaviour 9.3).
        raise ApiError(500, 'Internal Server Error', powered_by=source)
    if sort:
        field, descending = sort
        if field == 'precedence':
            items.sort(key=lambda item: item[0], reverse=descending)
        elif field == 'enabled':
            items.sort(key=lambda item: item[1]['enabled'], reverse=descending)
        else:
            items.sort(key=lambda item: str(item[1][field]).lower(), reverse=descending)
    return [p for _i, p in items]


def _page(request, items, source):
    """Apply limit (1..5000, default 100) and offset; pagination.offset is the next offset (API behaviour 5.1)."""
    limit = int_arg(request, 'limit', 100, 1, 5000, source)
    offset = int_arg(request, 'offset', 0, 0, None, source)
    page = items[offset : offset + limit]
    return page, {'offset': offset + len(page), 'limit': limit, 'total': len(items)}


def make_query(family):
    """GET /policy/queries/<family>/v1."""

    def handler(app, request, tenant):
        """Policy ids."""
        page, pagination = _page(request, _matching(app, request, tenant, family), powered_by(family))
        return ok(request, [p['id'] for p in page], None, pagination=pagination)

    return handler


def make_combined(family, version=1):
    """GET /policy/combined/<family>/v1 (and sensor-update v2)."""

    def handler(app, request, tenant):
        """Policy records."""
        page, pagination = _page(request, _matching(app, request, tenant, family), powered_by(family))
        return ok(request, [_shape(p, family, version) for p in page], None, pagination=pagination)

    return handler


def make_entities(family, version=1):
    """GET /policy/entities/<family>/v1?ids=: unknown ids give 404 with errors; found ones are still returned."""

    def handler(app, request, tenant):
        """Policy records by id."""
        del app
        source = powered_by(family)
        ids = unique(request.args('ids'))
        if not ids:
            raise ApiError(400, 'ids is required', powered_by=source)
        by_id = {p['id']: p for p in tenant.policies[family]}
        found = [_shape(by_id[i], family, version) for i in ids if i in by_id]
        errors = [
            {'code': 404, 'message': 'Could not find policy with id %s' % i, 'id': i} for i in ids if i not in by_id
        ]
        if errors:
            raise ApiError(404, errors[0]['message'], powered_by=source, errors=errors, resources=found)
        return ok(request, found, None)

    return handler


def _members(app, request, tenant, family):
    """Hosts whose device_policies point at the policy ?id= (filter/sort/limit/offset as for hosts)."""
    source = powered_by(family)
    policy_id = request.arg('id')
    if not policy_id:
        raise ApiError(400, 'id is required: the policy whose members to list', powered_by=source)
    if not any(p['id'] == policy_id for p in tenant.policies[family]):
        raise ApiError(404, 'Could not find policy with id %s' % policy_id, powered_by=source)
    sort = sort_arg(request, HOST_SORTABLE, source)
    fql = request.arg('filter')
    mode = app.config.fql_text_match  # members are hosts: host FQL rules
    check_filter(fql, HOST_FIELDS, time.time(), source, mode)
    slot = FAMILY_SLOT[family]
    hosts = [h for h in tenant.query(fql, sort, mode=mode) if h.policies[slot] == policy_id]
    return _page(request, hosts, source)


def make_members_query(family):
    """GET /policy/queries/<family>-members/v1."""

    def handler(app, request, tenant):
        """Member device ids."""
        page, pagination = _members(app, request, tenant, family)
        return ok(request, [h.device_id for h in page], None, pagination=pagination)

    return handler


def make_members_combined(family):
    """GET /policy/combined/<family>-members/v1."""

    def handler(app, request, tenant):
        """Member device records."""
        page, pagination = _members(app, request, tenant, family)
        return ok(request, [h.to_dict() for h in page], None, pagination=pagination)

    return handler


def _routes():
    """(method, path) -> (handler, scope) for every family."""
    routes = {}
    for family in FAMILIES:
        scope = SCOPES[family]
        routes[('GET', '/policy/queries/%s/v1' % family)] = (make_query(family), scope)
        routes[('GET', '/policy/combined/%s/v1' % family)] = (make_combined(family), scope)
        routes[('GET', '/policy/entities/%s/v1' % family)] = (make_entities(family), scope)
        routes[('GET', '/policy/queries/%s-members/v1' % family)] = (make_members_query(family), scope)
        routes[('GET', '/policy/combined/%s-members/v1' % family)] = (make_members_combined(family), scope)
    routes[('GET', '/policy/combined/sensor-update/v2')] = (make_combined('sensor-update', 2), SCOPES['sensor-update'])
    routes[('GET', '/policy/entities/sensor-update/v2')] = (make_entities('sensor-update', 2), SCOPES['sensor-update'])
    return routes


ROUTES = _routes()
