# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pagination helpers: numeric offset, scroll token, and batching of entity ids. Internal use only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconApiError, FalconConfigError

if TYPE_CHECKING:  # names of the annotations only (no import at run time: no cycle, nothing for the targets)
    from collections.abc import Iterable, Iterator

    from ansible_collections.secops.falcon.plugins.module_utils._http import FalconClient


def _limit_check(limit):
    """Return limit (None or a positive int); FalconConfigError otherwise."""
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise FalconConfigError('limit must be a whole number of 0 or more, got %r.' % (limit,))
    return limit


def iter_offset(
    client: FalconClient, path: str, params: dict | None = None, page_size: int = 5000, limit: int | None = None
) -> Iterator[str]:
    """Yield resources across pages of a numeric-offset endpoint; stop at total, an empty page or limit."""
    limit = _limit_check(limit)
    if limit == 0:
        return
    params = dict(params or {})
    offset = int(params.pop('offset', 0) or 0)
    seen = 0
    while True:
        size = page_size if limit is None else min(page_size, limit - seen)
        query = dict(params, offset=offset, limit=size)
        response = client.request('GET', path, params=query)
        resources = response.resources
        for item in resources:
            yield item
            seen += 1
            if limit is not None and seen >= limit:
                return
        if not resources:
            return
        pagination = response.pagination
        total = pagination.get('total')
        # The API returns the next offset; some endpoints echo the page start, so never go backwards (PSFalcon counts).
        returned = pagination.get('offset')
        next_offset = offset + len(resources)
        if isinstance(returned, int) and not isinstance(returned, bool) and returned > next_offset:
            next_offset = returned
        offset = next_offset
        if isinstance(total, int) and offset >= total:
            return
        if len(resources) < size and not isinstance(total, int):
            return


def scroll_pages(
    client: FalconClient, path: str, params: dict | None = None, page_size: int = 10000, limit: int | None = None
) -> Iterator[list]:
    """Yield each answer of a scroll endpoint until total, limit, an empty page or an empty token.

    The real scroll token is a server-side cursor that may stay the same string on every page (API behaviour 9.1), so a
    repeated token is normal and never compared. Stop on what every CrowdStrike client stops on: the total reached,
    an empty page or offset "". The page count is bounded by ceil(total / page_size) + 1 from the first page's total;
    without any total, two identical pages in a row mean the endpoint is stuck (an error, not an endless loop).
    """
    limit = _limit_check(limit)
    if limit == 0:
        return
    params = dict(params or {})
    params.pop('offset', None)
    token = None
    seen = 0
    pages = 0
    max_pages = None
    previous_page = None
    while True:
        size = page_size if limit is None else min(page_size, limit - seen)
        query = dict(params, limit=size)
        if token:
            query['offset'] = token
        response = client.request('GET', path, params=query)
        pages += 1
        yield response
        resources = response.resources
        seen += len(resources)
        previous_token, token = token, response.pagination.get('offset')
        total = response.pagination.get('total')
        has_total = isinstance(total, int) and not isinstance(total, bool)
        if not resources or not token or not isinstance(token, str):
            return
        if limit is not None and seen >= limit:
            return
        if has_total and seen >= total:
            return
        if max_pages is None and has_total:
            max_pages = -(-total // page_size) + 1
        if max_pages is not None and pages >= max_pages:
            return
        if max_pages is None:
            page = (token, resources)
            if token == previous_token and page == previous_page:
                raise FalconApiError(
                    'The API returned the same scroll page twice for %s with no total; paging cannot '
                    'go on (%d results read). Run the task again.' % (path, seen),
                    status=response.status,
                    trace_id=response.trace_id,
                )
            previous_page = page


def batched(items: Iterable, size: int) -> Iterator[list]:
    """Yield lists of at most size items (the API's per-call id limits)."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError('batch size must be a positive integer, got %r' % (size,))
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
