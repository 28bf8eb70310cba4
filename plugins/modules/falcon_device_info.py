#!/usr/bin/python
# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: falcon_device_info
short_description: Read CrowdStrike Falcon host (device) records
version_added: 0.1.0
description:
  - Returns the device records of hosts selected by device id, by hostname or by an FQL filter, or of every host
    when no selector is given.
  - Ids are read in one call per 5000 hosts (C(POST /devices/entities/devices/v2)). Hostnames and filters are first
    resolved to ids with the device query endpoints, using the scroll endpoint (10000 ids per call, no result cap)
    unless O(limit) fits a single plain query call. A fleet of 25000 hosts takes 3 scroll calls and 5 detail calls.
  - "How the API matches text in an FQL O(filter): the single form C(hostname:'web-1') is case-insensitive and a
    B(prefix) match, so it also selects C(web-10), C(web-11) and so on; the list form C(hostname:['web-1','web-2'])
    is exact and B(case-sensitive) (Windows hostnames are often upper case, C(WEB-1)). A leading wildcard
    (C(hostname:'*-01')) works, a contains wildcard (C('*web*')) matches nothing and C(!~) is refused."
  - Because this module only reads, running it is the way to check what a filter selects before acting on it, for
    example before M(secops.falcon.falcon_host_contain) with the same filter (which also shows its selection in
    check mode).
  - Hidden hosts are not returned, as with the API's own queries.
  - Read-only; runs in check mode.
options:
  ids:
    description:
      - Device ids (AIDs, 32 hexadecimal characters) to read.
      - Ids that do not exist are listed in RV(not_found); they do not fail the task.
      - Mutually exclusive with O(hostnames) and O(filter).
    type: list
    elements: str
  hostnames:
    description:
      - Hostnames to read, matched exactly and case-insensitively (C(web-01) finds C(WEB-01) and never C(web-010));
        use O(filter) for patterns. A hostname with a wildcard (C(*)) fails the task.
      - The names are looked up with OR'd single-form filters (C(hostname:'a',hostname:'b'), case-insensitive prefix
        matches on the API, in batches of at most 6000 bytes once URL-encoded), and only exact matches are kept.
        Hundreds of names take a few query calls.
      - A hostname can match several devices (for example a re-imaged machine); all are returned.
      - Hostnames that match no device are listed in RV(not_found). An empty hostname fails the task.
      - Mutually exclusive with O(ids) and O(filter).
    type: list
    elements: str
  filter:
    description:
      - An FQL filter over device fields, for example C(platform_name:'Linux'+status:'contained').
      - "Text values in the single form (C(field:'value')) are case-insensitive prefix matches; the list form
        (C(field:['a','b'])) is exact and case-sensitive. See the description."
      - A filter the API cannot parse fails the task with the API's message and the filter; the API answers some bad
        filters with HTTP 500 (retried, then reported naming the filter). A blank filter fails the task; leave it
        out to read every host.
      - Mutually exclusive with O(ids) and O(hostnames).
    type: str
  sort:
    description:
      - Sort order of the query, for example C(hostname.asc) or C(last_seen.desc).
      - Applies to O(hostnames), O(filter) and the all-hosts query; not allowed with O(ids).
    type: str
  limit:
    description:
      - Return at most this many devices.
      - Applies to O(filter) and the all-hosts query; not allowed with O(ids) or O(hostnames).
    type: int
  fields:
    description:
      - Keep only these fields of each device record (C(device_id) is always kept), to keep results small.
      - Field names are the API's, for example C(hostname), C(status), C(platform_name), C(last_seen).
      - A field present in none of the returned records gives a warning (probably a typo).
    type: list
    elements: str
extends_documentation_fragment:
  - secops.falcon.common
  - secops.falcon.common.attributes_action_group
  - secops.falcon.common.attributes_read_only
author:
  - secops.falcon maintainers (!UNKNOWN)
notes:
  - Requires the API scope C(devices:read) (Hosts Read).
"""

EXAMPLES = r"""
- name: Read two hosts by id
  secops.falcon.falcon_device_info:
    ids:
      - 0123456789abcdef0123456789abcdef
      - fedcba9876543210fedcba9876543210
  register: two_hosts

- name: Read hosts by hostname, only a few fields
  secops.falcon.falcon_device_info:
    hostnames: [web-01, web-02]
    fields: [hostname, status, platform_name, last_seen]
  register: web

- name: See what a prefix filter selects (web-1 also matches web-10, web-11 ...)
  secops.falcon.falcon_device_info:
    filter: "hostname:'web-1'"
    fields: [hostname]
  register: web_prefix

- name: Every contained Linux host, newest first
  secops.falcon.falcon_device_info:
    filter: "platform_name:'Linux'+status:'contained'"
    sort: last_seen.desc
    limit: 100
  register: contained_linux

- name: The whole fleet (scroll pages of 10000 ids, details in batches of 5000)
  secops.falcon.falcon_device_info:
    fields: [hostname, agent_version]
  register: fleet
"""

RETURN = r"""
devices:
  description:
    - The device records, with the API's field names unchanged (projected to O(fields) when given).
    - In the order of O(ids), or of the query (O(sort)) for hostnames and filters.
  returned: always
  type: list
  elements: dict
  sample:
    - device_id: 0123456789abcdef0123456789abcdef
      hostname: web-01
      platform_name: Linux
      status: normal
      last_seen: "2026-01-01T10:00:00Z"
total:
  description:
    - How many hosts matched the selection. With O(limit) this is the API's full match count, which can be larger
      than the number of RV(devices) returned.
  returned: always
  type: int
  sample: 1
not_found:
  description: Requested ids or hostnames that match no host.
  returned: always
  type: list
  elements: str
  sample: [fedcba9876543210fedcba9876543210]
msg:
  description: A one-line summary.
  returned: always
  type: str
  sample: "Found 1 host (1 requested id not found: fedcba9876543210fedcba9876543210)."
"""

from ansible_collections.secops.falcon.plugins.module_utils._hosts import find_hosts
from ansible_collections.secops.falcon.plugins.module_utils._module import FalconModule
from ansible_collections.secops.falcon.plugins.module_utils._text import plural, shortlist

ARGUMENT_SPEC = dict(
    ids=dict(type='list', elements='str'),
    hostnames=dict(type='list', elements='str'),
    filter=dict(type='str'),
    sort=dict(type='str'),
    limit=dict(type='int'),
    fields=dict(type='list', elements='str'),
)
MUTUALLY_EXCLUSIVE = [('ids', 'hostnames', 'filter'), ('ids', 'sort'), ('ids', 'limit'), ('hostnames', 'limit')]


def project(devices, fields):
    """Keep only the requested fields (plus device_id) of each device record."""
    keep = ['device_id'] + [f for f in fields if f != 'device_id']
    return [dict((k, d[k]) for k in keep if k in d) for d in devices]


def run(module):
    """Select the hosts, read their records and exit with devices, total and not_found."""
    params = module.params
    if params['limit'] is not None and params['limit'] < 1:
        module.fail('limit must be a positive number, got %d.' % params['limit'])
    devices, total, not_found = find_hosts(
        module.client(),
        ids=params['ids'],
        hostnames=params['hostnames'],
        fql=params['filter'],
        sort=params['sort'],
        limit=params['limit'],
        fields=params['fields'],
    )
    if params['fields']:
        missing = [f for f in params['fields'] if devices and not any(f in d for d in devices)]
        if missing:
            module.warn(
                'No returned device has the field(s) %s; check the spelling against the API field names.'
                % ', '.join(missing)
            )
        devices = project(devices, params['fields'])
    msg = 'Found %s' % plural(len(devices), 'host')
    if total > len(devices):
        msg += ' of %d matching%s' % (total, ' (limit %d)' % params['limit'] if params['limit'] else '')
    if not_found:
        kind = 'requested id' if params['ids'] is not None else 'requested hostname'
        msg += ' (%s not found: %s)' % (plural(len(not_found), kind), shortlist(not_found))
    module.exit(changed=False, devices=devices, total=total, not_found=not_found, msg=msg + '.')


def main():
    """Module entry point."""
    module = FalconModule(ARGUMENT_SPEC, supports_check_mode=True, mutually_exclusive=MUTUALLY_EXCLUSIVE)
    module.run(run)


if __name__ == '__main__':
    main()
