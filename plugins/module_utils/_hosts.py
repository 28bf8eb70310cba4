# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hosts (devices) API helpers: id validation, queries, details, actions, waiting. Internal use only."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from ansible_collections.secops.falcon.plugins.module_utils._errors import (
    FalconApiError,
    FalconAuthError,
    FalconConfigError,
    FalconError,
)
from ansible_collections.secops.falcon.plugins.module_utils._fql import any_of_batches, filter_error
from ansible_collections.secops.falcon.plugins.module_utils._ids import unique, validate_hex32_ids
from ansible_collections.secops.falcon.plugins.module_utils._paging import batched, scroll_pages
from ansible_collections.secops.falcon.plugins.module_utils._parallel import bounded_map
from ansible_collections.secops.falcon.plugins.module_utils._text import api_reason

if TYPE_CHECKING:  # names of the annotations only (no import at run time: no cycle, nothing for the targets)
    from ansible_collections.secops.falcon.plugins.module_utils._http import FalconClient


QUERY_PATH = '/devices/queries/devices/v1'
SCROLL_PATH = '/devices/queries/devices-scroll/v1'
DETAILS_PATH = '/devices/entities/devices/v2'
ACTION_PATH = '/devices/entities/devices-actions/v2'

# The plain query caps limit at 5000 and offset + limit below 10000; the scroll takes up to 10000 per call, no cap.
QUERY_MAX_LIMIT = 5000
SCROLL_MAX_LIMIT = 10000
# POST /devices/entities/devices/v2 accepts up to 5000 ids per call.
DETAILS_BATCH = 5000
# contain / lift_containment: CrowdStrike's Falcon-Toolkit sends 100 ids per call; the real per-call maximum is not
# documented (API behaviour 9.4), so a batch the API refuses as a whole is split and the smaller size kept.
ACTION_BATCH = 100
# Statuses of a devices-actions answer whose body still speaks per host: a mixed batch answers 207, 400 or 409 and
# lists the accepted hosts in resources (API behaviour 9.4); 404 lists unknown ids.
ACTION_ANSWERS = (200, 202, 207, 400, 404, 409)
# A batch refused as a whole (nothing accepted, no host named) with one of these is retried in smaller batches.
BATCH_REFUSED = (400, 413)
# Characters that make a hostname a pattern in FQL; hostnames are matched exactly, patterns belong in filter.
HOSTNAME_WILDCARDS = ('*',)

# Host status values of the device record and where containment moves them.
STATUS_NORMAL = 'normal'
STATUS_CONTAINMENT_PENDING = 'containment_pending'
STATUS_CONTAINED = 'contained'
STATUS_LIFT_PENDING = 'lift_containment_pending'

# The pause between status reads (a module attribute, so tests can record it instead of sleeping).
_sleep = time.sleep

AID_IN_TEXT_RE = re.compile(r'\b[0-9a-fA-F]{32}\b')


def validate_ids(ids: list[str], what: str = 'host id') -> list[str]:
    """Return device ids lowercased and de-duplicated; FalconConfigError names every malformed one."""
    return validate_hex32_ids(ids, what)


class DeviceQuery:
    """The device ids a query returned and the API's count of all matches (may exceed len(ids) with a limit)."""

    def __init__(self, ids, total):
        self.ids = ids
        self.total = total


def _total(response, default):
    """Read meta.pagination.total, falling back to default when the API omits it."""
    total = response.pagination.get('total')
    return total if isinstance(total, int) else default


def query_device_ids(client, fql=None, sort=None, limit=None, stop_above=None):
    """Return a DeviceQuery for the hosts matching fql, in the fewest calls.

    A limit of at most 5000 fits one plain query call. Anything larger (or unknown) uses the scroll endpoint,
    which returns 10000 ids per call and has no offset cap. stop_above: stop after the first page when the
    API's total exceeds it (the caller will refuse the selection, so there is no point in reading it all).
    """
    base = {}
    if fql:
        base['filter'] = fql
    if sort:
        base['sort'] = sort
    if limit is not None and limit <= QUERY_MAX_LIMIT:
        params = dict(base, limit=limit, offset=0)
        try:
            response = client.request('GET', QUERY_PATH, params=params)
        except FalconApiError as err:
            raise filter_error(err, fql)
        ids = unique(response.resources)[:limit]
        return DeviceQuery(ids, _total(response, len(ids)))
    return _scroll(client, base, limit, stop_above, fql)


def _scroll(client, base, limit, stop_above, fql):
    """Page the scroll endpoint until total, limit, an empty page or an empty token (or total above stop_above)."""
    ids = []
    seen = set()
    total = None
    pages = 0
    try:
        for response in scroll_pages(client, SCROLL_PATH, base, page_size=SCROLL_MAX_LIMIT, limit=limit):
            pages += 1
            for device_id in response.resources:
                if device_id not in seen:
                    seen.add(device_id)
                    ids.append(device_id)
            total = _total(response, len(ids)) if total is None else total
            if stop_above is not None and total > stop_above:
                break
    except FalconApiError as err:
        # Only the first page can be the filter's fault; a 400 on a later page is the scroll's own (an expired offset).
        raise filter_error(err, fql) if pages == 0 else err
    if limit is not None:
        ids = ids[:limit]
    return DeviceQuery(ids, max(total or 0, len(ids)))


def get_devices(client: FalconClient, ids: list[str], fields: list[str] | None = None) -> list[dict]:
    """Return device records for ids in the order asked, skipping unknown ids (POST details, 5000 per call).

    fields: keep only these keys (plus device_id and hostname) of each record as it arrives, so a large selection
    never holds every full record in memory at once.
    """
    keep = None if not fields else frozenset(fields) | frozenset(['device_id', 'hostname'])
    found = {}
    # A read sent as POST (the GET takes only 100 ids): safe to retry. A few batches overlap (_parallel).
    responses = bounded_map(
        lambda batch: client.request('POST', DETAILS_PATH, json={'ids': batch}, idempotent=True),
        batched(list(ids), DETAILS_BATCH),
    )
    for response in responses:
        for device in response.resources:
            if isinstance(device, dict) and device.get('device_id'):
                if keep is not None:
                    device = dict((k, v) for k, v in device.items() if k in keep)
                found[device['device_id'].lower()] = device
    return [found[i.lower()] for i in ids if i.lower() in found]


def _check_hostnames(hostnames):
    """Return the hostnames stripped and de-duplicated; FalconConfigError for blank names or wildcards."""
    # A blank name (often an unset variable) must not shrink the selection silently: for a containment that would
    # turn "contain web-01" into a successful no-op.
    blank = [h for h in hostnames if not isinstance(h, str) or not h.strip()]
    if blank:
        raise FalconConfigError('Invalid hostname %s: hostnames must not be empty.' % ', '.join(repr(b) for b in blank))
    patterns = [h for h in hostnames if any(c in h for c in HOSTNAME_WILDCARDS)]
    if patterns:
        raise FalconConfigError(
            'Invalid hostname %s: hostnames are matched exactly, so a wildcard (*) matches nothing; '
            'use filter for patterns, for example "hostname:\'web-*\'".' % ', '.join(repr(p) for p in patterns)
        )
    return unique(h.strip() for h in hostnames)


def find_by_hostnames(
    client: FalconClient, hostnames: list[str], sort: str | None = None, fields: list[str] | None = None
):
    """Return (devices whose hostname equals one of hostnames, case-insensitive; names not found).

    The real API's list form hostname:['a','b'] is exact and case-sensitive, so 'host-1' would miss 'HOST-1'; the
    single form hostname:'a' is case-insensitive but a prefix match (API behaviour 9.2). So: one query of OR'd single
    forms per batch (the fewest calls), then the exact, case-insensitive match here, which drops the prefix's extra
    hosts.
    """
    names = _check_hostnames(hostnames)
    device_ids = []
    for fql_batch, _values in any_of_batches('hostname', names):
        device_ids.extend(query_device_ids(client, fql_batch, sort=sort).ids)
    wanted = set(n.lower() for n in names)
    devices = [
        d for d in get_devices(client, unique(device_ids), fields) if str(d.get('hostname', '')).lower() in wanted
    ]
    matched = set(str(d.get('hostname', '')).lower() for d in devices)
    return devices, [n for n in names if n.lower() not in matched]


def find_hosts(client, ids=None, hostnames=None, fql=None, sort=None, limit=None, stop_above=None, fields=None):
    """Resolve a host selection to (devices, total, not_found); exactly one of ids, hostnames or fql, or none for all.

    Hostnames are matched exactly (case-insensitive) even if the API's FQL also matches longer names, so a request
    for 'web-1' never selects 'web-10'. stop_above: return devices None when the selection has more hosts; for
    hostnames that is counted after the exact match, never on the API's broader prefix count.
    """
    if ids is not None:
        wanted = validate_ids(ids)
        if stop_above is not None and len(wanted) > stop_above:
            return None, len(wanted), []
        devices = get_devices(client, wanted, fields)
        have = set(d['device_id'].lower() for d in devices)
        return devices, len(devices), [i for i in wanted if i not in have]
    if hostnames is not None:
        devices, not_found = find_by_hostnames(client, hostnames, sort=sort, fields=fields)
        if stop_above is not None and len(devices) > stop_above:
            return None, len(devices), []
        return devices, len(devices), not_found
    if fql is not None and not fql.strip():
        # An all-blank filter would read (or act on) the whole fleet; no selector at all is the way to ask for that.
        raise FalconConfigError(
            'filter %r is blank; give an FQL filter, or leave filter out to select every host.' % fql
        )
    query = query_device_ids(client, fql, sort=sort, limit=limit, stop_above=stop_above)
    if stop_above is not None and query.total > stop_above:
        return None, query.total, []
    return get_devices(client, query.ids, fields), query.total, []


class ActionResult:
    """Per-host outcome of a device action.

    accepted: ids the API took; unchanged: already in that state (409); failed: {id: reason} refused;
    unknown: {id: reason} the request may or may not have reached (a timeout or 5xx on the write).
    """

    def __init__(self):
        self.accepted = []
        self.unchanged = []
        self.failed = {}
        self.unknown = {}
        self.requests = 0
        self.batch_size = None


def _error_host(error, batch_ids):
    """Return the host id an API error entry is about (its id field or an id in its message), else None."""
    candidate = str(error.get('id') or '').lower()
    if candidate in batch_ids:
        return candidate
    for match in AID_IN_TEXT_RE.findall(str(error.get('message') or '')):
        if match.lower() in batch_ids:
            return match.lower()
    return None


def _accepted_ids(resources, batch_ids):
    """Return the ids of batch_ids that resources lists (the hosts the API accepted)."""
    out = []
    for resource in resources or []:
        host = str(resource.get('id') or '').lower() if isinstance(resource, dict) else ''
        if host in batch_ids and host not in out:
            out.append(host)
    return out


def _refused_as_a_whole(response, batch):
    """True when a batch of several hosts was refused with nothing accepted and no host named (too large)."""
    if len(batch) < 2 or response.status not in BATCH_REFUSED:
        return False
    batch_ids = set(batch)
    if _accepted_ids(response.resources, batch_ids):
        return False
    return not any(_error_host(e, batch_ids) for e in response.errors)


def _classify(result, batch, status, resources, errors, batch_reason):
    """Sort one batch's hosts into accepted / unchanged / failed from the answer's resources and errors.

    Whatever the HTTP status (a mixed batch answers 207, 400 or 409, API behaviour 9.4), a host listed in resources was
    accepted and is never reported as failed; a host named in errors has that error's fate.
    """
    batch_ids = set(batch)
    decided = set()
    for host in _accepted_ids(resources, batch_ids):
        decided.add(host)
        result.accepted.append(host)
    # Errors that name no host of the batch: with them, a 2xx no longer vouches for hosts it does not list.
    unattributed = []
    for error in errors or []:
        if not isinstance(error, dict):
            continue
        host = _error_host(error, batch_ids)
        if host is None:
            unattributed.append(api_reason(error.get('code'), error.get('message')))
            continue
        if host in decided:
            continue
        decided.add(host)
        # 409 per host means "already in the requested state": nothing to do, not a failure.
        if error.get('code') == 409:
            result.unchanged.append(host)
        else:
            result.failed[host] = api_reason(error.get('code'), error.get('message'))
    # An answer that lists affected hosts or carries errors has spoken per host: a host it leaves out was not
    # confirmed, so it must not be reported as contained.
    itemised = bool(decided) or bool(unattributed)
    for host in batch:
        if host in decided:
            continue
        if status in (200, 202) and itemised:
            result.failed[host] = 'not confirmed: HTTP %s did not list this host%s' % (
                status,
                ' (%s)' % '; '.join(unattributed) if unattributed else '',
            )
        elif status in (200, 202):
            result.accepted.append(host)
        elif status == 409 and not itemised:
            result.unchanged.append(host)
        else:
            result.failed[host] = '%s%s' % (batch_reason, ' (%s)' % '; '.join(unattributed) if unattributed else '')


def _may_have_been_applied(err):
    """True when a failed write may still have reached the API: no answer (timeout, lost connection) or a 5xx."""
    if isinstance(err, FalconAuthError):
        return False
    return err.status is None or (isinstance(err.status, int) and err.status >= 500)


def device_action(client: FalconClient, action: str, ids: list[str], batch_size: int = ACTION_BATCH) -> ActionResult:
    """Run action (contain, lift_containment) on ids in batches; return an ActionResult with a fate for every id.

    A batch the API refuses as a whole (too large) is sent again in halves, and the smaller size is kept for the
    rest: never more per call than the API accepted. A refusal of the client itself (401 after re-auth, 403), or a
    single host refused as a whole, stops further batches: the rest would be refused too.
    """
    result = ActionResult()
    remaining = [i.lower() for i in ids]
    size = batch_size
    refused = None
    while remaining:
        batch = remaining[:size]
        if refused:
            for host in remaining:
                result.failed[host] = 'not sent: an earlier request was refused (%s)' % refused
            break
        result.requests += 1
        try:
            response = client.request(
                'POST', ACTION_PATH, params={'action_name': action}, json={'ids': batch}, ok=ACTION_ANSWERS
            )
        except FalconError as err:
            if _may_have_been_applied(err):
                # Not retried by the transport (a write may already be applied): the caller reads the status again.
                for host in batch:
                    result.unknown[host] = 'state unknown: the request may have reached the API (%s)' % err
            else:
                # 401 after re-auth, 403, or 429 retries exhausted: the API did not take this batch.
                if isinstance(err, FalconAuthError) or err.status == 403:
                    refused = str(err)
                _classify(result, batch, err.status, [], err.errors, str(err))
            remaining = remaining[len(batch) :]
            continue
        if _refused_as_a_whole(response, batch):
            # Nothing was accepted, so sending the same hosts again in smaller batches is safe.
            size = max(1, len(batch) // 2)
            continue
        reason = 'HTTP %s' % response.status
        if (
            len(batch) == 1
            and response.status in BATCH_REFUSED
            and not _accepted_ids(response.resources, set(batch))
            and not any(_error_host(e, set(batch)) for e in response.errors)
        ):
            # Even one host is refused as a whole: not a size problem, every further call would meet it too.
            refused = '; '.join([reason] + [api_reason(e.get('code'), e.get('message')) for e in response.errors])
        _classify(result, batch, response.status, response.resources, response.errors, reason)
        remaining = remaining[len(batch) :]
    result.batch_size = size
    return result


def wait_for_status(client, wanted, timeout, interval, sleep=None, clock=None, latest=None):
    """Poll details until every host in wanted ({id: final status}) has it; return {id: last device record}.

    Hosts still short of their final status when timeout (seconds) runs out keep their last record. latest: a dict
    filled as the records arrive, so a caller still has them when a read fails half-way (the error propagates).
    """
    sleep = sleep or _sleep
    clock = clock or time.monotonic
    latest = {} if latest is None else latest
    remaining = list(wanted)
    deadline = clock() + timeout
    while remaining:
        for device in get_devices(client, remaining):
            latest[device['device_id'].lower()] = device
        remaining = [i for i in remaining if latest.get(i, {}).get('status') != wanted[i]]
        if not remaining or clock() >= deadline:
            break
        sleep(max(0.0, min(interval, deadline - clock())))
    return latest
