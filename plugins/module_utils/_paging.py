# -*- coding: utf-8 -*-
# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pagination helpers: numeric offset, scroll token, and batching of entity ids. Internal use only."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconApiError, FalconConfigError


def _limit_check(limit):
    """Return limit (None or a positive int); FalconConfigError otherwise."""
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise FalconConfigError('limit must be a whole number of 0 or more, got %r.' % (limit,))
    return limit


def iter_offset(client, path, params=None, page_size=5000, limit=None):
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


def scroll_pages(client, path, params=None, page_size=10000, limit=None):
    """Yield each answer of a scroll endpoint (string offset token) until total, limit, an empty page or an empty token."""
    limit = _limit_check(limit)
    if limit == 0:
        return
    params = dict(params or {})
    params.pop('offset', None)
    token = None
    seen = 0
    while True:
        size = page_size if limit is None else min(page_size, limit - seen)
        query = dict(params, limit=size)
        if token:
            query['offset'] = token
        response = client.request('GET', path, params=query)
        yield response
        resources = response.resources
        seen += len(resources)
        # The last page still carries a token, and the call after it returns nothing (seen in the wild):
        # stop on the count instead of spending that call.
        previous, token = token, response.pagination.get('offset')
        total = response.pagination.get('total')
        if not resources or not token or not isinstance(token, str):
            return
        if token == previous:
            # The same offset again would return the same page forever: stop with a clear error instead of hanging.
            raise FalconApiError('The API returned the same scroll offset twice for %s; paging cannot go on (%d '
                                 'results read). Run the task again.' % (path, seen), status=response.status,
                                 trace_id=response.trace_id)
        if limit is not None and seen >= limit:
            return
        if isinstance(total, int) and not isinstance(total, bool) and seen >= total:
            return


def iter_scroll(client, path, params=None, page_size=10000, limit=None):
    """Yield resources of a scroll endpoint (string offset token); stop on empty resources or an empty token."""
    seen = 0
    for response in scroll_pages(client, path, params, page_size, limit):
        for item in response.resources:
            yield item
            seen += 1
            if limit is not None and seen >= limit:
                return


def batched(items, size):
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
