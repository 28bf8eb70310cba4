# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sensor download API reads: the CCID, installer records, the policy that pins a build. Internal use only.

The CCID is the CID with its two-character checksum, as the console shows it and as a sensor installs with
(API behaviour 10.1: resources[0] of GET /sensors/queries/installers/ccid/v1, '<32 hex upper>-<2 hex>').
"""

import re

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconApiError, FalconConfigError
from ansible_collections.secops.falcon.plugins.module_utils._paging import iter_offset
from ansible_collections.secops.falcon.plugins.module_utils._policies import find_policies_by_name

CCID_PATH = '/sensors/queries/installers/ccid/v1'
_CCID = re.compile(r'([0-9A-Fa-f]{32})-([0-9A-Fa-f]{2})')


def read_ccid(client):
    """(cid, ccid): the bare lower-case CID and the CCID as the API gives it (upper case, with its checksum).

    FalconApiError when the answer holds no CCID of that shape: nothing downstream (an installer's --cid) may get a
    value it would refuse later on a host.
    """
    response = client.request('GET', CCID_PATH)
    values = [v for v in response.resources if isinstance(v, str)]
    match = _CCID.fullmatch(values[0].strip()) if values else None
    if match is None:
        shown = values[0][:80] if values else 'nothing'
        raise FalconApiError(
            'GET %s answered %r, not a CCID (32 hexadecimal characters, a dash and a 2-character checksum).'
            % (CCID_PATH, shown),
            status=response.status,
            trace_id=response.trace_id,
        )
    return match.group(1).lower(), '%s-%s' % (match.group(1).upper(), match.group(2).upper())


# The installer records. v1, v2 and v3 are described alike (API behaviour 10.1: their differences are unverified;
# the newer ones are believed to carry `architectures`, which the choice needs), so the newest described one is read.
INSTALLERS_PATH = '/sensors/combined/installers/v2'
INSTALLERS_PAGE = 500  # the endpoint's largest page


def read_installers(client, fql):
    """Every installer record fql selects (pages of 500, newest version first)."""
    return [
        record
        for record in iter_offset(
            client, INSTALLERS_PATH, params={'filter': fql, 'sort': 'version|desc'}, page_size=INSTALLERS_PAGE
        )
        if isinstance(record, dict)
    ]


# Installer platform -> platform_name of a sensor update policy.
POLICY_PLATFORMS = {'linux': 'Linux', 'windows': 'Windows', 'mac': 'Mac'}


def policy_for(client, name, target):
    """The sensor update policy named name (case-insensitive) for the target's platform; FalconConfigError if none.

    Policy names repeat across platforms (one 'Production' per OS is common), so the target's platform decides.
    """
    policies, _missing = find_policies_by_name(client, 'sensor_update', [name])
    platform_name = POLICY_PLATFORMS[target.platform]
    fitting = [p for p in policies if str(p.get('platform_name', '')).lower() == platform_name.lower()]
    if not fitting:
        others = sorted(set(str(p.get('platform_name')) for p in policies))
        raise FalconConfigError(
            'No sensor update policy named %r for %s%s.'
            % (name, platform_name, (' (there is one for %s)' % ', '.join(others)) if others else '')
        )
    return fitting[0]
