"""GET /devices/queries/devices-scroll/v1: a server-side cursor behind a string offset token (API behaviour 4.2, 9.1).

scroll_token_mode 'constant' (recorded): one token per scroll, the same string on every page; each call moves the
cursor on and renews expires_at (epoch ns); pagination has no limit key; the call after the last page answers
resources [] with {total: 0, offset: ""} and no expires_at. Because the cursor lives on the server, a page whose
answer was lost is not sent again. 'rotating' (the older guess): a new token per page, with limit and expires_at.
"""

import time

from .devices import HOST_FIELDS, HOST_SORTABLE
from .envelope import ApiError, ok
from .params import check_filter, int_arg, sort_arg

DEVICE_API = 'device-api'
EXPIRED = 'The offset token is invalid or has expired; start a new scroll without offset'


def _first_page_hosts(app, request, tenant):
    """Filter and sort of a new scroll; a bad filter answers scroll_bad_filter_status (500 recorded,
    API behaviour 9.5)."""
    sort = sort_arg(request, HOST_SORTABLE, DEVICE_API)
    fql = request.arg('filter')
    mode = app.config.fql_text_match
    check_filter(fql, HOST_FIELDS, time.time(), DEVICE_API, mode, status=app.config.scroll_bad_filter_status)
    return tenant.query(fql, sort, mode=mode)


def _cursor(app, tenant, token, now):
    """The live cursor of a token, or the configured error (scroll_expired_status, 400 by default)."""
    cursor = tenant.scrolls.get(token)
    if cursor is None or cursor.expires <= now:
        raise ApiError(app.config.scroll_expired_status, EXPIRED, powered_by=DEVICE_API)
    return cursor


def _end(request, limit, rotating):
    """The answer after the last page."""
    pagination = {'offset': '', 'total': 0}
    if rotating:
        pagination.update(limit=limit, expires_at=0)
    return ok(request, [], DEVICE_API, pagination=pagination)


def query_scroll(app, request, tenant):
    """One scroll page: `limit` 1..10000 (default 100) ids from the cursor of `offset` (or a new scroll)."""
    limit = int_arg(request, 'limit', 100, 1, 10000, DEVICE_API)
    token = request.arg('offset')
    rotating = app.config.scroll_token_mode == 'rotating'
    ttl = app.config.scroll_ttl
    now = time.time()
    if token:
        cursor = _cursor(app, tenant, token, now)
        hosts, position = cursor.hosts, cursor.position
    else:
        hosts, position = _first_page_hosts(app, request, tenant), 0
    page = hosts[position : position + limit]
    if not page:
        if token and not rotating:
            tenant.open_scroll(hosts, position, ttl, now, token=token)  # a repeated end call gets the end page again
        return _end(request, limit, rotating)
    if rotating:
        # A token may be reused until it expires, so a retried GET gets the same page again.
        token = tenant.open_scroll(hosts, position + len(page), ttl, now)
        pagination = {'offset': token, 'limit': limit, 'total': len(hosts), 'expires_at': int((now + ttl) * 1e9)}
    else:
        token = tenant.open_scroll(hosts, position + len(page), ttl, now, token=token or None)
        pagination = {'offset': token, 'total': len(hosts), 'expires_at': int((now + ttl) * 1e9)}
    return ok(request, [h.device_id for h in page], DEVICE_API, pagination=pagination)
