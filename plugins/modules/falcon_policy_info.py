#!/usr/bin/python
# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: falcon_policy_info
short_description: Read CrowdStrike Falcon endpoint policies and CSPM policy settings
version_added: 0.1.0
description:
  - "Endpoint policies (O(policy_type) V(prevention), V(sensor_update), V(device_control), V(firewall) or
    V(response)): returns the policies selected by id, by name or by an FQL filter, or every policy of that type,
    with their settings, from the combined endpoint (C(/policy/combined/<type>/v1), V(sensor_update) uses v2 for
    uninstall protection and build settings) in pages of 5000. With O(include_members) each policy also lists the
    ids of the hosts it applies to."
  - "CSPM (O(policy_type=cspm)): returns the CSPM policy settings (C(GET /settings/entities/policy/v1)) for an
    optional O(service), O(cloud_platform) and O(policy_id)."
  - Read-only; runs in check mode.
options:
  policy_type:
    description: The kind of policy to read.
    type: str
    required: true
    choices: [prevention, sensor_update, device_control, firewall, response, cspm]
  ids:
    description:
      - Endpoint policy ids (32 hexadecimal characters). Ids that do not exist are listed in RV(not_found).
      - Mutually exclusive with O(names) and O(filter). Not used with O(policy_type=cspm).
    type: list
    elements: str
  names:
    description:
      - Endpoint policy names, matched exactly and case-insensitively. Names that match no policy are listed in
        RV(not_found); an empty name fails the task.
      - The module reads every policy of the type and matches the names itself, for every type, because the API's
        C(name) filter finds nothing on sensor update policies and only the built-in C(platform_default) policies on
        the others.
      - Mutually exclusive with O(ids) and O(filter). Not used with O(policy_type=cspm).
    type: list
    elements: str
  filter:
    description:
      - An FQL filter over policy fields, for example C(platform_name:'Windows'+enabled:true).
      - A filter the API cannot parse fails the task with the API's message and the filter.
      - "The real API answers a filter on an unknown field with no policies rather than an error, and a plain
        C(name:'...') filter is unreliable (see O(names)); a filter that matched nothing says so in RV(msg). Text
        values are matched as on hosts: the single form is a case-insensitive prefix match, the list form exact and
        case-sensitive. Run the task on its own first to see what a filter selects."
      - Mutually exclusive with O(ids) and O(names). Not used with O(policy_type=cspm).
    type: str
  include_members:
    description:
      - Add to each endpoint policy a C(members) list with the ids of the hosts it applies to (one extra call per
        policy and 5000 members).
    type: bool
    default: false
  service:
    description:
      - With O(policy_type=cspm), the cloud service to read settings for, for example V(EC2), V(S3), V(IAM),
        V(KeyVault) or V(Compute Engine).
      - Matched case-insensitively against the API's list of services; an unknown value fails with the list.
    type: str
  cloud_platform:
    description: With O(policy_type=cspm), the cloud platform.
    type: str
    choices: [aws, azure, gcp]
  policy_id:
    description: With O(policy_type=cspm), the numeric id of one CSPM policy, for example V(1234).
    type: str
extends_documentation_fragment:
  - secops.falcon.common
  - secops.falcon.common.attributes_action_group
  - secops.falcon.common.attributes_read_only
author:
  - secops.falcon maintainers (!UNKNOWN)
notes:
  - "Scopes: C(prevention-policies:read), C(sensor-update-policies:read), C(device-control-policies:read),
    C(firewall-management:read) or C(response-policies:read) for the endpoint types, C(cspm-registration:read)
    for V(cspm)."
"""

EXAMPLES = r"""
- name: All Windows prevention policies with their members
  secops.falcon.falcon_policy_info:
    policy_type: prevention
    filter: "platform_name:'Windows'"
    include_members: true
  register: prevention

- name: One sensor update policy by name
  secops.falcon.falcon_policy_info:
    policy_type: sensor_update
    names: [Production servers]
  register: sensor_update

- name: Show the sensor version it pins
  ansible.builtin.debug:
    msg: "{{ sensor_update.policies[0].settings.sensor_version }}"

- name: CSPM policy settings for AWS EC2
  secops.falcon.falcon_policy_info:
    policy_type: cspm
    service: EC2
    cloud_platform: aws
  register: cspm_ec2
"""

RETURN = r"""
policies:
  description:
    - The policies with the API's field names unchanged, including their settings.
    - With O(include_members), each endpoint policy also has C(members), the list of its host ids.
    - For V(cspm), the CSPM policy settings records (C(policy_id), C(name), C(cloud_service), C(policy_settings), ...).
  returned: always
  type: list
  elements: dict
  sample:
    - id: 0123456789abcdef0123456789abcdef
      name: Production servers
      platform_name: Windows
      enabled: true
      members: [fedcba9876543210fedcba9876543210]
total:
  description: The number of policies returned.
  returned: always
  type: int
  sample: 1
not_found:
  description: Requested ids or names that match no policy (for V(cspm), the O(policy_id) when nothing was returned).
  returned: always
  type: list
  elements: str
  sample: []
api_errors:
  description:
    - For V(cspm), the API's errors of a partial (HTTP 207) answer, that is the settings it could not read; empty
      otherwise. A task with api_errors also warns, so a partial list is never taken for the whole.
  returned: always
  type: list
  elements: dict
  sample: []
msg:
  description: A one-line summary.
  returned: always
  type: str
  sample: Found 1 prevention policy.
"""

from ansible_collections.secops.falcon.plugins.module_utils._module import FalconModule
from ansible_collections.secops.falcon.plugins.module_utils._policies import (
    find_policies_by_name,
    get_cspm_policy_settings,
    get_policies,
    member_ids,
    normalise_service,
    query_policies,
    validate_policy_ids,
)
from ansible_collections.secops.falcon.plugins.module_utils._text import plural, shortlist

ARGUMENT_SPEC = dict(
    policy_type=dict(
        type='str',
        required=True,
        choices=['prevention', 'sensor_update', 'device_control', 'firewall', 'response', 'cspm'],
    ),
    ids=dict(type='list', elements='str'),
    names=dict(type='list', elements='str'),
    filter=dict(type='str'),
    include_members=dict(type='bool', default=False),
    service=dict(type='str'),
    cloud_platform=dict(type='str', choices=['aws', 'azure', 'gcp']),
    policy_id=dict(type='str'),
)
MUTUALLY_EXCLUSIVE = [('ids', 'names', 'filter')]
ENDPOINT_ONLY = ('ids', 'names', 'filter')
CSPM_ONLY = ('service', 'cloud_platform', 'policy_id')


def check_params(module):
    """Refuse options that do not apply to the chosen policy_type."""
    params = module.params
    cspm = params['policy_type'] == 'cspm'
    wrong = [o for o in (ENDPOINT_ONLY if cspm else CSPM_ONLY) if params[o] is not None]
    if cspm and params['include_members']:
        wrong.append('include_members')
    if wrong:
        module.fail(
            '%s cannot be used with policy_type=%s; %s.'
            % (
                ', '.join(wrong),
                params['policy_type'],
                'CSPM settings take service, cloud_platform and policy_id'
                if cspm
                else 'service, cloud_platform and policy_id apply to policy_type=cspm only',
            )
        )
    if cspm and params['service'] is not None:
        # Validate before any request so the error lists the allowed services.
        params['service'] = normalise_service(params['service'])


def read_endpoint(module, client):
    """Return (policies, not_found) for an endpoint policy type."""
    params = module.params
    policy_type = params['policy_type']
    if params['ids'] is not None:
        return get_policies(client, policy_type, validate_policy_ids(params['ids']))
    if params['names'] is not None:
        return find_policies_by_name(client, policy_type, params['names'])
    if params['filter'] is not None and not params['filter'].strip():
        module.fail('filter is empty; omit it to read every %s policy.' % policy_type)
    return query_policies(client, policy_type, params['filter']), []


def run(module):
    """Read the policies and exit with policies, total and not_found."""
    check_params(module)
    params = module.params
    client = module.client()
    label = params['policy_type'].replace('_', ' ')
    if params['policy_type'] == 'cspm':
        policies, api_errors = get_cspm_policy_settings(
            client, service=params['service'], cloud_platform=params['cloud_platform'], policy_id=params['policy_id']
        )
        # An unknown (or filtered-out) policy id is an empty answer, not an error.
        not_found = [params['policy_id']] if params['policy_id'] is not None and not policies else []
        label = 'CSPM'
    else:
        api_errors = []
        policies, not_found = read_endpoint(module, client)
        if params['include_members']:
            policies = [dict(p, members=member_ids(client, params['policy_type'], p['id'])) for p in policies]
    msg = 'Found %s' % plural(len(policies), '%s policy' % label, '%s policies' % label)
    if not_found:
        msg += ' (not found: %s)' % shortlist(not_found)
    if not policies and params['filter'] is not None and params['policy_type'] != 'cspm':
        # The real API answers an unknown filter field with 200 and nothing (API behaviour 9.3): a typo looks like
        # "no policy".
        msg += (
            '; the filter %r matched nothing. On the real API a filter on an unknown field also matches nothing '
            'instead of failing, so check the field names (and use names to find policies by name)' % params['filter']
        )
    if api_errors:
        # A 207 answer: some settings could not be read. Say so, so that nobody audits a partial list as complete.
        reasons = '; '.join(str(e.get('message', e)) if isinstance(e, dict) else str(e) for e in api_errors[:5])
        msg += '; the API could read only part of the settings (%d errors: %s)' % (len(api_errors), reasons)
        module.warn('Partial CSPM answer: %s' % reasons)
    module.exit(
        changed=False, policies=policies, total=len(policies), not_found=not_found, api_errors=api_errors, msg=msg + '.'
    )


def main():
    """Module entry point."""
    module = FalconModule(ARGUMENT_SPEC, supports_check_mode=True, mutually_exclusive=MUTUALLY_EXCLUSIVE)
    module.run(run)


if __name__ == '__main__':
    main()
