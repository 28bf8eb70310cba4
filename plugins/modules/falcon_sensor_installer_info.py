#!/usr/bin/python
# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: falcon_sensor_installer_info
short_description: Choose the one Falcon sensor installer for a host, by its facts or by platform, OS and architecture
version_added: 0.1.0
description:
  - Reads the installer records of the Falcon sensor download API for one platform and picks exactly one for the
    target and the version choice; RV(installer) is that record (C(sha256), C(name), C(version), C(file_type) ...).
    Its C(sha256) is the id the installer is downloaded by, and the digest the downloaded file must have.
  - The target is matched as data, never with a wildcard. The OS version is compared whole, or as one item of a
    list such as C(16/18/20/22/24), and the architecture must be one the record lists. So Amazon Linux 2 on arm64
    (the record C(2 - arm64)) and on x86_64 (C(2)) and Amazon Linux 2023 are three different installers, CentOS 7
    gets the el7 package and never an el8 one, and C(8) never matches C(18).
  - No installer, or more than one, fails the task with the candidates listed (what exists for the target, or what
    the platform offers when nothing fits).
  - Read-only; check mode runs it the same way. One call per 500 installers of the platform (one call in practice),
    plus one for O(sensor_update_policy).
options:
  facts:
    description:
      - The target host's facts (its C(hostvars[host]) or C(ansible_facts)); read are C(ansible_system),
        C(ansible_distribution), C(ansible_distribution_major_version) and C(ansible_architecture)
        (C(ansible_architecture2) first on Windows).
      - RedHat, CentOS, OracleLinux, Rocky and AlmaLinux map to C(RHEL/CentOS/Oracle); Amazon, Ubuntu, Debian,
        SLES and SLES_SAP to theirs; Windows and macOS by C(ansible_system).
      - Mutually exclusive with O(platform), O(os), O(os_version) and O(architecture).
    type: dict
  platform:
    description: The installer platform.
    type: str
    choices: [linux, windows, mac]
  os:
    description:
      - The installer records' C(os), for example C(Ubuntu), C(RHEL/CentOS/Oracle), C(Amazon Linux), C(SLES),
        C(Debian). Required with O(platform=linux); Windows and macOS have one each.
    type: str
  os_version:
    description:
      - The records' C(os_version) as they spell it (C(2 - arm64), C(2023)) or a major version a list holds
        (C(22) for C(16/18/20/22/24)). Required with O(platform=linux).
    type: str
  architecture:
    description: C(x86_64), C(arm64) or C(s390x); C(amd64), C(x64) and C(aarch64) are accepted. Default C(x86_64).
    type: str
  version:
    description:
      - Exactly this sensor version, given in full (C(7.18.17106); an C( LTS) suffix may be left out). C(7.18) does
        not match C(7.18.17106).
    type: str
  version_decrement:
    description: The N-th version before the newest (0 the newest, 1 N-1, 2 N-2), counting distinct versions.
    type: int
    default: 0
  sensor_update_policy:
    description:
      - The name of a sensor update policy (case-insensitive) of the target's platform. The build it pins decides
        the version (its Linux arm64 variant for an arm64 host). A policy with updates off fails the task.
      - At most one of O(version), O(version_decrement) (above 0) and O(sensor_update_policy).
    type: str
extends_documentation_fragment:
  - secops.falcon.common
  - secops.falcon.common.attributes_action_group
  - secops.falcon.common.attributes_read_only
author:
  - secops.falcon maintainers (!UNKNOWN)
notes:
  - Requires the API scope C(sensor-installers:read) (Sensor download Read), and C(sensor-update-policies:read)
    with O(sensor_update_policy).
seealso:
  - module: secops.falcon.falcon_cid_info
"""

EXAMPLES = r"""
- name: The installer for this host (N-1), from its facts
  secops.falcon.falcon_sensor_installer_info:
    facts: "{{ hostvars[inventory_hostname] }}"
    version_decrement: 1
  delegate_to: localhost
  register: falcon_installer

- name: The installer the production policy pins, for Amazon Linux 2 on arm64
  secops.falcon.falcon_sensor_installer_info:
    platform: linux
    os: Amazon Linux
    os_version: "2 - arm64"
    architecture: arm64
    sensor_update_policy: Production
"""

RETURN = r"""
installer:
  description: The chosen installer record, with the API's field names.
  returned: success
  type: dict
  sample:
    sha256: 3f2a9c0e0e3b6d4f5a7c8b9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f
    name: falcon-sensor-7.18.0-17106.amzn2.aarch64.rpm
    version: "7.18.17106"
    file_type: rpm
    os: Amazon Linux
    os_version: "2 - arm64"
    architectures: [arm64]
    platform: linux
candidates:
  description: Every installer record that fits the target, whatever its version, newest first.
  returned: always
  type: list
  elements: dict
target:
  description: What the installer was chosen for.
  returned: always
  type: dict
  sample: {platform: linux, os: Amazon Linux, os_version: "2 - arm64", architecture: arm64}
msg:
  description: A one-line summary.
  returned: always
  type: str
"""

from ansible_collections.secops.falcon.plugins.module_utils import _installers as installers
from ansible_collections.secops.falcon.plugins.module_utils._module import FalconModule
from ansible_collections.secops.falcon.plugins.module_utils._sensors import policy_for, read_installers

ARGUMENT_SPEC = dict(
    facts=dict(type='dict'),
    platform=dict(type='str', choices=['linux', 'windows', 'mac']),
    os=dict(type='str'),
    os_version=dict(type='str'),
    architecture=dict(type='str'),
    version=dict(type='str'),
    version_decrement=dict(type='int', default=0),
    sensor_update_policy=dict(type='str'),
)
MUTUALLY_EXCLUSIVE = [
    ('facts', 'platform'),
    ('facts', 'os'),
    ('facts', 'os_version'),
    ('facts', 'architecture'),
    ('version', 'sensor_update_policy'),
]
REQUIRED_ONE_OF = [('facts', 'platform')]


def target_of(params):
    """The Target of the task's options (facts, or platform/os/os_version/architecture)."""
    if params['facts'] is not None:
        return installers.target_from_facts(params['facts'])
    return installers.target_from_options(
        params['platform'], params['os'], params['os_version'], params['architecture'] or 'x86_64'
    )


def run(module):
    """Choose the installer and exit."""
    params = module.params
    target = target_of(params)
    policy_name = params['sensor_update_policy']
    # Checked before any request: a bad choice costs no call.
    installers.validate_choice(params['version'], params['version_decrement'])
    if policy_name and params['version_decrement']:
        module.fail('Give only one of version_decrement and sensor_update_policy (the policy pins the version).')
        return
    client = module.client()
    build = None
    if policy_name:
        policy = policy_for(client, policy_name, target)
        build = installers.policy_build(policy, target)
    records = read_installers(client, installers.installer_filter(target))
    shown = target._asdict()
    try:
        record, candidates = installers.select(
            records, target, version=params['version'], version_decrement=params['version_decrement'], build=build
        )
    except installers.NoInstallerError as err:
        module.fail_from(err, candidates=err.candidates, target=shown)
        return
    module.exit(
        installer=record,
        candidates=candidates,
        target=shown,
        msg='%s %s for %s.' % (record.get('name'), record.get('version'), installers.describe_target(target)),
    )


def main():
    """Module entry point."""
    module = FalconModule(
        ARGUMENT_SPEC,
        supports_check_mode=True,
        mutually_exclusive=MUTUALLY_EXCLUSIVE,
        required_one_of=REQUIRED_ONE_OF,
    )
    module.run(run)


if __name__ == '__main__':
    main()
