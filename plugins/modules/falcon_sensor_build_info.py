#!/usr/bin/python
# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: falcon_sensor_build_info
short_description: List the Falcon sensor builds of a platform, and which of them support a Linux kernel
version_added: 0.1.0
description:
  - Reads the sensor builds a sensor update policy can pin (C(GET /policy/combined/sensor-update-builds/v1)) for
    O(platform) and O(stage), newest sensor version first, as RV(builds).
  - With O(kernel_release) (or a raw O(kernel_filter)) also reads the matching Linux kernel records
    (C(GET /policy/combined/sensor-update-kernels/v1), every page of 500) as RV(kernels), the sensor versions that
    support that kernel as RV(kernel_supported_by), and marks each build with C(supports_kernel).
  - A kernel record lists the sensor versions that support it in three fields, one per way the
    support reaches a host, C(base_package_supported_sensor_versions) (as installed),
    C(ztl_supported_sensor_versions) (Zero Touch Linux, through channel files) and
    C(ztl_module_supported_sensor_versions) (the ZTL module). None needs another sensor installed, so a version
    listed in any of them supports the kernel. When several kernel records match (the same release in two
    distributions, or both architectures), a version supports the kernel only if every one of them lists it; narrow
    with O(kernel_vendor), O(distro) or O(architecture). Versions are compared as major, minor and build, so
    C(7.18.18803), the same with an LTS suffix, and C(7.18.0-18803) are one version.
  - A kernel release no record matches is not an error. RV(kernels) and RV(kernel_supported_by) are then empty,
    every C(supports_kernel) is C(false) and RV(msg) says the kernel is not known to be supported.
  - Read-only; check mode runs it the same way. One call for the builds, one per 500 kernel records.
options:
  platform:
    description:
      - The build platform. C(linux) builds run on x86_64, C(linuxarm64) on arm64 and C(zlinux) on s390x.
      - Required unless O(kernel_release) or O(kernel_filter) is given (then RV(builds) is empty without it). With a
        kernel, only a Linux platform is accepted, and the kernel records considered are those of its architecture.
    type: str
    choices: [windows, mac, linux, linuxarm64, zlinux]
  stage:
    description:
      - The build stages to list. Always sent, so the result does not depend on the API's default.
      - Both by default; the vendor's C(sensor_update_builds_info) listed only C(prod) unless told otherwise.
    type: list
    elements: str
    choices: [prod, early_adopter]
    default: [prod, early_adopter]
  kernel_release:
    description:
      - A Linux kernel release as C(uname -r) prints it (the fact C(ansible_kernel)), for example C(5.15.0-1019-aws).
        Matched whole by the API (any case).
      - Mutually exclusive with O(kernel_filter).
    type: str
  kernel_vendor:
    description: Only the kernel records of this vendor (C(ubuntu), C(rhel), C(amzn), C(sles), C(debian)). Needs O(kernel_release).
    type: str
  distro:
    description: Only the kernel records of this distribution (C(ubuntu20), C(rhel9), C(amzn2023)). Needs O(kernel_release).
    type: str
  architecture:
    description:
      - Only the kernel records of this architecture, C(x86_64), C(arm64) or C(s390x); C(aarch64), C(amd64) and
        C(x64) are accepted, and the records' C(aarch64) is C(arm64).
      - Implied by a Linux O(platform) (it must agree with it). Needs O(kernel_release) or O(kernel_filter).
    type: str
  kernel_filter:
    description:
      - A raw FQL filter of the kernel records, as the vendor's C(kernel_support_info) took it in C(filter), for
        example C(vendor:'ubuntu'+distro:'ubuntu20'+release:'5.15.0-1019-aws').
      - Mutually exclusive with O(kernel_release).
    type: str
extends_documentation_fragment:
  - secops.falcon.common
  - secops.falcon.common.attributes_action_group
  - secops.falcon.common.attributes_read_only
author:
  - secops.falcon maintainers (!UNKNOWN)
notes:
  - Requires the API scope C(sensor-update-policies:read) (Sensor update policies Read).
  - A bad O(platform), O(stage) or O(architecture), an empty O(kernel_release) and options that do not go together
    fail the task before any request.
seealso:
  - module: secops.falcon.falcon_sensor_installer_info
  - module: secops.falcon.falcon_policy_info
"""

EXAMPLES = r"""
- name: The production builds of the Linux sensor
  secops.falcon.falcon_sensor_build_info:
    platform: linux
    stage: [prod]
  register: falcon_builds

- name: Which Linux arm64 builds support this host's kernel
  secops.falcon.falcon_sensor_build_info:
    platform: linuxarm64
    kernel_release: "{{ ansible_facts['kernel'] }}"
    distro: ubuntu22
  delegate_to: localhost
  register: falcon_kernel

- name: Stop before pinning a build that does not support it
  ansible.builtin.assert:
    that: falcon_kernel.builds | selectattr('supports_kernel') | list | length > 0
    fail_msg: "{{ falcon_kernel.msg }}"

- name: The kernel records of a raw filter (as kernel_support_info's filter)
  secops.falcon.falcon_sensor_build_info:
    kernel_filter: "vendor:'ubuntu'+release:'5.15.0-1019-aws'"
"""

RETURN = r"""
builds:
  description:
    - The build records of O(platform) and O(stage), with the API's field names, newest sensor version first.
    - Each has C(supports_kernel) added, C(true) or C(false) with a kernel asked, else C(null) (also for a build
      whose C(sensor_version) is no version).
  returned: always
  type: list
  elements: dict
  sample:
    - build: 18803|n|tagged|1
      platform: linux
      sensor_version: 7.18.18803
      stage: prod
      supports_kernel: true
kernels:
  description: The kernel records that match (of the architecture considered), with the API's field names; empty unless asked.
  returned: always
  type: list
  elements: dict
  sample:
    - architecture: x86_64
      base_package_supported_sensor_versions: [7.15.18514, 7.16.18613, 7.17.18707, 7.18.18803]
      distro: ubuntu20
      release: 5.15.0-1019-aws
      vendor: ubuntu
kernel_supported_by:
  description: The sensor versions (as the kernel records spell them) that support the kernel, newest first.
  returned: always
  type: list
  elements: str
  sample: [7.18.18803, 7.17.18707]
msg:
  description: A one-line summary.
  returned: always
  type: str
  sample: "9 builds for linux (prod, early_adopter), newest 7.19.18905 (18905)."
"""

from ansible_collections.secops.falcon.plugins.module_utils import _sensor_builds as sensor_builds
from ansible_collections.secops.falcon.plugins.module_utils._module import FalconModule

ARGUMENT_SPEC = dict(
    platform=dict(type='str', choices=list(sensor_builds.PLATFORMS)),
    stage=dict(type='list', elements='str', choices=list(sensor_builds.STAGES), default=list(sensor_builds.STAGES)),
    kernel_release=dict(type='str'),
    kernel_vendor=dict(type='str'),
    distro=dict(type='str'),
    architecture=dict(type='str'),
    kernel_filter=dict(type='str'),
)
MUTUALLY_EXCLUSIVE = [('kernel_release', 'kernel_filter')]


def run(module):
    """Read the builds and the kernel records, mark the builds that support the kernel, and exit."""
    # Checked before any request: a bad value costs no call.
    plan = sensor_builds.plan(module.params)
    client = module.client()
    builds = []
    if plan.platform is not None:
        builds = sensor_builds.newest_first(sensor_builds.read_builds(client, plan.platform, plan.stages))
    kernels = []
    if plan.kernel_fql is not None:
        kernels = sensor_builds.read_kernels(client, plan.kernel_fql, plan.architecture)
    asked = plan.kernel_fql is not None
    versions = sensor_builds.supporting_versions(kernels)
    builds = [dict(build, supports_kernel=sensor_builds.supports(build, versions, asked)) for build in builds]
    module.exit(
        builds=builds,
        kernels=kernels,
        kernel_supported_by=[versions[key] for key in sorted(versions, reverse=True)],
        msg=sensor_builds.summary(plan, builds, kernels, versions),
    )


def main():
    """Module entry point."""
    module = FalconModule(ARGUMENT_SPEC, supports_check_mode=True, mutually_exclusive=MUTUALLY_EXCLUSIVE)
    module.run(run)


if __name__ == '__main__':
    main()
