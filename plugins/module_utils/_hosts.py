# -*- coding: utf-8 -*-
# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hosts (devices) API helpers: id validation, queries, details, actions, waiting. Internal use only."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time

from ansible_collections.secops.falcon.plugins.module_utils._errors import (
    FalconApiError, FalconAuthError, FalconConfigError, FalconError,
)
from ansible_collections.secops.falcon.plugins.module_utils._fql import in_list_batches
from ansible_collections.secops.falcon.plugins.module_utils._paging import batched, scroll_pages

QUERY_PATH = '/devices/queries/devices/v1'
SCROLL_PATH = '/devices/queries/devices-scroll/v1'
DETAILS_PATH = '/devices/entities/devices/v2'
ACTION_PATH = '/devices/entities/devices-actions/v2'

# The plain query caps limit at 5000 and offset + limit below 10000; the scroll takes up to 10000 per call, no cap.
QUERY_MAX_LIMIT = 5000
SCROLL_MAX_LIMIT = 10000
# POST /devices/entities/devices/v2 accepts up to 5000 ids per call.
DETAILS_BATCH = 5000
# contain / lift_containment: 500 ids per call is the limit the official clients use.
ACTION_BATCH = 500

# Host status values of the device record and where containment moves them.
STATUS_NORMAL = 'normal'
STATUS_CONTAINMENT_PENDING = 'containment_pending'
STATUS_CONTAINED = 'contained'
STATUS_LIFT_PENDING = 'lift_containment_pending'

AID_RE = re.compile(r'^[0-9a-fA-F]{32}$')
AID_IN_TEXT_RE = re.compile(r'\b[0-9a-fA-F]{32}\b')


def validate_ids(ids, what='host id'):
    """Return ids lowercased and de-duplicated (order kept); FalconConfigError names every malformed one."""
    bad = [i for i in ids if not isinstance(i, str) or not AID_RE.match(i)]
    if bad:
        raise FalconConfigError('Invalid %s %s: each must be 32 hexadecimal characters (e.g. %s).'
                                % (what, ', '.join(repr(b) for b in bad), '0123456789abcdef' * 2))
    return unique(i.lower() for i in ids)


def unique(values):
    """Return values without duplicates, keeping the first occurrence's order."""
    seen = set()
    out = []
    for value in values:
        if value not in seen:
            seen.add(value)
            out.append(value)
    return out


def filter_error(err, fql):
    """Return a FalconApiError that names the rejected FQL filter when the API answered 400 to it, else err."""
    if isinstance(err, FalconApiError) and err.status == 400 and fql:
        api = '; '.join(str(e.get('message')) for e in (err.errors or []) if isinstance(e, dict) and e.get('message'))
        return FalconApiError('The API rejected the FQL filter %r: %s' % (fql, api or err.message),
                              status=err.status, trace_id=err.trace_id, errors=err.errors)
    return err


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


def get_devices(client, ids, fields=None):
    """Return device records for ids in the order asked, skipping unknown ids (POST details, 5000 per call).

    fields: keep only these keys (plus device_id and hostname) of each record as it arrives, so a large selection
    never holds every full record in memory at once.
    """
    keep = None if not fields else frozenset(fields) | frozenset(['device_id', 'hostname'])
    found = {}
    for batch in batched(list(ids), DETAILS_BATCH):
        # A read sent as POST (the GET takes only 100 ids): safe to retry.
        response = client.request('POST', DETAILS_PATH, json={'ids': batch}, idempotent=True)
        for device in response.resources:
            if isinstance(device, dict) and device.get('device_id'):
                if keep is not None:
                    device = dict((k, v) for k, v in device.items() if k in keep)
                found[device['device_id'].lower()] = device
    return [found[i.lower()] for i in ids if i.lower() in found]


def find_hosts(client, ids=None, hostnames=None, fql=None, sort=None, limit=None, stop_above=None, fields=None):
    """Resolve a host selection to (devices, total, not_found); exactly one of ids, hostnames or fql, or none for all.

    Hostnames are matched exactly (case-insensitive) even if the API's FQL would also match longer names, so a
    request for 'web-1' never selects 'web-10'. stop_above: see query_device_ids; then devices is None.
    """
    if ids is not None:
        wanted = validate_ids(ids)
        if stop_above is not None and len(wanted) > stop_above:
            return None, len(wanted), []
        devices = get_devices(client, wanted, fields)
        have = set(d['device_id'].lower() for d in devices)
        return devices, len(devices), [i for i in wanted if i not in have]
    if hostnames is not None:
        # A blank name (often an unset variable) must not shrink the selection silently: for a containment that would
        # turn "contain web-01" into a successful no-op.
        blank = [h for h in hostnames if not isinstance(h, str) or not h.strip()]
        if blank:
            raise FalconConfigError('Invalid hostname %s: hostnames must not be empty.' % ', '.join(repr(b) for b in blank))
        names = unique(h.strip() for h in hostnames)
        device_ids = []
        total = 0
        for fql_batch, _values in in_list_batches('hostname', names):
            query = query_device_ids(client, fql_batch, sort=sort)
            device_ids.extend(query.ids)
            total += query.total
            if stop_above is not None and total > stop_above:
                return None, total, []
        wanted = set(n.lower() for n in names)
        devices = [d for d in get_devices(client, unique(device_ids), fields) if str(d.get('hostname', '')).lower() in wanted]
        matched = set(str(d.get('hostname', '')).lower() for d in devices)
        return devices, len(devices), [n for n in names if n.lower() not in matched]
    query = query_device_ids(client, fql, sort=sort, limit=limit, stop_above=stop_above)
    if stop_above is not None and query.total > stop_above:
        return None, query.total, []
    return get_devices(client, query.ids, fields), query.total, []


class ActionResult:
    """Per-host outcome of a device action: accepted ids, unchanged ids (409) and failed {id: reason}."""

    def __init__(self):
        self.accepted = []
        self.unchanged = []
        self.failed = {}
        self.requests = 0


def _error_host(error, batch_ids):
    """Return the host id an API error entry is about (its id field or an id in its message), else None."""
    candidate = str(error.get('id') or '').lower()
    if candidate in batch_ids:
        return candidate
    for match in AID_IN_TEXT_RE.findall(str(error.get('message') or '')):
        if match.lower() in batch_ids:
            return match.lower()
    return None


def _reason(code, message):
    """Format one API error as a short reason."""
    return '%s: %s' % (code, message) if code else str(message)


def _classify(result, batch, status, resources, errors, batch_reason):
    """Sort one batch's hosts into accepted / unchanged / failed from the response's resources and errors."""
    batch_ids = set(batch)
    decided = set()
    # Errors that name no host of the batch: with them, a 2xx no longer vouches for hosts it does not list.
    unattributed = []
    for error in errors or []:
        if not isinstance(error, dict):
            continue
        host = _error_host(error, batch_ids)
        if host is None:
            unattributed.append(_reason(error.get('code'), error.get('message')))
            continue
        if host in decided:
            continue
        decided.add(host)
        # 409 per host means "already in the requested state": nothing to do, not a failure.
        if error.get('code') == 409:
            result.unchanged.append(host)
        else:
            result.failed[host] = _reason(error.get('code'), error.get('message'))
    for resource in resources or []:
        host = str(resource.get('id') or '').lower() if isinstance(resource, dict) else ''
        if host in batch_ids and host not in decided:
            decided.add(host)
            result.accepted.append(host)
    # A 2xx that lists affected hosts (msa.ReplyAffectedEntities) or carries errors has spoken per host: a host it
    # leaves out was not confirmed, so it must not be reported as contained.
    itemised = bool(decided) or bool(unattributed)
    for host in batch:
        if host in decided:
            continue
        # Hosts the response does not mention share the fate of the whole response.
        if status in (200, 202) and itemised:
            result.failed[host] = 'not confirmed: HTTP %s did not list this host%s' % (
                status, ' (%s)' % '; '.join(unattributed) if unattributed else '')
        elif status in (200, 202):
            result.accepted.append(host)
        elif status == 409:
            result.unchanged.append(host)
        else:
            result.failed[host] = batch_reason


def device_action(client, action, ids, batch_size=ACTION_BATCH):
    """Run action (contain, lift_containment) on ids in batches; return an ActionResult with a fate for every id.

    A refusal of the client itself (401 after re-auth, 403) stops further batches: the rest would be refused too.
    """
    result = ActionResult()
    refused = None
    for batch in batched([i.lower() for i in ids], batch_size):
        if refused:
            for host in batch:
                result.failed[host] = 'not sent: an earlier request was refused (%s)' % refused
            continue
        result.requests += 1
        try:
            response = client.request('POST', ACTION_PATH, params={'action_name': action}, json={'ids': batch},
                                      ok=(200, 202, 409))
        except FalconAuthError as err:
            refused = str(err)
            _classify(result, batch, err.status, [], [], refused)
            continue
        except FalconError as err:
            # 5xx, exhausted 429 retries or a lost connection: this batch failed, later ones may still work.
            if err.status == 403:
                refused = str(err)
            _classify(result, batch, err.status, [], err.errors, str(err))
            continue
        _classify(result, batch, response.status, response.resources, response.errors,
                  'HTTP %s' % response.status)
    return result


def wait_for_status(client, wanted, timeout, interval, sleep=time.sleep, clock=time.monotonic):
    """Poll details until every host in wanted ({id: final status}) has it; return {id: last device record}.

    Hosts still short of their final status when timeout (seconds) runs out keep their last record.
    """
    latest = {}
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
