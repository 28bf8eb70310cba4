# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host groups and MSSP (Flight Control) children: the reads the inventory needs. Internal use only."""

from ansible_collections.secops.falcon.plugins.module_utils._paging import batched, iter_offset

HOST_GROUPS_PATH = '/devices/combined/host-groups/v1'
CHILDREN_QUERY_PATH = '/mssp/queries/children/v1'
# getChildrenV2 in FalconPy's endpoint table: a POST with an ids body (the GET /mssp/entities/children/v1 is older).
CHILDREN_DETAILS_PATH = '/mssp/entities/children/GET/v2'
# The combined host-groups endpoint takes limit 1..5000 (spec).
HOST_GROUPS_PAGE = 5000
# The spec gives no maximum for queryChildren (default 10); 100 keeps a large MSSP to a few calls.
CHILDREN_PAGE = 100
CHILDREN_BATCH = 500


def host_group_names(client):
    """Return {host group id: name} of the tenant (scope host-group:read), in one call per 5000 groups."""
    names = {}
    for group in iter_offset(client, HOST_GROUPS_PATH, page_size=HOST_GROUPS_PAGE):
        if isinstance(group, dict) and group.get('id'):
            names[str(group['id'])] = str(group.get('name') or group['id'])
    return names


def mssp_children(client):
    """Return [(child CID lower-case, name or None)] of the parent's children (scope mssp:read)."""
    cids = []
    for cid in iter_offset(client, CHILDREN_QUERY_PATH, page_size=CHILDREN_PAGE):
        if isinstance(cid, str) and cid.strip() and cid.strip().lower() not in cids:
            cids.append(cid.strip().lower())
    names = {}
    for batch in batched(cids, CHILDREN_BATCH):
        # A read sent as POST: safe to retry. 207 = some CIDs unknown, the rest still listed.
        response = client.request('POST', CHILDREN_DETAILS_PATH, json={'ids': batch}, ok=(200, 207), idempotent=True)
        for link in response.resources:
            if isinstance(link, dict) and link.get('child_cid'):
                names[str(link['child_cid']).lower()] = link.get('name')
    return [(cid, names.get(cid)) for cid in cids]
