"""Sensor download endpoints: installer ids, records and downloads (v1, v2, v3) and the CCID (scope
sensor-installers:read, "Sensor download: Read").

Paths and parameters follow FalconPy 1.6.6's endpoint table (src/falconpy/_endpoint/_sensor_download.py); the 2023
spec has the v1 paths. v1/v2/v3 differences are UNVERIFIED (FalconPy describes them the same; newer versions are
believed to add fields such as architectures), so all three serve the same records, architectures included.

FQL: the installer API (powered_by binserv) matches `*` wildcards anywhere in a value: the vendor collection's
`os_version:'*2*'` finds "2", "2 - arm64" and "2023" on Amazon Linux (its most reported bug). So these endpoints use
fql.py's 'exact' string matching (whole value, any case, wildcards anywhere) whatever fql_text_match says: that
setting is about the hosts' device-api (API behaviour 9.2).
"""

import time

from .envelope import ApiError, Response, ok
from .installer_catalog import INSTALLER_FIELDS, INSTALLER_SORTABLE, ccid, installer_catalog, sort_key
from .params import check_filter, int_arg, sort_arg, unique
from .streaming import StreamBody

BINSERV = 'binserv'  # meta.powered_by of the installer API (a recorded answer, falconpy #1244)
LIMIT_MAX = 500  # "default: 100, max: 500" (FalconPy endpoint table)
VERSIONS = ('v1', 'v2', 'v3')


def _select(request, tenant):
    """Filtered and sorted installers; default order newest first (version desc; UNVERIFIED default)."""
    predicate = check_filter(request.arg('filter'), INSTALLER_FIELDS, time.time(), BINSERV, mode='exact')
    field, descending = sort_arg(request, INSTALLER_SORTABLE, BINSERV) or ('version', True)
    found = [i for i in installer_catalog(tenant).installers if predicate(i)]
    # A stable secondary order (name, then id) keeps pages from overlapping when many records tie on the sort field.
    found.sort(key=lambda i: (i.record['name'], i.sha256))
    found.sort(key=sort_key(field), reverse=descending)
    return found


def _page(request, tenant):
    """offset (0 = the first in sort order) and limit (default 100, max 500); pagination.offset is the next offset
    (what the installer API returns there is UNVERIFIED; the next offset is safe for clients that loop on it and for
    those that count records, as for policies, API behaviour 5.1)."""
    limit = int_arg(request, 'limit', 100, 1, LIMIT_MAX, BINSERV)
    offset = int_arg(request, 'offset', 0, 0, None, BINSERV)
    found = _select(request, tenant)
    page = found[offset : offset + limit]
    return page, {'offset': offset + len(page), 'limit': limit, 'total': len(found)}


def query_installers(app, request, tenant):
    """GET /sensors/queries/installers/v{1,2,3}: installer ids (sha256)."""
    del app
    page, pagination = _page(request, tenant)
    return ok(request, [i.sha256 for i in page], BINSERV, pagination=pagination)


def combined_installers(app, request, tenant):
    """GET /sensors/combined/installers/v{1,2,3}: full records."""
    del app
    page, pagination = _page(request, tenant)
    return ok(request, [dict(i.record) for i in page], BINSERV, pagination=pagination)


def get_installers(app, request, tenant):
    """GET /sensors/entities/installers/v{1,2,3}?ids=: records in request order.

    The spec lists 200, 207 and 404: unknown ids give an error each, 207 when some were found, 404 when none was
    (the messages are UNVERIFIED).
    """
    del app
    ids = unique(request.args('ids'))
    if not ids:
        raise ApiError(400, 'ids is required: the sha256 of one or more installers', powered_by=BINSERV)
    by_id = installer_catalog(tenant).by_id
    found = [dict(by_id[i].record) for i in ids if i in by_id]
    errors = [{'code': 404, 'message': 'installer %s not found' % i, 'id': i} for i in ids if i not in by_id]
    if errors and not found:
        raise ApiError(404, errors[0]['message'], powered_by=BINSERV, errors=errors, resources=[])
    return ok(request, found, BINSERV, status=207 if errors else 200, errors=errors)


def download_installer(app, request, tenant):
    """GET /sensors/entities/download-installer/v{1,2,3}?id=<sha256>: the file's bytes (application/octet-stream),
    streamed in chunks. A missing id is a 400 and an unknown one a 404 envelope (the spec's statuses)."""
    del app
    sha = (request.arg('id') or '').strip()
    if not sha:
        raise ApiError(400, 'id is required: the sha256 of the installer to download', powered_by=BINSERV)
    installer = installer_catalog(tenant).by_id.get(sha)
    if installer is None:
        raise ApiError(404, 'installer %s not found' % sha, powered_by=BINSERV)
    file = installer.file
    response = Response(200)
    response.stream = StreamBody(file.size, file.chunks)
    return response


def get_ccid(app, request, tenant):
    """GET /sensors/queries/installers/ccid/v1: resources[0] is the CID with its checksum (C1D0...A001-XX)."""
    del app
    return ok(request, [ccid(tenant.cid)], BINSERV)


def _routes():
    """(method, path) -> (handler, scope) for every version."""
    scope = 'sensor-installers:read'
    routes = {('GET', '/sensors/queries/installers/ccid/v1'): (get_ccid, scope)}
    for version in VERSIONS:
        routes[('GET', '/sensors/queries/installers/%s' % version)] = (query_installers, scope)
        routes[('GET', '/sensors/combined/installers/%s' % version)] = (combined_installers, scope)
        routes[('GET', '/sensors/entities/installers/%s' % version)] = (get_installers, scope)
        routes[('GET', '/sensors/entities/download-installer/%s' % version)] = (download_installer, scope)
    return routes


ROUTES = _routes()
