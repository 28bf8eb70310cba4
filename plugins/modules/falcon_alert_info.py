#!/usr/bin/python
# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: falcon_alert_info
short_description: Read CrowdStrike Falcon alerts by composite id or FQL filter
version_added: 0.1.0
description:
  - Returns alerts of the Falcon Alerts API (endpoint, identity, OverWatch, XDR ...) with the API's field names.
  - Select them by O(ids) (composite ids) or by an FQL O(filter); with neither, every alert is read (bound it with
    O(limit)).
  - A filter search reads full records 1000 at a time with the API's C(after) token, so selections past the 10,000
    cap of offset paging are read completely, in as few calls as possible. O(ids) are read 1000 a call.
  - Read-only; check mode runs it the same way.
options:
  ids:
    description:
      - Composite ids of the alerts (the C(composite_id) field, C(<cid>:ind:<device id>:...) for endpoint alerts).
      - Ids that match no alert are returned in RV(not_found); they do not fail the task.
      - Mutually exclusive with O(filter), O(sort) and O(limit).
    type: list
    elements: str
  filter:
    description:
      - An FQL filter, for example C(severity:>=70+status:'new') or C(device.hostname:'web-01').
      - A filter the API cannot parse fails the task with the API's message.
    type: str
  sort:
    description:
      - The order, C(<field>|asc) or C(<field>|desc), for example C(created_timestamp|desc) (the API's default).
      - Paging runs on live data; sort on a field that does not change (C(created_timestamp), C(composite_id)) so an
        alert updated while it is read cannot move between pages. A duplicate is dropped either way.
    type: str
  limit:
    description: Return at most this many alerts (the first ones in O(sort) order). Without it, every match is returned.
    type: int
extends_documentation_fragment:
  - secops.falcon.common
  - secops.falcon.common.attributes_action_group
  - secops.falcon.common.attributes_read_only
author:
  - secops.falcon maintainers (!UNKNOWN)
notes:
  - Requires the API scope C(alerts:read) (Alerts Read).
"""

EXAMPLES = r"""
- name: New critical and high alerts of the last day
  secops.falcon.falcon_alert_info:
    filter: "severity:>=60+status:'new'+created_timestamp:>'now-1d'"
    sort: created_timestamp|desc
  register: fresh

- name: One alert by composite id
  secops.falcon.falcon_alert_info:
    ids:
      - "{{ alert_composite_id }}"
  register: one

- name: Show the device ids of the hosts of the fresh alerts
  ansible.builtin.debug:
    msg: "{{ fresh.alerts | map(attribute='agent_id') | unique }}"
"""

RETURN = r"""
alerts:
  description:
    - The alert records, with the API's field names (C(composite_id), C(severity), C(severity_name), C(status),
      C(tags), C(assigned_to_name), C(agent_id) (the device id of the alert's host), C(display_name) ...).
    - In request order for O(ids), in O(sort) order for a filter search. Empty when nothing matched.
  returned: always
  type: list
  elements: dict
  sample:
    - composite_id: c1d0000000000000000000000000a001:ind:0123456789abcdef0123456789abcdef:117033563479-10197-1
      severity: 90
      severity_name: Critical
      status: new
      product: epp
      tags: []
      agent_id: 0123456789abcdef0123456789abcdef
      display_name: CredentialDumping on host
total:
  description: How many alerts matched (the API's total for a filter search, which O(limit) may cut short).
  returned: always
  type: int
  sample: 1
not_found:
  description: Requested composite ids that match no alert.
  returned: always
  type: list
  elements: str
  sample: []
msg:
  description: A one-line summary.
  returned: always
  type: str
  sample: Found 1 alert.
"""

from ansible_collections.secops.falcon.plugins.module_utils._alerts import (
    get_alerts,
    search_alerts,
    validate_composite_ids,
)
from ansible_collections.secops.falcon.plugins.module_utils._module import FalconModule
from ansible_collections.secops.falcon.plugins.module_utils._text import plural

ARGUMENT_SPEC = dict(
    ids=dict(type='list', elements='str'),
    filter=dict(type='str'),
    sort=dict(type='str'),
    limit=dict(type='int'),
)
MUTUALLY_EXCLUSIVE = [('ids', 'filter'), ('ids', 'sort'), ('ids', 'limit')]


def run(module):
    """Read the selected alerts and exit."""
    params = module.params
    client = module.client()
    if params['ids'] is not None:
        ids = validate_composite_ids(params['ids'])
        alerts, not_found = get_alerts(client, ids) if ids else ([], [])
        msg = 'Found %s%s.' % (plural(len(alerts), 'alert'), ' (%d not found)' % len(not_found) if not_found else '')
        module.exit(alerts=alerts, total=len(alerts), not_found=not_found, msg=msg)
    if params['limit'] is not None and params['limit'] < 1:
        module.fail('limit must be 1 or more, got %d. Leave it out to read every match.' % params['limit'])
    fql = params['filter'].strip() if params['filter'] else None
    sort = params['sort'].strip() if params['sort'] else None
    search = search_alerts(client, fql=fql, sort=sort, limit=params['limit'])
    msg = 'Found %s' % plural(search.total, 'alert')
    if len(search.alerts) < search.total:
        msg += ', returning the first %d' % len(search.alerts)
    module.exit(alerts=search.alerts, total=search.total, not_found=[], msg=msg + '.')


def main():
    """Module entry point."""
    module = FalconModule(ARGUMENT_SPEC, supports_check_mode=True, mutually_exclusive=MUTUALLY_EXCLUSIVE)
    module.run(run)


if __name__ == '__main__':
    main()
