# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the falcon_hosts inventory reads from one tenant, in the fewest calls, as plain data. Internal use only."""

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconApiError, FalconError
from ansible_collections.secops.falcon.plugins.module_utils._host_groups import host_group_names, mssp_children
from ansible_collections.secops.falcon.plugins.module_utils._hosts import get_devices, query_device_ids
from ansible_collections.secops.falcon.plugins.module_utils._paging import iter_offset

HIDDEN_PATH = '/devices/queries/devices-hidden/v1'
# The hidden-hosts query is a numeric-offset endpoint: 5000 a page (API behaviour 4.1 limits).
HIDDEN_PAGE = 5000
SCOPE_NAMES = {
    'devices:read': 'Hosts: Read',
    'host-group:read': 'Host groups: Read',
    'mssp:read': 'Flight Control: Read',
}


def _merged(first, second):
    """first then the ids of second not in first (order kept)."""
    seen = set(first)
    return list(first) + [i for i in second if not (i in seen or seen.add(i))]


class Selection:
    """What to read: the FQL of the wanted hosts, of the excluded ones, hidden hosts too, and the fields to keep."""

    def __init__(self, fql=None, exclude_fql=None, include_hidden=False, fields=None, host_groups=True):
        self.fql = fql
        self.exclude_fql = exclude_fql
        self.include_hidden = include_hidden
        self.fields = fields
        self.host_groups = host_groups


def is_missing_scope(err):
    """True for the gateway's 403 'access denied, scope not permitted' (API behaviour 6.3)."""
    return isinstance(err, FalconError) and err.status == 403


def scope_error(err, scope, what):
    """A FalconApiError that names the scope the API client lacks."""
    return FalconApiError(
        'The API client may not %s: it needs the API scope %s (%s) in the Falcon console'
        % (what, scope, SCOPE_NAMES.get(scope, scope)),
        status=err.status,
        trace_id=err.trace_id,
        errors=err.errors,
    )


def _device_ids(client, fql, what):
    """The ids of the hosts fql selects (scroll, 10000 a call); errors name the filter or the missing scope."""
    try:
        return query_device_ids(client, fql).ids
    except FalconApiError as err:
        if is_missing_scope(err):
            raise scope_error(err, 'devices:read', 'read hosts')
        if err.status == 500 and fql:
            # The scroll endpoint often answers a bad filter with 500 instead of 400 (API behaviour 9.5).
            raise FalconApiError(
                'The hosts query failed with the %s %r: the API answers some bad filters with HTTP 500; '
                'check the filter' % (what, fql),
                status=err.status,
                trace_id=err.trace_id,
                errors=err.errors,
            )
        raise


def _hidden_ids(client, fql):
    """The ids of hidden hosts fql selects (they never appear in the normal queries, API behaviour 4.4)."""
    params = {'filter': fql} if fql else {}
    try:
        return [i for i in iter_offset(client, HIDDEN_PATH, params, page_size=HIDDEN_PAGE) if isinstance(i, str)]
    except FalconApiError as err:
        if is_missing_scope(err):
            raise scope_error(err, 'devices:read', 'read hidden hosts')
        raise


def fetch_tenant(client, selection, warn, strict_permissions=False):
    """Return {'devices': [...], 'host_groups': {id: name}, 'warnings': [...]} for one tenant.

    Calls: ceil(n / 10000) scroll pages, ceil(n / 5000) details, plus one host-group call per 5000 groups (and the same
    again for exclude_filter and hidden hosts when set). Enrichment refused for lack of scope warns (or raises with
    strict_permissions).
    """
    warnings = []
    ids = _device_ids(client, selection.fql, 'filter')
    if selection.include_hidden:
        ids = _merged(ids, _hidden_ids(client, selection.fql))
    if selection.exclude_fql:
        excluded = set(_device_ids(client, selection.exclude_fql, 'exclude_filter'))
        if selection.include_hidden:
            excluded.update(_hidden_ids(client, selection.exclude_fql))
        ids = [i for i in ids if i not in excluded]
    devices = get_devices(client, ids, selection.fields)
    groups = {}
    if selection.host_groups:
        try:
            groups = host_group_names(client)
        except FalconApiError as err:
            if not is_missing_scope(err) or strict_permissions:
                raise scope_error(err, 'host-group:read', 'read host groups') if is_missing_scope(err) else err
            message = (
                'Host group names are left out: the API client lacks the scope host-group:read (Host groups: Read), '
                'so the host groups are not resolved from their ids (set strict_permissions: true to fail instead).'
            )
            warnings.append(message)
            warn(message)
    return {'devices': devices, 'host_groups': groups, 'warnings': warnings}


def children_of(client):
    """[(CID, name)] of an MSSP parent's children; a missing scope is named."""
    try:
        return mssp_children(client)
    except FalconApiError as err:
        if is_missing_scope(err):
            raise scope_error(err, 'mssp:read', 'list its MSSP children (member_cids: all)')
        raise
