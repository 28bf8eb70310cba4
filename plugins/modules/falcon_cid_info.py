#!/usr/bin/python
# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: falcon_cid_info
short_description: Read the CID and the CCID (the CID with its checksum) of the Falcon API client's tenant
version_added: 0.1.0
description:
  - Returns the customer id of the tenant the API client (or O(member_cid), for an MSSP parent) acts on, in both
    forms, from C(GET /sensors/queries/installers/ccid/v1).
  - RV(ccid) is what a sensor installs with (C(falconctl -s --cid=...), C(CID=) of the Windows installer); RV(cid)
    is the bare lower-case form the API uses in ids and filters.
  - Read-only; check mode runs it the same way. One API call (plus the token, shared with the play's other tasks).
extends_documentation_fragment:
  - secops.falcon.common
  - secops.falcon.common.attributes_action_group
  - secops.falcon.common.attributes_read_only
author:
  - secops.falcon maintainers (!UNKNOWN)
notes:
  - Requires the API scope C(sensor-installers:read) (Sensor download Read).
seealso:
  - module: secops.falcon.falcon_token
"""

EXAMPLES = r"""
- name: The CCID the sensors of this tenant install with
  secops.falcon.falcon_cid_info:
  register: falcon_tenant

- name: Use it
  ansible.builtin.debug:
    msg: "falconctl -s --cid={{ falcon_tenant.ccid }}"
"""

RETURN = r"""
cid:
  description: The CID, 32 lower-case hexadecimal characters.
  returned: always
  type: str
  sample: c1d0000000000000000000000000a001
ccid:
  description: The CCID, the CID in upper case with a dash and its two-character checksum.
  returned: always
  type: str
  sample: C1D0000000000000000000000000A001-7F
msg:
  description: A one-line summary.
  returned: always
  type: str
  sample: CID c1d0000000000000000000000000a001, CCID C1D0000000000000000000000000A001-7F.
"""

from ansible_collections.secops.falcon.plugins.module_utils._module import FalconModule
from ansible_collections.secops.falcon.plugins.module_utils._sensors import read_ccid


def run(module):
    """Read the CCID and exit."""
    cid, ccid = read_ccid(module.client())
    module.exit(cid=cid, ccid=ccid, msg='CID %s, CCID %s.' % (cid, ccid))


def main():
    """Module entry point."""
    module = FalconModule({}, supports_check_mode=True)
    module.run(run)


if __name__ == '__main__':
    main()
