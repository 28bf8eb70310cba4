"""Unit tests of falcon_host_contain: per-host decisions, check/diff, guards, partial failures, waiting.

HTTP is faked at the requests Session by a small stateful stand-in for the hosts API.
"""

import json
import re

import pytest

from ansible_collections.secops.falcon.plugins.module_utils import _http
from ansible_collections.secops.falcon.plugins.modules import falcon_host_contain

TOKEN = '/oauth2/token'
SCROLL = '/devices/queries/devices-scroll/v1'
DETAILS = '/devices/entities/devices/v2'
ACTION = '/devices/entities/devices-actions/v2'
QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")
NEXT = {'containment_pending': 'contained', 'lift_containment_pending': 'normal'}


def aid(number):
    """A well-formed device id."""
    return '%032x' % number


class FakeHostsApi:
    """Answers token, scroll, details and actions from a dict of hosts; pending states settle after N detail reads."""

    def __init__(self, fake, statuses, settle_after=None):
        self.fake = fake
        self.hosts = dict(
            (aid(i), {'device_id': aid(i), 'hostname': 'host-%d' % i, 'status': s}) for i, s in enumerate(statuses)
        )
        self.settle_after = settle_after  # None: never settle
        self.reads_since_action = 0
        self.action_answer = None  # optional callable(batch) -> response, replacing the default behaviour

    def __call__(self, call):
        if call.path == TOKEN:
            return self.fake.token_response()
        if call.path == SCROLL:
            return self.scroll(call.kwargs['params'].get('filter'))
        if call.path == DETAILS:
            return self.details(call.kwargs['json']['ids'])
        if call.path == ACTION:
            return self.action(call.kwargs['params']['action_name'], call.kwargs['json']['ids'])
        raise AssertionError('unexpected request %s' % call.path)

    def scroll(self, fql):
        if fql and fql.startswith('hostname:['):
            names = set(v.lower() for v in QUOTED.findall(fql))
            ids = [i for i, h in self.hosts.items() if h['hostname'] in names]
        elif fql == "status:'nothing'":
            ids = []
        else:
            ids = list(self.hosts)
        return self.fake.make_response(200, self.fake.api_body(ids, pagination={'offset': 'tok', 'total': len(ids)}))

    def details(self, ids):
        self.reads_since_action += 1
        if self.settle_after is not None and self.reads_since_action > self.settle_after:
            for host in self.hosts.values():
                host['status'] = NEXT.get(host['status'], host['status'])
        return self.fake.make_response(200, self.fake.api_body([dict(self.hosts[i]) for i in ids if i in self.hosts]))

    def action(self, name, ids):
        self.reads_since_action = 0
        if self.action_answer is not None:
            return self.action_answer(ids)
        done, errors = [], []
        for i in ids:
            host = self.hosts.get(i)
            if host is None:
                errors.append({'code': 404, 'message': 'Device %s was not found' % i})
            elif (name == 'contain') == (host['status'] in ('contained', 'containment_pending')):
                errors.append({'code': 409, 'message': 'Device %s is already in that state' % i})
            else:
                host['status'] = 'containment_pending' if name == 'contain' else 'lift_containment_pending'
                done.append({'id': i, 'path': ''})
        return self.fake.make_response(202 if done else 409, self.fake.api_body(done, errors=errors))

    def statuses(self):
        return dict((i, h['status']) for i, h in self.hosts.items())


@pytest.fixture
def api_factory(fake, monkeypatch):
    """Build the fake hosts API and make it the requests Session of every FalconClient (the one seam)."""
    holder = {}

    def build(statuses, settle_after=None):
        api = FakeHostsApi(fake, statuses, settle_after)
        api.session = holder['session'] = fake.FakeSession(handler=api)
        return api

    monkeypatch.setattr(_http.requests, 'Session', lambda: holder['session'])
    return build


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    """Record the waits between status reads instead of sleeping."""
    from ansible_collections.secops.falcon.plugins.module_utils import _hosts

    waits = []
    monkeypatch.setattr(_hosts, '_sleep', waits.append)
    return waits


@pytest.fixture
def run(module_runner):
    """Run falcon_host_contain with args; return the result dict."""

    def runner(**args):
        return module_runner(falcon_host_contain, **args)[0]

    return runner


def warnings(result):
    """The warning texts of a result (ansible-core 2.19 returns them as structured events)."""
    return [w['event']['msg'] if isinstance(w, dict) else w for w in result.get('warnings', [])]


def actions_sent(api):
    """The action calls the fake API received."""
    return [c for c in api.session.calls if c.path == ACTION]


def test_contain_acts_only_on_hosts_not_contained(api_factory, run):
    api = api_factory(['normal', 'contained', 'containment_pending', 'lift_containment_pending'])
    result = run(ids=[aid(i) for i in range(4)], diff=True)
    assert result['changed'] is True and not result.get('failed')
    assert sorted(h['id'] for h in result['contained']) == [aid(0), aid(3)]
    assert sorted(h['id'] for h in result['unchanged']) == [aid(1), aid(2)]
    assert (
        result['lifted'] == []
        and result['failed_hosts'] == []
        and result['not_found'] == []
        and result['pending'] == []
    )
    assert result['msg'] == 'Contained 2 hosts (2 already contained).'
    assert result['diff']['before'][aid(3)] == {'hostname': 'host-3', 'status': 'lift_containment_pending'}
    assert result['diff']['after'][aid(0)] == {'hostname': 'host-0', 'status': 'containment_pending'}
    assert set(result['diff']['before']) == {aid(0), aid(3)}
    assert api.statuses()[aid(0)] == 'containment_pending'


def test_check_mode_predicts_and_sends_nothing(api_factory, run):
    api = api_factory(['normal', 'contained'])
    result = run(ids=[aid(0), aid(1)], check_mode=True, diff=True)
    assert result['changed'] is True
    assert result['contained'] == [{'id': aid(0), 'hostname': 'host-0', 'status': 'containment_pending'}]
    assert result['unchanged'] == [{'id': aid(1), 'hostname': 'host-1', 'status': 'contained'}]
    assert result['msg'] == 'Would contain 1 host (1 already contained).'
    assert result['diff']['after'][aid(0)]['status'] == 'containment_pending'
    assert api.statuses()[aid(0)] == 'normal'
    assert not actions_sent(api)


def test_check_mode_with_wait_predicts_the_final_status(api_factory, run):
    api_factory(['normal'])
    result = run(ids=[aid(0)], check_mode=True, wait=True)
    assert result['contained'][0]['status'] == 'contained'


def test_second_run_reports_no_change(api_factory, run):
    api_factory(['normal', 'normal'])
    assert run(hostnames=['host-0', 'HOST-1'])['changed'] is True
    again = run(hostnames=['host-0', 'HOST-1'])
    assert again['changed'] is False and again['contained'] == [] and len(again['unchanged']) == 2
    assert again['msg'] == 'No change (2 already contained).'


def test_lift(api_factory, run):
    api = api_factory(['contained', 'normal', 'containment_pending'])
    result = run(ids=[aid(0), aid(1), aid(2)], state='lifted')
    assert sorted(h['id'] for h in result['lifted']) == [aid(0), aid(2)]
    assert result['contained'] == [] and [h['id'] for h in result['unchanged']] == [aid(1)]
    assert result['msg'] == 'Lifted containment on 2 hosts (1 already not contained).'
    assert api.statuses() == {aid(0): 'lift_containment_pending', aid(1): 'normal', aid(2): 'lift_containment_pending'}


def test_409_race_counts_as_unchanged(api_factory, run, fake):
    api = api_factory(['normal'])
    api.action_answer = lambda ids: fake.make_response(
        409, fake.api_body([], errors=[{'code': 409, 'message': 'Device %s is already contained' % ids[0]}])
    )
    result = run(ids=[aid(0)])
    assert result['changed'] is False and [h['id'] for h in result['unchanged']] == [aid(0)]


def test_per_host_failure_fails_the_task_but_lists_what_was_done(api_factory, run, fake):
    api = api_factory(['normal', 'normal'])
    api.action_answer = lambda ids: fake.make_response(
        202,
        fake.api_body(
            [{'id': aid(0), 'path': ''}], errors=[{'code': 500, 'message': 'Device %s could not be contained' % aid(1)}]
        ),
    )
    result = run(ids=[aid(0), aid(1)])
    assert result['failed'] is True and result['changed'] is True
    assert [h['id'] for h in result['contained']] == [aid(0)]
    assert result['failed_hosts'] == [
        {
            'id': aid(1),
            'hostname': 'host-1',
            'status': 'normal',
            'reason': '500: Device %s could not be contained' % aid(1),
        }
    ]
    assert result['msg'].startswith('Contained 1 host (1 failed). Failed: host-1 (%s): 500: Device' % aid(1))
    assert result['msg'].endswith('The hosts acted on are listed in contained.')


def test_accepted_response_leaving_a_host_out_is_not_success(api_factory, run, fake):
    api = api_factory(['normal', 'normal'])
    api.action_answer = lambda ids: fake.make_response(202, fake.api_body([{'id': aid(0), 'path': ''}]))
    result = run(ids=[aid(0), aid(1)])
    assert result['failed'] is True and [h['id'] for h in result['contained']] == [aid(0)]
    assert [h['id'] for h in result['failed_hosts']] == [aid(1)] and 'not confirmed' in result['failed_hosts'][0][
        'reason'
    ]


def test_fail_on_error_false_reports_failures_as_warnings(api_factory, run, fake):
    api = api_factory(['normal'])
    api.action_answer = lambda ids: fake.make_response(
        403, {'errors': [{'code': 403, 'message': 'access denied, scope not permitted'}]}
    )
    result = run(ids=[aid(0)], fail_on_error=False)
    assert not result.get('failed') and result['changed'] is False
    assert 'HTTP 403' in result['failed_hosts'][0]['reason']
    assert any('Failed to contain 1 host' in w for w in warnings(result))


def test_unknown_ids_fail_before_anything_is_sent(api_factory, run):
    api = api_factory(['normal'])
    result = run(ids=[aid(0), aid(9)])
    assert result['failed'] is True and result['changed'] is False
    assert result['not_found'] == [{'id': aid(9), 'hostname': None, 'status': None}]
    assert '1 requested host not found: %s. Nothing was sent' % aid(9) in result['msg']
    assert not actions_sent(api)


def test_unknown_hosts_with_fail_on_error_false(api_factory, run):
    api = api_factory(['normal'])
    result = run(hostnames=['host-0', 'ghost'], fail_on_error=False)
    assert not result.get('failed') and result['changed'] is True
    assert result['not_found'] == [{'id': None, 'hostname': 'ghost', 'status': None}]
    assert any('Not found: ghost' in w for w in warnings(result))
    assert api.statuses()[aid(0)] == 'containment_pending'


def test_max_hosts_refuses_before_reading_details(api_factory, run):
    api = api_factory(['normal'] * 30)
    result = run(filter="platform_name:'Linux'")
    assert result['failed'] is True and result['changed'] is False
    assert result['msg'].startswith('The selection matches 30 hosts, more than max_hosts=25; nothing was sent.')
    assert not [c for c in api.session.calls if c.path in (DETAILS, ACTION)]
    assert run(filter="platform_name:'Linux'", max_hosts=30)['changed'] is True


def test_max_hosts_for_an_id_list_does_not_claim_the_ids_match(api_factory, run):
    """Ids beyond max_hosts are refused unread: the message counts ids listed, not hosts matched."""
    api = api_factory(['normal'] * 2)
    result = run(ids=[aid(0), aid(1), 'f' * 32], max_hosts=2)
    assert result['failed'] is True
    assert result['msg'].startswith('The selection lists 3 host ids, more than max_hosts=2; nothing was sent.')
    assert 'matches' not in result['msg']
    assert not [c for c in api.session.calls if c.path == ACTION]


@pytest.mark.parametrize(
    'args, text',
    [
        ({}, 'Select the hosts with ids, hostnames or filter. An empty selection never means every host.'),
        ({'filter': ' '}, 'filter is empty. An empty FQL filter would match every host'),
        ({'ids': [], 'max_hosts': 0}, 'max_hosts must be at least 1, got 0.'),
        ({'ids': [], 'poll_interval': 0}, 'poll_interval must be a number of seconds of at least 0.5, got 0.0.'),
        (
            {'ids': [], 'poll_interval': 0.0001},
            'poll_interval must be a number of seconds of at least 0.5, got 0.0001.',
        ),
        (
            {'ids': [], 'poll_interval': float('nan')},
            'poll_interval must be a number of seconds of at least 0.5, got nan.',
        ),
        (
            {'ids': [], 'poll_interval': float('inf')},
            'poll_interval must be a number of seconds of at least 0.5, got inf.',
        ),
        ({'ids': ['%032x\n' % 1]}, "Invalid host id '00000000000000000000000000000001\\n'"),
        ({'hostnames': ['web-*']}, "Invalid hostname 'web-*': hostnames are matched exactly"),
        ({'ids': [], 'wait_timeout': -1}, 'wait_timeout must be 0 or more seconds, got -1.'),
        ({'ids': ['bad']}, "Invalid host id 'bad'"),
        ({'hostnames': ['host-0', '']}, "Invalid hostname '': hostnames must not be empty."),
        ({'ids': [aid(0)], 'hostnames': ['x']}, 'mutually exclusive'),
    ],
)
def test_bad_selections_fail_clearly(api_factory, run, args, text):
    api = api_factory(['normal'])
    result = run(**args)
    assert result['failed'] is True and text in result['msg']
    assert not actions_sent(api)


@pytest.mark.parametrize('args', [{'ids': []}, {'filter': "status:'nothing'"}, {'hostnames': []}])
def test_selection_matching_nothing_is_a_no_op(api_factory, run, args):
    api_factory(['normal'])
    result = run(**args)
    assert not result.get('failed') and result['changed'] is False
    assert result['msg'] == 'No hosts matched the selection; nothing to do.'


def test_wait_reaches_the_final_status(api_factory, run):
    api_factory(['normal', 'containment_pending'], settle_after=1)
    result = run(ids=[aid(0), aid(1)], wait=True, poll_interval=0.5, wait_timeout=30)
    assert not result.get('failed') and result['changed'] is True
    assert result['contained'] == [{'id': aid(0), 'hostname': 'host-0', 'status': 'contained'}]
    # The host already on its way was watched too.
    assert result['unchanged'] == [{'id': aid(1), 'hostname': 'host-1', 'status': 'contained'}]
    assert result['pending'] == []


def test_wait_timeout_fails_naming_the_stragglers(api_factory, run):
    api_factory(['normal'])
    result = run(ids=[aid(0)], wait=True, poll_interval=0.5, wait_timeout=0)
    assert result['failed'] is True and result['changed'] is True
    assert result['pending'] == [{'id': aid(0), 'hostname': 'host-0', 'status': 'containment_pending'}]
    assert (
        'Timed out after 0s waiting for status contained: host-0 (%s): containment_pending.' % aid(0) in result['msg']
    )


def test_secret_never_in_output(api_factory, run, fake):
    api_factory(['normal'])
    result = run(ids=[aid(0)])
    assert fake.CLIENT_SECRET not in json.dumps(result)


# -- once a request may have reached the API, the result says so (issue 10 #2) -----------------------------------------


def fail_details_after(api, fake, reads, status=503):
    """Make the fake answer details normally for `reads` calls after the action, then with status."""
    original = api.details

    def details(ids):
        if api.reads_since_action >= reads and any(c.path == ACTION for c in api.session.calls):
            api.reads_since_action += 1
            return fake.make_response(
                status, fake.api_body(errors=[{'code': status, 'message': 'Service Unavailable'}])
            )
        return original(ids)

    api.details = details


def test_accepted_containment_whose_status_reread_fails_is_reported_as_changed(api_factory, run, fake, sleeps):
    api = api_factory(['normal', 'normal'])
    fail_details_after(api, fake, 0)
    result = run(ids=[aid(0), aid(1)])
    assert result['failed'] is True and result['changed'] is True
    assert sorted(h['id'] for h in result['contained']) == [aid(0), aid(1)]
    assert all(h['status'] == 'unknown' for h in result['contained'])
    assert result['failed_hosts'] == [] and result['unknown'] == []
    assert 'The status read after the request failed' in result['msg'] and '503' in result['msg']
    assert 'The hosts acted on are listed in contained.' in result['msg']


def test_api_lost_during_wait_keeps_the_hosts_acted_on(api_factory, run, fake, sleeps):
    api = api_factory(['normal'])
    fail_details_after(api, fake, 1)
    result = run(ids=[aid(0)], wait=True, wait_timeout=60, poll_interval=0.5)
    assert result['failed'] is True and result['changed'] is True
    assert result['contained'] == [{'id': aid(0), 'hostname': 'host-0', 'status': 'containment_pending'}]
    assert 'The status read after the request failed' in result['msg']


def test_write_that_timed_out_but_was_applied_counts_as_acted_on(api_factory, run, fake):
    import requests

    api = api_factory(['normal', 'normal'])

    def applied_then_lost(ids):
        api.hosts[aid(0)]['status'] = 'containment_pending'  # the API applied it for host 0 only
        raise requests.exceptions.ReadTimeout('read timed out')

    api.action_answer = applied_then_lost
    result = run(ids=[aid(0), aid(1)])
    assert result['changed'] is True and result['failed'] is True
    assert result['contained'] == [{'id': aid(0), 'hostname': 'host-0', 'status': 'containment_pending'}]
    (unknown,) = result['unknown']
    assert unknown['id'] == aid(1) and unknown['status'] == 'normal'
    assert 'may have reached the API' in unknown['reason'] and 'status read after it: normal' in unknown['reason']
    assert result['failed_hosts'] == []
    assert result['msg'].startswith('Contained 1 host (1 in an unknown state).')
    assert 'State unknown' in result['msg'] and 'host-1' in result['msg']


def test_unknown_state_is_reported_even_when_the_api_is_gone(api_factory, run, fake, sleeps):
    import requests

    api = api_factory(['normal'])

    def lost(ids):
        raise requests.exceptions.ReadTimeout('read timed out')

    api.action_answer = lost
    fail_details_after(api, fake, 0)
    result = run(ids=[aid(0)])
    assert result['failed'] is True and result['changed'] is True
    assert result['contained'] == [] and [h['id'] for h in result['unknown']] == [aid(0)]
    assert result['unknown'][0]['status'] == 'unknown' and 'not readable' in result['unknown'][0]['reason']
    assert result['msg'].startswith('No confirmed change (1 in an unknown state).')


def test_every_result_list_is_present_on_a_failure_after_selection(api_factory, run):
    api_factory(['normal'] * 30)
    result = run(filter="platform_name:'Linux'")
    for key in ('contained', 'lifted', 'unchanged', 'failed_hosts', 'unknown', 'not_found', 'pending'):
        assert result[key] == [], key


def test_not_found_message_is_cut_at_ten_with_the_count(api_factory, run):
    api_factory(['normal'])
    result = run(hostnames=['ghost-%02d' % i for i in range(12)])
    assert 'ghost-09, … (12 in all)' in result['msg'] and 'ghost-10' not in result['msg']
    assert len(result['not_found']) == 12


# -- guards for automation: protect_filter, exclude_ids, reason ---------------------------------------------------------


def test_protected_hosts_are_never_contained_nor_failures(api_factory, run):
    api = api_factory(['normal', 'normal', 'normal'])
    result = run(
        ids=[aid(0), aid(1), aid(2)],
        exclude_ids=[aid(1).upper()],
        protect_filter="tags:'no-auto-contain'",
        reason='ALERT-42: ransomware',
    )
    # The fake's scroll answers every id for an unknown filter: all three match the protect filter here.
    assert result['contained'] == [] and sorted(h['id'] for h in result['protected']) == [aid(0), aid(1), aid(2)]
    assert not result.get('failed') and result['changed'] is False
    assert result['reason'] == 'ALERT-42: ransomware'
    assert result['msg'] == 'No change (3 protected). Reason: ALERT-42: ransomware.'
    assert not actions_sent(api)


def test_exclude_ids_protects_only_those_hosts(api_factory, run):
    api = api_factory(['normal', 'normal'])
    result = run(ids=[aid(0), aid(1)], exclude_ids=[aid(1)], check_mode=True)
    assert [h['id'] for h in result['contained']] == [aid(0)] and [h['id'] for h in result['protected']] == [aid(1)]
    assert result['msg'] == 'Would contain 1 host (1 protected).' and result['reason'] is None
    real = run(ids=[aid(0), aid(1)], exclude_ids=[aid(1)])
    assert [h['id'] for h in real['contained']] == [aid(0)] and real['failed_hosts'] == []
    assert api.statuses()[aid(1)] == 'normal'


def test_protection_does_not_block_lifting(api_factory, run):
    api_factory(['contained'])
    result = run(ids=[aid(0)], exclude_ids=[aid(0)], state='lifted')
    assert [h['id'] for h in result['lifted']] == [aid(0)] and result['protected'] == []


@pytest.mark.parametrize(
    'args, text',
    [
        ({'ids': [aid(0)], 'protect_filter': '  '}, 'protect_filter is blank'),
        ({'ids': [aid(0)], 'exclude_ids': ['dc-01']}, "Invalid exclude_ids id 'dc-01'"),
    ],
)
def test_bad_guards_fail_before_anything_is_sent(api_factory, run, args, text):
    api = api_factory(['normal'])
    result = run(**args)
    assert result['failed'] is True and text in result['msg']
    assert not actions_sent(api)
