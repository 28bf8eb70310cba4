#!/usr/bin/python
# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: falcon_alert
short_description: Set the status, assignee, tags, comment and visibility of CrowdStrike Falcon alerts
version_added: 0.1.0
description:
  - Declares the state of the selected alerts of the Falcon Alerts API; only what is given is managed.
  - Idempotent. Every alert is read first and only the differences are sent (one update call per set of alerts that
    need the same actions, 1000 alerts a call). C(changed) comes from comparing the alerts before and after, so a
    second run reports no change.
  - "Comments: the alert record the API returns has no comments (the spec's C(DetectsExternalAlert) has no such field),
    so nothing here reads comments back. A O(comment) given with other options goes with the changes the task makes:
    it is appended to an alert only in the same update that changes it, so a re-run that changes nothing appends
    nothing. A comment-only task (no other option given) appends the comment on every run and always reports
    changed, because the API cannot tell whether it was appended before; check mode reports changed and sends
    nothing."
  - Check mode predicts the change per alert and sends nothing. With C(--diff) each changed alert's status,
    assignee, tags and visibility are shown
    before and after; a comment sent shows as C(comment) in the after state.
  - "Safety: an empty selection never means every alert. Giving neither O(ids) nor O(filter) is an error, and so is
    an empty filter. The O(max_alerts) guard refuses, before anything is sent, a filter that matches more alerts."
  - "Failures: an id that matches no alert fails the task before anything is sent. An alert the API refuses (or
    whose update did not take effect) is listed in RV(failed_alerts) with the reason and fails the task, even when
    other alerts were updated: a half-applied change is never reported as success."
options:
  ids:
    description:
      - Composite ids of the alerts (their C(composite_id) field).
      - Mutually exclusive with O(filter).
    type: list
    elements: str
  filter:
    description:
      - An FQL filter selecting the alerts, for example C(device.hostname:'web-01'+status:'new').
      - It must not be empty (that would select every alert). A filter the API cannot parse fails the task.
      - Mutually exclusive with O(ids).
    type: str
  max_alerts:
    description:
      - With O(filter), refuse (before anything is sent) a selection of more than this many alerts.
      - The count covers every matching alert, including those already in the wanted state.
    type: int
    default: 25
  status:
    description: The workflow status the alerts must have.
    type: str
    choices: [new, in_progress, reopened, closed]
  assigned_to:
    description:
      - The user the alerts must be assigned to, given by user UUID, user id (the e-mail address) or user name.
        An alert counts as assigned to them when any of its C(assigned_to_uuid), C(assigned_to_uid) or
        C(assigned_to_name) equals the value (UUIDs and user ids ignoring case).
      - V(none) or the empty string means the alerts must be unassigned.
    type: str
  tags:
    description:
      - Tags the alerts must carry. Tags an alert has besides them are kept unless O(purge_tags=true).
    type: list
    elements: str
  remove_tags:
    description: Tags the alerts must not carry. A tag may not be in both O(tags) and O(remove_tags).
    type: list
    elements: str
  purge_tags:
    description:
      - When true, the tags of each alert become exactly O(tags) (an empty or missing O(tags) removes every tag).
    type: bool
    default: false
  comment:
    description:
      - A comment to append, sent in the same update as the changes the task makes to an alert. With other options,
        an alert already in the wanted state gets no comment, so a re-run appends nothing.
      - "Given alone (no other option), the comment is appended to every selected alert on every run and the task
        reports changed: the API returns no comments, so whether it was appended before cannot be known."
    type: str
  show_in_ui:
    description: Whether the alerts are shown in the Falcon console (false hides them).
    type: bool
extends_documentation_fragment:
  - secops.falcon.common
  - secops.falcon.common.attributes_action_group
  - secops.falcon.common.attributes_changes
author:
  - secops.falcon maintainers (!UNKNOWN)
notes:
  - Requires the API scopes C(alerts:read) and C(alerts:write) (Alerts Read and Write).
"""

EXAMPLES = r"""
- name: Take an alert in hand
  secops.falcon.falcon_alert:
    ids:
      - "{{ alert.composite_id }}"
    status: in_progress
    assigned_to: sec-automation@example.com
    tags: [auto-contained]
    comment: "Host contained by automation (ticket INC-1234)."

- name: Close every new informational alert of one host (at most 50)
  secops.falcon.falcon_alert:
    filter: "device.hostname:'web-01'+status:'new'+severity:<20"
    status: closed
    max_alerts: 50

- name: Make the tags exactly these and unassign
  secops.falcon.falcon_alert:
    ids: "{{ alert_ids }}"
    tags: [triaged]
    purge_tags: true
    assigned_to: none
"""

RETURN = r"""
alerts:
  description:
    - The selected alerts with the API's field names, read again after the update (as read in check mode).
  returned: always
  type: list
  elements: dict
  sample:
    - composite_id: c1d0000000000000000000000000a001:ind:0123456789abcdef0123456789abcdef:117033563479-10197-1
      status: in_progress
      tags: [auto-contained]
updated:
  description: Composite ids of the alerts that were changed (or would be, in check mode).
  returned: always
  type: list
  elements: str
  sample:
    - c1d0000000000000000000000000a001:ind:0123456789abcdef0123456789abcdef:117033563479-10197-1
unchanged:
  description: Composite ids of the selected alerts already in the wanted state.
  returned: always
  type: list
  elements: str
  sample: []
actions:
  description: Per updated alert, the Alerts API actions sent (or that would be sent), as C({name, value}) pairs.
  returned: always
  type: dict
  sample:
    c1d0000000000000000000000000a001:ind:0123456789abcdef0123456789abcdef:117033563479-10197-1:
      - name: update_status
        value: in_progress
failed_alerts:
  description:
    - Alerts whose update failed, each with its C(composite_id) and a C(reason) (the API's code and message).
  returned: always
  type: list
  elements: dict
  sample:
    - composite_id: c1d0000000000000000000000000a001:ind:0123456789abcdef0123456789abcdef:117033563479-10197-1
      reason: "403: access denied, scope not permitted"
not_found:
  description: Requested composite ids that match no alert.
  returned: always
  type: list
  elements: str
  sample: []
total:
  description: How many alerts the selection matched.
  returned: always
  type: int
  sample: 1
msg:
  description: A one-line summary of what was (or would be) done.
  returned: always
  type: str
  sample: Updated 1 alert.
"""

from ansible_collections.secops.falcon.plugins.module_utils._alerts import (
    assignment_action,
    get_alerts,
    search_alerts,
    update_alerts,
    validate_composite_ids,
)
from ansible_collections.secops.falcon.plugins.module_utils._module import FalconModule
from ansible_collections.secops.falcon.plugins.module_utils._text import describe_items, plural

ARGUMENT_SPEC = dict(
    ids=dict(type='list', elements='str'),
    filter=dict(type='str'),
    max_alerts=dict(type='int', default=25),
    status=dict(type='str', choices=['new', 'in_progress', 'reopened', 'closed']),
    assigned_to=dict(type='str'),
    tags=dict(type='list', elements='str'),
    remove_tags=dict(type='list', elements='str'),
    purge_tags=dict(type='bool', default=False),
    comment=dict(type='str'),
    show_in_ui=dict(type='bool'),
)
MUTUALLY_EXCLUSIVE = [('ids', 'filter')]
UNASSIGN_VALUES = ('', 'none')
ASSIGNED_FIELD = {
    'assign_to_uuid': 'assigned_to_uuid',
    'assign_to_user_id': 'assigned_to_uid',
    'assign_to_name': 'assigned_to_name',
}


class Wanted:
    """The declared state, validated, and what it takes to bring one alert there."""

    def __init__(self, params):
        self.status = params['status']
        value = params['assigned_to']
        self.unassign = value is not None and value.strip().lower() in UNASSIGN_VALUES
        self.assignee = value.strip() if value is not None and not self.unassign else None
        self.tags = params['tags']
        self.remove = params['remove_tags'] or []
        self.purge = params['purge_tags']
        self.comment = params['comment']
        self.show_in_ui = params['show_in_ui']

    def comment_only(self):
        """True when the task gives a comment and nothing else to manage."""
        return (
            self.comment is not None
            and self.status is None
            and params_none(self.assignee, self.tags, self.show_in_ui)
            and not (self.unassign or self.remove or self.purge)
        )

    def plan(self, record):
        """The actions to send to record: its changes, with the comment going along (always, for a comment-only task).

        Comments cannot be read back (the alert record has none), so a comment never decides by itself whether an
        alert needs an update, except in a comment-only task, where sending it is the whole point.
        """
        actions = self.actions(record)
        if self.comment is not None and (actions or self.comment_only()):
            actions.append(('append_comment', self.comment))
        return actions

    def problems(self):
        """Messages for option values that cannot be applied."""
        out = []
        if (
            self.status is None
            and params_none(self.assignee, self.tags, self.comment, self.show_in_ui)
            and not (self.unassign or self.remove or self.purge)
        ):
            out.append(
                'Nothing to set: give status, assigned_to, tags, remove_tags (or purge_tags), comment or show_in_ui.'
            )
        both = sorted(set(self.tags or []) & set(self.remove))
        if both:
            out.append(
                'Tags %s are in both tags and remove_tags; an alert cannot both carry and lack them.' % ', '.join(both)
            )
        if any(not t or not t.strip() for t in (self.tags or []) + self.remove):
            out.append('Tags must not be empty strings.')
        if self.comment is not None and not self.comment.strip():
            out.append('comment is empty; give the text to append, or leave comment out.')
        return out

    def actions(self, record):
        """The (name, value) state actions that bring record to the declared state (no comment; empty when there)."""
        actions = []
        if self.status is not None and record.get('status') != self.status:
            actions.append(('update_status', self.status))
        if self.unassign and any(record.get(k) for k in ASSIGNED_FIELD.values()):
            actions.append(('unassign', ''))
        elif self.assignee is not None and not self.assigned_already(record):
            actions.append((assignment_action(self.assignee), self.assignee))
        current = list(record.get('tags') or [])
        for tag in current:
            if tag in self.remove or (self.purge and tag not in (self.tags or [])):
                actions.append(('remove_tag', tag))
        for tag in self.tags or []:
            if tag not in current:
                actions.append(('add_tag', tag))
        if self.show_in_ui is not None and record.get('show_in_ui') is not self.show_in_ui:
            actions.append(('show_in_ui', 'true' if self.show_in_ui else 'false'))
        return actions

    def assigned_already(self, record):
        """True when the alert is assigned to the declared user (by uuid, user id or name)."""
        low = self.assignee.lower()
        return (
            (record.get('assigned_to_uuid') or '').lower() == low
            or (record.get('assigned_to_uid') or '').lower() == low
            or record.get('assigned_to_name') == self.assignee
        )

    def view(self, record):
        """The managed part of an alert, for the diff."""
        preferred = ASSIGNED_FIELD[assignment_action(self.assignee)] if self.assignee else 'assigned_to_name'
        assignee = None
        for key in (preferred, 'assigned_to_name', 'assigned_to_uid', 'assigned_to_uuid'):
            if record.get(key):
                assignee = record[key]
                break
        return {
            'status': record.get('status'),
            'assigned_to': assignee,
            'tags': list(record.get('tags') or []),
            'show_in_ui': record.get('show_in_ui'),
        }

    def predict(self, record, actions):
        """The view of record once actions are applied (check mode)."""
        view = self.view(record)
        for name, value in actions:
            if name == 'update_status':
                view['status'] = value
            elif name == 'unassign':
                view['assigned_to'] = None
            elif name in ASSIGNED_FIELD:
                view['assigned_to'] = value
            elif name == 'remove_tag':
                view['tags'] = [t for t in view['tags'] if t != value]
            elif name == 'add_tag':
                view['tags'].append(value)
            elif name == 'append_comment':
                view['comment'] = value
            elif name == 'show_in_ui':
                view['show_in_ui'] = value == 'true'
        return view


def params_none(*values):
    """True when every value is None."""
    return all(v is None for v in values)


def check_params(module, wanted):
    """Refuse selections that could reach every alert and values that make no sense, before any request."""
    params = module.params
    if params['ids'] is None and params['filter'] is None:
        module.fail('Select the alerts with ids or filter. An empty selection never means every alert.')
    if params['filter'] is not None and not params['filter'].strip():
        module.fail(
            'filter is empty. An empty FQL filter would match every alert; give a filter that selects the alerts.'
        )
    if params['max_alerts'] < 1:
        module.fail(
            'max_alerts must be at least 1, got %d. Raise it to allow a larger selection.' % params['max_alerts']
        )
    problems = wanted.problems()
    if problems:
        module.fail(' '.join(problems))


def select(module, client, result):
    """The selected alert records (fails the task on unknown ids or a selection above max_alerts)."""
    params = module.params
    if params['ids'] is not None:
        ids = validate_composite_ids(params['ids'])
        records, not_found = get_alerts(client, ids) if ids else ([], [])
        result['total'] = len(records)
        result['not_found'] = not_found
        if not_found:
            missing = plural(len(not_found), 'requested alert')
            module.fail(
                '%s not found: %s. Nothing was sent; fix the ids.' % (missing, ', '.join(not_found[:10])), **result
            )
        return records
    search = search_alerts(client, fql=params['filter'].strip(), stop_above=params['max_alerts'])
    result['total'] = search.total
    if search.alerts is None or len(search.alerts) > params['max_alerts']:
        module.fail(
            'The filter matches %d alerts, more than max_alerts=%d; nothing was sent. Narrow the filter or raise '
            'max_alerts on purpose.' % (search.total, params['max_alerts']),
            **result,
        )
    return search.alerts


def send(client, plan):
    """Send the planned actions, one call per set of alerts needing the same actions; return the UpdateResult pieces."""
    groups = {}
    for composite_id, actions in plan.items():
        groups.setdefault(tuple(actions), []).append(composite_id)
    updated, failed = [], {}
    for actions, ids in groups.items():
        outcome = update_alerts(client, ids, list(actions))
        updated += outcome.updated
        failed.update(outcome.failed)
    return updated, failed


def summary(check_mode, updated, unchanged, failed, total):
    """The one-line human summary."""
    if not total:
        return 'No alerts matched the selection; nothing to do.'
    head = (
        ('Would update %s' if check_mode else 'Updated %s') % plural(len(updated), 'alert') if updated else 'No change'
    )
    details = []
    if unchanged:
        details.append('%d already as wanted' % len(unchanged))
    if failed:
        details.append('%d failed' % len(failed))
    return head + (' (%s).' % ', '.join(details) if details else '.')


def run(module):
    """Read the alerts, plan per alert, update (unless check mode), re-read and report."""
    wanted = Wanted(module.params)
    check_params(module, wanted)
    client = module.client()
    result = {
        'changed': False,
        'alerts': [],
        'updated': [],
        'unchanged': [],
        'actions': {},
        'failed_alerts': [],
        'not_found': [],
        'total': 0,
    }
    records = select(module, client, result)
    plan = dict((r['composite_id'], wanted.plan(r)) for r in records)
    plan = dict((k, v) for k, v in plan.items() if v)
    before = dict((r['composite_id'], wanted.view(r)) for r in records if r['composite_id'] in plan)
    result['unchanged'] = [r['composite_id'] for r in records if r['composite_id'] not in plan]
    failed = {}
    if module.check_mode or not plan:
        after = dict(
            (r['composite_id'], wanted.predict(r, plan[r['composite_id']]))
            for r in records
            if r['composite_id'] in plan
        )
        updated = [r['composite_id'] for r in records if r['composite_id'] in plan]
        result['alerts'] = records
    else:
        sent, failed = send(client, plan)
        latest, _missing = get_alerts(client, sent) if sent else ([], [])
        latest = dict((r['composite_id'], r) for r in latest)
        after, updated = {}, []
        for composite_id in sent:
            record = latest.get(composite_id)
            if record is None:
                failed[composite_id] = 'the alert could not be read back after the update'
                continue
            # Only fields the record really has are checked: a comment cannot be read back.
            left = wanted.actions(record)
            if left:
                failed[composite_id] = 'the API accepted the update but the alert still needs %s' % ', '.join(
                    n for n, _v in left
                )
            view = wanted.view(record)
            commented = ('append_comment', wanted.comment) in plan[composite_id]
            if commented:
                # The API accepted the comment; it is not in the record, so the after state says it was sent.
                view['comment'] = wanted.comment
            if commented or view != before[composite_id]:
                after[composite_id] = view
                updated.append(composite_id)
        result['alerts'] = [latest.get(r['composite_id'], r) for r in records]
    result['updated'] = updated
    result['actions'] = dict((k, [{'name': n, 'value': v} for n, v in plan[k]]) for k in updated)
    result['failed_alerts'] = [{'composite_id': k, 'reason': v} for k, v in failed.items()]
    result['changed'] = bool(updated)
    if updated:
        result['diff'] = {
            'before': dict((k, before[k]) for k in updated),
            'after': dict((k, after[k]) for k in updated),
        }
    msg = summary(module.check_mode, updated, result['unchanged'], failed, result['total'])
    if failed:
        module.fail(
            '%s Failed: %s.%s'
            % (msg, describe_items(failed.items()), ' The alerts changed are listed in updated.' if updated else ''),
            **result,
        )
    module.exit(msg=msg, **result)


def main():
    """Module entry point."""
    module = FalconModule(ARGUMENT_SPEC, supports_check_mode=True, mutually_exclusive=MUTUALLY_EXCLUSIVE)
    module.run(run)


if __name__ == '__main__':
    main()
