#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: falcon_device_info
short_description: Read CrowdStrike Falcon host (device) records
version_added: 0.1.0
description:
  - Returns the device records of hosts selected by device id, by hostname or by an FQL filter, or of every host
    when no selector is given.
  - Ids are read in one call per 5000 hosts (C(POST /devices/entities/devices/v2)). Hostnames and filters are first
    resolved to ids with the device query endpoints, using the scroll endpoint (10000 ids per call, no result cap)
    unless O(limit) fits a single plain query call.
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
      - Hostnames to read, matched exactly and case-insensitively; use O(filter) for patterns.
      - A hostname can match several devices (for example a re-imaged machine); all are returned.
      - Hostnames that match no device are listed in RV(not_found). An empty hostname fails the task.
      - Mutually exclusive with O(ids) and O(filter).
    type: list
    elements: str
  filter:
    description:
      - An FQL filter over device fields, for example C(platform_name:'Linux'+status:'contained').
      - A filter the API cannot parse fails the task with the API's message and the filter.
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
  - secops.falcon.common.info_attributes
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


def plural(count, word):
    """Return '1 host' / '2 hosts'."""
    return '%d %s%s' % (count, word, '' if count == 1 else 's')


def run(module):
    """Select the hosts, read their records and exit with devices, total and not_found."""
    params = module.params
    if params['limit'] is not None and params['limit'] < 1:
        module.fail('limit must be a positive number, got %d.' % params['limit'])
    devices, total, not_found = find_hosts(
        module.client(), ids=params['ids'], hostnames=params['hostnames'], fql=params['filter'],
        sort=params['sort'], limit=params['limit'], fields=params['fields'])
    if params['fields']:
        missing = [f for f in params['fields'] if devices and not any(f in d for d in devices)]
        if missing:
            module.ansible.warn('No returned device has the field(s) %s; check the spelling against the API field names.'
                                % ', '.join(missing))
        devices = project(devices, params['fields'])
    msg = 'Found %s' % plural(len(devices), 'host')
    if total > len(devices):
        msg += ' of %d matching%s' % (total, ' (limit %d)' % params['limit'] if params['limit'] else '')
    if not_found:
        kind = 'requested id' if params['ids'] is not None else 'requested hostname'
        msg += ' (%s not found: %s%s)' % (plural(len(not_found), kind), ', '.join(not_found[:10]),
                                          ' ...' if len(not_found) > 10 else '')
    module.exit(changed=False, devices=devices, total=total, not_found=not_found, msg=msg + '.')


def main():
    """Module entry point."""
    module = FalconModule(ARGUMENT_SPEC, supports_check_mode=True, mutually_exclusive=MUTUALLY_EXCLUSIVE)
    module.run(run)


if __name__ == '__main__':
    main()
