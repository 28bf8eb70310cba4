"""Flight Control (MSSP) children, read only: GET /mssp/queries/children/v1, POST /mssp/entities/children/GET/v2
and GET /mssp/entities/children/v1 (scope mssp:read).

Shapes from the spec (msaspec.QueryResponse, domain.ChildrenResponseV1 / domain.ChildLink) and FalconPy's endpoint
table (_endpoint/_mssp.py: queryChildren, getChildrenV2, getChildren). A CID that is no MSSP parent has no children.
"""

import hashlib

from .clients import MSSP_CHILD2_CID, MSSP_CHILD_CID
from .envelope import ApiError, ok
from .params import ids_body, int_arg, unique

# UNVERIFIED: the real service name in meta.powered_by of these endpoints.
POWERED_BY = 'mssp-api'
SCOPE = 'mssp:read'
SORTS = ('last_modified_timestamp|asc', 'last_modified_timestamp|desc')
CHILD_NAMES = {MSSP_CHILD_CID: 'Contoso Retail', MSSP_CHILD2_CID: 'Fabrikam Health'}


def _bare(err):
    """The same 400 without a resources key: the MSSP errors are msaspec.ResponseFields {meta, errors} (spec)."""
    return ApiError(err.status, err.message, powered_by=POWERED_BY, bare=True)


def checksum(cid):
    """The two-character suffix the console shows after a CID (CID-XX); derived, stable per CID."""
    return hashlib.sha256(cid.encode('ascii')).hexdigest()[:2].upper()


def _children(request):
    """Child CIDs of the calling client, in the default order (last_modified_timestamp|desc = newest first)."""
    return list(request.token.client.children)[::-1]


def _link(request, cid):
    """One domain.ChildLink."""
    return {
        'child_cid': cid,
        'child_of': request.token.client.cid,
        'checksum': checksum(cid),
        'name': CHILD_NAMES.get(cid, cid),
        'status': 'active',
        'domains': [],
        'child_gcid': '',
    }


def query_children(app, request, tenant):
    """GET /mssp/queries/children/v1: child CIDs; limit default 10 (spec), numeric next offset."""
    del app, tenant
    sort = request.arg('sort') or SORTS[1]
    if sort not in SORTS:
        raise ApiError(
            400, "Invalid sort '%s'; allowed: %s" % (sort, ', '.join(SORTS)), powered_by=POWERED_BY, bare=True
        )
    flt = (request.arg('filter') or '').strip()
    children = _children(request)
    if sort == SORTS[0]:
        children.reverse()
    if flt:
        if not flt.startswith('cid:'):
            raise ApiError(
                400,
                "Failed to parse filter expression. [only cid is supported, got '%s']" % flt,
                powered_by=POWERED_BY,
                bare=True,
            )
        wanted = flt[4:].strip().strip('\'"').lower()
        children = [c for c in children if c == wanted]
    try:
        limit = int_arg(request, 'limit', 10, 1, 1000, POWERED_BY)
        offset = int_arg(request, 'offset', 0, 0, None, POWERED_BY)
    except ApiError as err:
        raise _bare(err) from None
    page = children[offset : offset + limit]
    return ok(
        request, page, POWERED_BY, pagination={'offset': offset + len(page), 'limit': limit, 'total': len(children)}
    )


def _links(request, ids):
    """200 with every link, or 207 with an error per unknown CID beside the found ones."""
    mine = set(request.token.client.children)
    wanted = [i.lower() for i in unique(ids)]
    found = [_link(request, i) for i in wanted if i in mine]
    errors = [
        {'code': 404, 'message': 'Child CID %s is not linked to this parent' % i, 'id': i}
        for i in wanted
        if i not in mine
    ]
    return ok(request, found, POWERED_BY, status=207 if errors else 200, errors=errors)


def children_v2(app, request, tenant):
    """POST /mssp/entities/children/GET/v2 {"ids": [...]}: the links of these child CIDs."""
    del app, tenant
    try:
        _body, ids = ids_body(request, 1000, POWERED_BY)
    except ApiError as err:
        raise _bare(err) from None
    return _links(request, ids)


def children_v1(app, request, tenant):
    """GET /mssp/entities/children/v1?ids=: the older form of the same read."""
    del app, tenant
    ids = request.args('ids')
    if not ids:
        raise ApiError(400, 'ids is required', powered_by=POWERED_BY, bare=True)
    return _links(request, ids)


ROUTES = {
    ('GET', '/mssp/queries/children/v1'): (query_children, SCOPE),
    ('POST', '/mssp/entities/children/GET/v2'): (children_v2, SCOPE),
    ('GET', '/mssp/entities/children/v1'): (children_v1, SCOPE),
}
