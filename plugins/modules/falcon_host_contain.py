#!/usr/bin/python
# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: falcon_host_contain
short_description: Network-contain CrowdStrike Falcon hosts, or lift their containment
version_added: 0.1.0
description:
  - Contains the selected hosts (O(state=contained)) or lifts their containment (O(state=lifted)).
  - Idempotent. Each host's C(status) is read first and only hosts not already in, or on their way to, the wanted
    state are acted on. A host that is C(contained) or C(containment_pending) counts as contained; C(normal) or
    C(lift_containment_pending) counts as lifted. C(changed) is true when the API accepted a request for at
    least one host (or a request may have been applied, see RV(unknown)), so a second run reports no change.
  - Check mode predicts the outcome per host and sends nothing. With C(--diff) the status of each host acted on is
    shown before and after. Run with C(--check --diff) first to see exactly which hosts a selection holds; this
    matters most for O(filter), whose text matches are prefix matches (see O(filter)).
  - Hosts are sent in batches of at most 100 ids per action call. A batch the API refuses as a whole (too large)
    is sent again in smaller batches, and no later call is larger than what the API accepted.
  - The API's answer is read host by host whatever its HTTP status (a mixed batch can answer 207, 400 or 409 and
    still list the hosts it accepted); accepted hosts are reported in RV(contained) or RV(lifted), never as failed.
  - "Once a request may have reached the API, the result says so: a write that timed out, or met a server error, is
    followed by one more status read; hosts that show the wanted state count as acted on, the others are listed in
    RV(unknown) and fail the task. When the status read after an accepted request (or the O(wait)) fails, the hosts
    acted on are still listed, with status C(unknown) where it could not be read, and the task fails."
  - "Safety: an empty selection never means every host. Giving no selector is an error, while a selector that
    matches nothing (for example O(ids=[]) or a filter with no match) is a successful no-op. The O(max_hosts)
    guard refuses, before anything is sent, a selection larger than it."
  - "Failures: a requested id or hostname that matches no host fails the task before anything is sent (unless
    O(fail_on_error=false)). A host the API refuses (for example 403 for a client without C(devices:write)) is listed
    in RV(failed_hosts) with the reason and fails the task, even if other hosts were contained: a half-applied
    containment is never reported as success. After a refusal of the client itself (401/403) no further batches
    are sent."
options:
  ids:
    description:
      - Device ids (AIDs, 32 hexadecimal characters) of the hosts.
      - Mutually exclusive with O(hostnames) and O(filter).
    type: list
    elements: str
  hostnames:
    description:
      - Hostnames of the hosts, matched exactly and case-insensitively (C(web-01) selects C(WEB-01), never
        C(web-010)), whatever case Falcon stores them in. Every device with that hostname is selected (a re-imaged
        machine can have several); use O(ids) to pick one.
      - They are looked up with OR'd single-form filters (C(hostname:'a',hostname:'b'), case-insensitive prefix
        matches on the API) and only exact matches are kept, so the O(max_hosts) guard counts the exact matches.
      - An empty hostname, or one with a wildcard (C(*)), fails the task before anything is sent.
      - Mutually exclusive with O(ids) and O(filter).
    type: list
    elements: str
  filter:
    description:
      - An FQL filter selecting the hosts, for example C(tags:'FalconGroupingTags/quarantine').
      - "Matching rules of the API: the single form C(hostname:'web-1') is a case-insensitive B(prefix) match and
        also selects C(web-10), C(web-11) ...; the list form C(hostname:['web-1']) is exact but B(case-sensitive)
        (Windows hostnames are often upper case). A leading wildcard (C('*-01')) works, a contains wildcard
        (C('*web*')) matches nothing. To act on exact names use O(hostnames). Check the selection first with
        C(--check --diff), or read it with M(secops.falcon.falcon_device_info) and the same filter."
      - It must not be empty (an empty filter would match every host). A filter the API cannot parse fails the
        task with the API's message (the API answers some bad filters with HTTP 500; they fail naming the filter).
      - Mutually exclusive with O(ids) and O(hostnames).
    type: str
  state:
    description:
      - V(contained) network-contains the hosts (action C(contain)).
      - V(lifted) lifts the containment (action C(lift_containment)).
    type: str
    choices: [contained, lifted]
    default: contained
  wait:
    description:
      - Wait until every selected host reaches C(contained) (or C(normal) when lifting), polling its status.
      - Hosts still pending after O(wait_timeout) are listed in RV(pending) and fail the task.
    type: bool
    default: false
  wait_timeout:
    description: How long to wait, in seconds, when O(wait=true).
    type: int
    default: 300
  poll_interval:
    description:
      - Seconds between two status reads when O(wait=true); at least 0.5. A value that is not a finite number fails
        the task.
    type: float
    default: 5
  max_hosts:
    description:
      - Refuse, before anything is sent, a selection of more than this many hosts.
      - The count covers every selected host, including those already in the wanted state. Raise it on purpose for
        large containments.
    type: int
    default: 25
  fail_on_error:
    description:
      - When true, ids or hostnames that match no host fail the task before anything is sent, and any host the
        API refuses fails the task after the other hosts were handled.
      - When false, the found hosts are acted on, and unknown or refused hosts are only reported (with a warning)
        in RV(not_found) and RV(failed_hosts).
    type: bool
    default: true
  protect_filter:
    description:
      - An FQL filter of hosts that must never be contained, for example domain controllers
        (C(tags:'FalconGroupingTags/no-auto-contain')). Selected hosts that match it are not acted on and are listed
        in RV(protected); they never count as failures.
      - It costs one query call (more for over 10000 protected hosts). Text matches follow the API's rules (see
        O(filter)); a prefix protects more hosts, never fewer. A blank value fails the task.
      - Applies when containing (O(state=contained)); lifting containment is never blocked.
    type: str
  exclude_ids:
    description:
      - Device ids that must never be contained; like O(protect_filter), matching hosts are listed in RV(protected).
      - Applies when containing (O(state=contained)).
    type: list
    elements: str
  reason:
    description:
      - A free-text reason (an alert or ticket id, a rule name), echoed in RV(reason) and in RV(msg) so reports and
        logs say why hosts were contained.
    type: str
extends_documentation_fragment:
  - secops.falcon.common
  - secops.falcon.common.attributes_action_group
  - secops.falcon.common.attributes_changes
author:
  - secops.falcon maintainers (!UNKNOWN)
notes:
  - Requires the API scopes C(devices:read) and C(devices:write) (Hosts Read and Write).
  - A contained host can talk only to the Falcon cloud until containment is lifted.
"""

EXAMPLES = r"""
- name: Contain a compromised host by hostname and wait until it is isolated
  secops.falcon.falcon_host_contain:
    hostnames: [web-01]
    wait: true
    wait_timeout: 120

- name: Contain hosts by id (check first with --check --diff)
  secops.falcon.falcon_host_contain:
    ids:
      - 0123456789abcdef0123456789abcdef
      - fedcba9876543210fedcba9876543210

- name: Contain every host tagged for quarantine, up to 200 of them
  secops.falcon.falcon_host_contain:
    filter: "tags:'FalconGroupingTags/quarantine'"
    max_hosts: 200
  register: quarantine

- name: Lift containment, reporting unknown or refused hosts instead of failing
  secops.falcon.falcon_host_contain:
    hostnames: "{{ incident_hosts }}"
    state: lifted
    fail_on_error: false
  register: lifted

- name: Show what could not be lifted
  ansible.builtin.debug:
    msg: "{{ lifted.failed_hosts + lifted.not_found }}"
"""

RETURN = r"""
contained:
  description:
    - Hosts a contain request was accepted for (or would be, in check mode), with their status after the request
      (C(containment_pending), or C(contained) once reached; C(unknown) when the status read after the request
      failed). Empty when O(state=lifted).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The device id.
      type: str
    hostname:
      description: The host's name.
      type: str
    status:
      description: The host's containment status.
      type: str
  sample:
    - id: 0123456789abcdef0123456789abcdef
      hostname: web-01
      status: containment_pending
lifted:
  description:
    - Hosts a lift_containment request was accepted for (or would be, in check mode), with their status after the
      request. Empty when O(state=contained). Same elements as RV(contained).
  returned: always
  type: list
  elements: dict
  sample: []
unchanged:
  description: Selected hosts already in (or on their way to) the wanted state, including those the API answered 409 for.
  returned: always
  type: list
  elements: dict
  sample:
    - id: fedcba9876543210fedcba9876543210
      hostname: web-02
      status: contained
failed_hosts:
  description:
    - Hosts the request failed for, each with a C(reason) (the API's code and message).
    - Named C(failed_hosts) because C(failed) is the task's own failure flag in Ansible.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 00000000000000000000000000000001
      hostname: db-01
      status: normal
      reason: "403: access denied, scope not permitted"
not_found:
  description: Requested ids (C(id) set) or hostnames (C(hostname) set) that match no host; C(status) is null.
  returned: always
  type: list
  elements: dict
  sample:
    - id: ffffffffffffffffffffffffffffffff
      hostname: null
      status: null
unknown:
  description:
    - Hosts whose request may or may not have been applied (the write timed out or met a server error) and that did
      not show the wanted state when read once more, each with a C(reason). They fail the task; check them.
    - C(status) is the status read after the request, or C(unknown) when it could not be read.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 0123456789abcdef0123456789abcdef
      hostname: web-01
      status: normal
      reason: "state unknown: the request may have reached the API (...); status read after it: normal"
protected:
  description:
    - Selected hosts that O(protect_filter) or O(exclude_ids) protect; nothing was sent for them. Empty when lifting.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 0123456789abcdef0123456789abcdef
      hostname: DC-01
      status: normal
reason:
  description: The O(reason) given, or null.
  returned: always
  type: str
  sample: "ALERT-4711: ransomware behaviour"
pending:
  description: With O(wait=true), hosts that had not reached the wanted status when O(wait_timeout) ran out.
  returned: always
  type: list
  elements: dict
  sample: []
total:
  description: How many hosts the selection matched.
  returned: always
  type: int
  sample: 2
msg:
  description: A one-line summary of what was (or would be) done.
  returned: always
  type: str
  sample: Contained 1 host (1 already contained).
"""

import math

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconError
from ansible_collections.secops.falcon.plugins.module_utils._hosts import (
    STATUS_CONTAINED,
    STATUS_CONTAINMENT_PENDING,
    STATUS_LIFT_PENDING,
    STATUS_NORMAL,
    device_action,
    find_hosts,
    get_devices,
    query_device_ids,
    validate_ids,
    wait_for_status,
)
from ansible_collections.secops.falcon.plugins.module_utils._module import FalconModule
from ansible_collections.secops.falcon.plugins.module_utils._text import describe_items, plural, shortlist

ARGUMENT_SPEC = dict(
    ids=dict(type='list', elements='str'),
    hostnames=dict(type='list', elements='str'),
    filter=dict(type='str'),
    state=dict(type='str', choices=['contained', 'lifted'], default='contained'),
    wait=dict(type='bool', default=False),
    wait_timeout=dict(type='int', default=300),
    poll_interval=dict(type='float', default=5),
    max_hosts=dict(type='int', default=25),
    fail_on_error=dict(type='bool', default=True),
    protect_filter=dict(type='str'),
    exclude_ids=dict(type='list', elements='str'),
    reason=dict(type='str'),
)
MUTUALLY_EXCLUSIVE = [('ids', 'hostnames', 'filter')]
# Below this, wait would turn into several status reads a second per host for no benefit (containment takes seconds).
MIN_POLL_INTERVAL = 0.5
# The status a result shows for a host whose status could not be read after the request.
STATUS_UNKNOWN = 'unknown'


class Target:
    """What a state means for the API: the action, the final status and the status on the way there."""

    def __init__(self, state):
        self.state = state
        if state == 'contained':
            self.action, self.final, self.transit = 'contain', STATUS_CONTAINED, STATUS_CONTAINMENT_PENDING
            self.verb, self.past, self.done_word = 'contain', 'Contained', 'contained'
        else:
            self.action, self.final, self.transit = 'lift_containment', STATUS_NORMAL, STATUS_LIFT_PENDING
            self.verb, self.past, self.done_word = 'lift containment on', 'Lifted containment on', 'not contained'

    def satisfied(self, status):
        """True when a host with this status needs no request."""
        return status in (self.final, self.transit)


def host_item(device, status=None):
    """Return the {id, hostname, status} element of a result list."""
    return {
        'id': device.get('device_id'),
        'hostname': device.get('hostname'),
        'status': status if status is not None else device.get('status'),
    }


def check_params(module):
    """Refuse option values that could select every host by accident or make no sense."""
    params = module.params
    if params['ids'] is None and params['hostnames'] is None and params['filter'] is None:
        module.fail('Select the hosts with ids, hostnames or filter. An empty selection never means every host.')
    if params['filter'] is not None and not params['filter'].strip():
        module.fail(
            'filter is empty. An empty FQL filter would match every host; give a filter that selects the hosts.'
        )
    if params['max_hosts'] < 1:
        module.fail('max_hosts must be at least 1, got %d. Raise it to allow a larger selection.' % params['max_hosts'])
    if params['wait_timeout'] < 0:
        module.fail('wait_timeout must be 0 or more seconds, got %d.' % params['wait_timeout'])
    if params['protect_filter'] is not None and not params['protect_filter'].strip():
        module.fail('protect_filter is blank; give an FQL filter of the hosts to protect, or leave it out.')
    # Malformed protection ids fail before any request, whatever the state.
    validate_ids(params['exclude_ids'] or [], 'exclude_ids id')
    interval = params['poll_interval']
    if not math.isfinite(interval) or interval < MIN_POLL_INTERVAL:
        module.fail('poll_interval must be a number of seconds of at least %s, got %r.' % (MIN_POLL_INTERVAL, interval))


def not_found_items(params, not_found):
    """Return the not_found elements: requested ids fill id, requested hostnames fill hostname."""
    key = 'id' if params['ids'] is not None else 'hostname'
    return [dict({'id': None, 'hostname': None, 'status': None}, **{key: value}) for value in not_found]


class Outcome:
    """The result lists being built for one run."""

    def __init__(self, target, total, not_found):
        self.target = target
        self.total = total
        self.acted = []
        self.unchanged = []
        self.failed = []
        self.unknown = []
        self.not_found = not_found
        self.pending = []
        self.protected = []
        self.reason = None
        self.before = {}
        self.after = {}
        # Set when a status read after the request failed (the request itself went through).
        self.read_error = None

    def result(self):
        """Return the module result without msg (changed, the lists, diff when something changed)."""
        result = {
            # A host whose request may have been applied (unknown) counts as a change: Ansible must not assume nothing
            # happened on the tenant.
            'changed': bool(self.acted) or bool(self.unknown),
            'contained': self.acted if self.target.state == 'contained' else [],
            'lifted': self.acted if self.target.state == 'lifted' else [],
            'unchanged': self.unchanged,
            'failed_hosts': self.failed,
            'unknown': self.unknown,
            'not_found': self.not_found,
            'pending': self.pending,
            'protected': self.protected,
            'reason': self.reason,
            'total': self.total,
        }
        if self.acted:
            result['diff'] = {'before': self.before, 'after': self.after}
        return result

    def record_acted(self, device, status):
        """Add a host that was (or would be) acted on, with its before/after status for the diff."""
        self.acted.append(host_item(device, status))
        self.before[device['device_id']] = {'hostname': device.get('hostname'), 'status': device.get('status')}
        self.after[device['device_id']] = {'hostname': device.get('hostname'), 'status': status}

    def summary(self, check_mode):
        """Return the one-line human summary."""
        target = self.target
        if not self.total and not self.not_found:
            return 'No hosts matched the selection; nothing to do.'
        if self.acted:
            head = ('Would %s %s' if check_mode else '%s %s') % (
                target.verb if check_mode else target.past,
                plural(len(self.acted)),
            )
        else:
            head = 'No change' if not self.unknown else 'No confirmed change'
        details = []
        if self.unchanged:
            details.append('%d already %s' % (len(self.unchanged), target.done_word))
        for items, word in (
            (self.protected, 'protected'),
            (self.failed, 'failed'),
            (self.unknown, 'in an unknown state'),
            (self.not_found, 'not found'),
            (self.pending, 'still pending'),
        ):
            if items:
                details.append('%d %s' % (len(items), word))
        text = head + (' (%s).' % ', '.join(details) if details else '.')
        return text + (' Reason: %s.' % self.reason.rstrip('.') if self.reason else '')


def describe(items):
    """Return 'hostname (id): reason or status; ...' for the first items of a result list."""
    return describe_items((host_label(i), i.get('reason') or i.get('status')) for i in items)


def host_label(item):
    """'hostname (id)' of a result list item, or its id alone when it has no hostname."""
    return '%s (%s)' % (item['hostname'], item['id']) if item.get('hostname') else str(item.get('id'))


def read_after(module, client, target, follow, waiting, outcome):
    """Read (or wait for) the hosts' status after the request; return {id: record}, keeping what arrived on failure."""
    params = module.params
    latest = {}
    try:
        if params['wait']:
            wanted = dict((i, target.final) for i in follow + waiting)
            if wanted:
                wait_for_status(client, wanted, params['wait_timeout'], params['poll_interval'], latest=latest)
        elif follow:
            # One re-read so the result shows the status the API reports after the request, not a guess.
            latest.update((d['device_id'].lower(), d) for d in get_devices(client, follow))
    except FalconError as err:
        # The request went through: report what it did, and that the status could not be read back.
        outcome.read_error = err
    return latest


def settle_unknown(client, target, outcome, unknown):
    """Read the hosts whose request may or may not have been applied once more; return {id: record} of those read."""
    if not unknown:
        return {}
    try:
        return dict((d['device_id'].lower(), d) for d in get_devices(client, list(unknown)))
    except FalconError as err:
        outcome.read_error = err
        return {}


def act(module, client, target, outcome, to_act, waiting_on):
    """Send the action for to_act, then re-read (or wait for) the hosts and fill the outcome."""
    params = module.params
    by_id = dict((d['device_id'].lower(), d) for d in to_act + waiting_on)
    action = device_action(client, target.action, [d['device_id'] for d in to_act])
    for host, reason in action.failed.items():
        outcome.failed.append(dict(host_item(by_id[host]), reason=reason))
    # A write that timed out or met a 5xx may still have been applied: one more status read decides where it can.
    reread = settle_unknown(client, target, outcome, action.unknown)
    applied = [h for h in action.unknown if target.satisfied(reread.get(h, {}).get('status'))]
    accepted = action.accepted + applied
    for host, reason in action.unknown.items():
        if host not in applied:
            status = reread.get(host, {}).get('status')
            outcome.unknown.append(
                dict(
                    host_item(by_id[host], status or STATUS_UNKNOWN),
                    reason='%s; status read after it: %s' % (reason, status or 'not readable'),
                )
            )
    follow = accepted + action.unchanged
    waiting = [d['device_id'].lower() for d in waiting_on]
    latest = dict(reread)
    if outcome.read_error is None:
        latest.update(read_after(module, client, target, follow, waiting, outcome))

    def status_of(host, fallback):
        return latest.get(host, {}).get('status') or (STATUS_UNKNOWN if outcome.read_error else fallback)

    for host in accepted:
        outcome.record_acted(by_id[host], status_of(host, target.transit))
    for host in action.unchanged:
        outcome.unchanged.append(host_item(by_id[host], status_of(host, by_id[host].get('status'))))
    for device in waiting_on:
        host = device['device_id'].lower()
        outcome.unchanged.append(host_item(device, status_of(host, device.get('status'))))
    if params['wait']:
        outcome.pending = [i for i in outcome.acted + outcome.unchanged if i['status'] != target.final]


def protected_ids(client, params, devices):
    """Return the ids of devices that exclude_ids or protect_filter protect (read before anything is sent)."""
    guarded = set(validate_ids(params['exclude_ids'] or [], 'exclude_ids id'))
    if params['protect_filter'] and devices:
        # Read the protected hosts once (ids only) rather than combining filters: the user's filter stays as written.
        guarded.update(i.lower() for i in query_device_ids(client, params['protect_filter']).ids)
    return guarded


def run(module):
    """Select the hosts, decide per host, act (unless check mode) and report."""
    check_params(module)
    params = module.params
    target = Target(params['state'])
    client = module.client()
    devices, total, not_found = find_hosts(
        client, ids=params['ids'], hostnames=params['hostnames'], fql=params['filter'], stop_above=params['max_hosts']
    )
    outcome = Outcome(target, total, not_found_items(params, not_found))
    outcome.reason = params['reason']
    if devices is None or len(devices) > params['max_hosts']:
        # A list of ids longer than max_hosts is refused before it is looked up: it names ids, matched or not.
        selection = (
            'The selection lists %d host ids' % total
            if params['ids'] and devices is None
            else 'The selection matches %d hosts' % total
        )
        module.fail(
            '%s, more than max_hosts=%d; nothing was sent. Narrow the selection or raise max_hosts on purpose.'
            % (selection, params['max_hosts']),
            **outcome.result(),
        )
    if not_found and params['fail_on_error']:
        module.fail(
            '%s not found: %s. Nothing was sent; fix the selection, or set fail_on_error=false to act on the '
            '%s found.' % (plural(len(not_found), 'requested host'), shortlist(not_found), plural(len(devices))),
            **outcome.result(),
        )

    if target.state == 'contained':
        guarded = protected_ids(client, params, devices)
        outcome.protected = [host_item(d) for d in devices if d['device_id'].lower() in guarded]
        devices = [d for d in devices if d['device_id'].lower() not in guarded]
    to_act = [d for d in devices if not target.satisfied(d.get('status'))]
    already = [d for d in devices if target.satisfied(d.get('status'))]
    if module.check_mode:
        predicted = target.final if params['wait'] else target.transit
        for device in to_act:
            outcome.record_acted(device, predicted)
        outcome.unchanged = [host_item(d) for d in already]
    else:
        # Hosts already on their way to the wanted state need watching only when waiting.
        waiting_on = [d for d in already if d.get('status') != target.final] if params['wait'] else []
        outcome.unchanged = [host_item(d) for d in already if d.get('status') == target.final or not params['wait']]
        if to_act or waiting_on:
            act(module, client, target, outcome, to_act, waiting_on)

    msg = outcome.summary(module.check_mode)
    result = outcome.result()
    problems = []
    if outcome.failed and params['fail_on_error']:
        problems.append('Failed: %s.' % describe(outcome.failed))
    if outcome.unknown:
        problems.append(
            'State unknown (the request may have been applied; check these hosts): %s.' % describe(outcome.unknown)
        )
    if outcome.read_error is not None:
        problems.append('The status read after the request failed: %s.' % outcome.read_error)
    elif outcome.pending:
        problems.append(
            'Timed out after %ss waiting for status %s: %s.'
            % (params['wait_timeout'], target.final, describe(outcome.pending))
        )
    if problems:
        if outcome.acted:
            problems.append('The hosts acted on are listed in %s.' % target.state)
        module.fail(' '.join([msg] + problems), **result)
    if outcome.failed:
        module.warn('Failed to %s %s: %s' % (target.verb, plural(len(outcome.failed)), describe(outcome.failed)))
    if outcome.not_found:
        module.warn('Not found: %s' % shortlist(not_found))
    module.exit(msg=msg, **result)


def main():
    """Module entry point."""
    module = FalconModule(ARGUMENT_SPEC, supports_check_mode=True, mutually_exclusive=MUTUALLY_EXCLUSIVE)
    module.run(run)


if __name__ == '__main__':
    main()
