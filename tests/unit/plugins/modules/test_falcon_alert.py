"""Unit tests of falcon_alert and falcon_alert_info: per-alert plans, grouping, comment detection, API answers that lie.

HTTP is faked at the requests Session by a small stateful stand-in for the Alerts API.
"""

import copy

import pytest

from ansible_collections.secops.falcon.plugins.modules import falcon_alert, falcon_alert_info

TOKEN = '/oauth2/token'
COMBINED = '/alerts/combined/alerts/v1'
ENTITIES = '/alerts/entities/alerts/v2'
UPDATE = '/alerts/entities/alerts/v3'
CID = 'c1d0000000000000000000000000a001'
JANE = ('5b9e2c3a-1f4d-4a7e-9c2b-0d8f6e1a2b3c', 'jane.doe@example.com', 'Jane Doe')


def alert_id(number):
    """A well-formed composite id."""
    return '%s:ind:%032x:%d-10197-%d' % (CID, number, 100000 + number, number)


class FakeAlertsApi:
    """Answers token, combined, entities and v3 actions from a dict of alert records."""

    def __init__(self, fake, records):
        self.fake = fake
        self.alerts = dict((r['composite_id'], r) for r in records)
        self.ignore_updates = False  # True: answer 200 but change nothing (an API that lies)

    def __call__(self, call):
        if call.path == TOKEN:
            return self.fake.token_response()
        body = call.kwargs.get('json') or {}
        if call.path == COMBINED:
            found = list(self.alerts.values())
            return self.fake.make_response(
                200, self.fake.api_body(copy.deepcopy(found), pagination={'total': len(found), 'limit': 1000})
            )
        if call.path == ENTITIES:
            return self.fake.make_response(
                200,
                self.fake.api_body([copy.deepcopy(self.alerts[i]) for i in body['composite_ids'] if i in self.alerts]),
            )
        if call.path == UPDATE:
            ids = [i for i in body['composite_ids'] if i in self.alerts]
            if not self.ignore_updates:
                for composite_id in ids:
                    for param in body['action_parameters']:
                        self.apply(self.alerts[composite_id], param['name'], param['value'])
            return self.fake.make_response(200, self.fake.api_body(ids))
        raise AssertionError('unexpected request %s' % call.path)

    @staticmethod
    def apply(record, name, value):
        """One action, as the API applies it."""
        if name == 'update_status':
            record['status'] = value
        elif name == 'add_tag':
            record['tags'].append(value)
        elif name == 'remove_tag':
            record['tags'].remove(value)
        elif name == 'append_comment':
            pass  # accepted, but the record has no comments field (DetectsExternalAlert)
        elif name == 'assign_to_user_id':
            record['assigned_to_uuid'], record['assigned_to_uid'], record['assigned_to_name'] = JANE
        elif name == 'unassign':
            record['assigned_to_uuid'] = record['assigned_to_uid'] = record['assigned_to_name'] = ''
        elif name == 'show_in_ui':
            record['show_in_ui'] = value == 'true'


def make_alert(number, **fields):
    """A minimal alert record."""
    record = {
        'composite_id': alert_id(number),
        'status': 'new',
        'tags': [],
        'show_in_ui': True,
        'assigned_to_uuid': '',
        'assigned_to_uid': '',
        'assigned_to_name': '',
    }
    record.update(fields)
    return record


@pytest.fixture
def api(fake, session):
    """The fake Alerts API behind the session (three alerts)."""
    stand_in = FakeAlertsApi(fake, [make_alert(1), make_alert(2), make_alert(3, status='closed', tags=['x'])])
    session.handler = stand_in
    return stand_in


def test_alerts_needing_the_same_actions_share_one_call(api, session, module_runner):
    """Alerts 1 and 2 need the same status change, alert 3 a different set: two update calls."""
    ids = [alert_id(1), alert_id(2), alert_id(3)]
    result, _out = module_runner(falcon_alert, ids=ids, status='in_progress', tags=['x'])
    assert result['changed'] is True and sorted(result['updated']) == sorted(ids)
    calls = session.calls_to(UPDATE)
    assert len(calls) == 2
    assert sorted(len(c.kwargs['json']['composite_ids']) for c in calls) == [1, 2]
    assert [a['name'] for a in result['actions'][alert_id(3)]] == ['update_status']
    assert [a['name'] for a in result['actions'][alert_id(1)]] == ['update_status', 'add_tag']


def test_check_mode_sends_nothing_and_predicts(api, session, module_runner):
    """Check mode: no update call, the diff shows the predicted state and the comment that would be sent."""
    result, _out = module_runner(
        falcon_alert, check_mode=True, diff=True, ids=[alert_id(1)], comment='seen', show_in_ui=False
    )
    assert result['changed'] is True and session.calls_to(UPDATE) == []
    assert result['diff']['after'][alert_id(1)]['comment'] == 'seen'
    assert result['diff']['after'][alert_id(1)]['show_in_ui'] is False


def sent_actions(session):
    """The action names of every update call, in order."""
    return [[p['name'] for p in c.kwargs['json']['action_parameters']] for c in session.calls_to(UPDATE)]


def test_comment_goes_with_the_changes_and_a_rerun_appends_nothing(api, session, module_runner):
    """On records without comments: status+comment changes once; the rerun sends nothing and is unchanged."""
    first, _out = module_runner(falcon_alert, ids=[alert_id(1)], status='in_progress', comment='seen')
    assert first['changed'] is True and first['failed_alerts'] == []
    assert sent_actions(session) == [['update_status', 'append_comment']]
    again, _out = module_runner(falcon_alert, ids=[alert_id(1)], status='in_progress', comment='seen')
    assert again['changed'] is False and again['unchanged'] == [alert_id(1)]
    assert len(session.calls_to(UPDATE)) == 1


def test_comment_only_always_appends(api, session, module_runner):
    """A comment-only task appends on every run (changed), and does not fail for a comment it cannot read back."""
    for _run in range(2):
        result, _out = module_runner(falcon_alert, diff=True, ids=[alert_id(1)], comment='seen')
        assert result['changed'] is True and result['updated'] == [alert_id(1)] and result['failed_alerts'] == []
        assert result['diff']['after'][alert_id(1)]['comment'] == 'seen'
    assert sent_actions(session) == [['append_comment'], ['append_comment']]


def test_comment_only_in_check_mode_reports_changed_and_sends_nothing(api, session, module_runner):
    """Check mode of a comment-only task: changed, nothing sent."""
    result, _out = module_runner(falcon_alert, check_mode=True, ids=[alert_id(1)], comment='seen')
    assert result['changed'] is True and session.calls_to(UPDATE) == []


def test_assignee_matches_uuid_uid_or_name(api, session, module_runner):
    """Assigned to Jane: her uuid (any case), e-mail (any case) or name all count as already assigned."""
    for number in (1, 2, 3):
        api.alerts[alert_id(number)].update(assigned_to_uuid=JANE[0], assigned_to_uid=JANE[1], assigned_to_name=JANE[2])
    for value in (JANE[0].upper(), 'JANE.DOE@example.com', 'Jane Doe'):
        result, _out = module_runner(falcon_alert, ids=[alert_id(1)], assigned_to=value)
        assert result['changed'] is False, value
    assert session.calls_to(UPDATE) == []
    # Names compare exactly: another spelling is sent as an assignment by name.
    module_runner(falcon_alert, ids=[alert_id(1)], assigned_to='jane doe')
    assert session.calls_to(UPDATE)[0].kwargs['json']['action_parameters'] == [
        {'name': 'assign_to_name', 'value': 'jane doe'}
    ]


def test_an_update_the_api_ignores_fails_the_task(api, session, module_runner):
    """200 but nothing changed: listed in failed_alerts with what is still missing, the task fails, changed is false."""
    api.ignore_updates = True
    result, _out = module_runner(falcon_alert, ids=[alert_id(1)], status='closed')
    assert result['failed'] is True and result['changed'] is False
    assert result['failed_alerts'] == [
        {'composite_id': alert_id(1), 'reason': 'the API accepted the update but the alert still needs update_status'}
    ]


def test_failed_alerts_in_the_message_are_cut_at_ten_with_the_count(fake, session, module_runner):
    """Twelve updates the API ignores: the message names the first ten, then '… (12 in all)' like the other lists."""
    session.handler = stand_in = FakeAlertsApi(fake, [make_alert(n) for n in range(1, 13)])
    stand_in.ignore_updates = True
    ids = [alert_id(n) for n in range(1, 13)]
    result, _out = module_runner(falcon_alert, ids=ids, status='closed')
    assert result['failed'] is True and len(result['failed_alerts']) == 12
    reason = 'the API accepted the update but the alert still needs update_status'
    assert result['msg'] == 'No change (12 failed). Failed: %s; … (12 in all).' % '; '.join(
        '%s: %s' % (i, reason) for i in ids[:10]
    )
    assert alert_id(11) not in result['msg'] and ' more' not in result['msg']


def test_unknown_ids_fail_before_any_update(api, session, module_runner):
    """An unknown id: nothing is sent, the id is in not_found."""
    missing = alert_id(99)
    result, _out = module_runner(falcon_alert, ids=[alert_id(1), missing], status='closed')
    assert result['failed'] is True and result['not_found'] == [missing]
    assert session.calls_to(UPDATE) == []


def test_purge_tags_without_tags_removes_every_tag(api, session, module_runner):
    """purge_tags with no tags is a valid 'no tags at all'."""
    result, _out = module_runner(falcon_alert, ids=[alert_id(3)], purge_tags=True)
    assert result['changed'] is True and api.alerts[alert_id(3)]['tags'] == []


def test_info_with_an_empty_id_list_calls_nothing(api, session, module_runner):
    """ids: [] is an empty selection, not every alert."""
    result, _out = module_runner(falcon_alert_info, ids=[])
    assert result['alerts'] == [] and result['total'] == 0
    assert [c.path for c in session.calls if c.path != TOKEN] == []


def test_info_by_filter_uses_only_the_combined_endpoint(api, session, module_runner):
    """A filter search reads full records from combined, no entities call."""
    result, _out = module_runner(falcon_alert_info, filter="status:'new'", sort='created_timestamp|asc')
    assert result['total'] == 3 and len(result['alerts']) == 3
    assert session.calls_to(ENTITIES) == []
    assert session.calls_to(COMBINED)[0].kwargs['json'] == {
        'limit': 1000,
        'filter': "status:'new'",
        'sort': 'created_timestamp|asc',
    }
