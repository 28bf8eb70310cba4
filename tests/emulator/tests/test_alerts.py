"""Alerts: seeded records, queries v2 and the 10,000 cap, entities v2, combined `after` paging, actions v3, injection."""

import json
import re

import pytest
import requests
from falcon_emulator import Emulator, EmulatorConfig
from falcon_emulator.alert_store import EXTRA_FIELDS, SPEC_FIELDS
from falcon_emulator.clients import DEFAULT_CLIENT, NOSCOPE_CLIENT, READONLY_CLIENT

QUERY = '/alerts/queries/alerts/v2'
ENTITIES = '/alerts/entities/alerts/v2'
COMBINED = '/alerts/combined/alerts/v1'
UPDATE = '/alerts/entities/alerts/v3'
SEVERITY_BANDS = {
    'Informational': (0, 19),
    'Low': (20, 39),
    'Medium': (40, 59),
    'High': (60, 79),
    'Critical': (80, 100),
}


def _patch(api, ids, *actions):
    """PATCH v3 with (name, value) action pairs."""
    body = {'composite_ids': ids, 'action_parameters': [{'name': n, 'value': v} for n, v in actions]}
    return api.call('PATCH', UPDATE, json=body)


def test_seeded_alerts_are_realistic_and_deterministic(falcon_emulator):
    """A few alerts per host, tied to the hosts, composite ids like real ones, same seed = same alerts."""
    alerts = falcon_emulator.alerts()
    hosts = {d['device_id']: d for d in falcon_emulator.devices()}
    assert 50 <= len(alerts) <= 200
    for alert in alerts:
        aid = alert['agent_id']
        assert aid in hosts and alert['platform'] == hosts[aid]['platform_name']
        assert set(alert) <= SPEC_FIELDS, sorted(set(alert) - SPEC_FIELDS)
        assert re.match(r'^%s:ind:%s:\d+-\d+-\d+$' % (DEFAULT_CLIENT.cid, aid), alert['composite_id'])
        assert alert['composite_id'] == '%s:%s' % (alert['cid'], alert['id'])
        low, high = SEVERITY_BANDS[alert['severity_name']]
        assert low <= alert['severity'] <= high
        assert alert['product'] in ('epp', 'idp', 'overwatch', 'xdr')
        assert alert['status'] in ('new', 'in_progress', 'reopened', 'closed')
        for key in ('created_timestamp', 'updated_timestamp', 'timestamp'):
            assert re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$', alert[key])
        assert alert['updated_timestamp'] >= alert['created_timestamp']
        # The spec's record (DetectsExternalAlert) has no comments field.
        assert isinstance(alert['tags'], list) and 'comments' not in alert
    assert {a['status'] for a in alerts} == {'new', 'in_progress', 'reopened', 'closed'}
    assert any(a['assigned_to_uuid'] for a in alerts)
    again = Emulator(EmulatorConfig(hosts=50, seed=1)).alerts()
    assert [a['composite_id'] for a in again] == [a['composite_id'] for a in alerts]
    assert Emulator(EmulatorConfig(hosts=50, seed=2)).alerts()[0]['composite_id'] != alerts[0]['composite_id']


def test_query_filter_sort_and_paging(falcon_emulator, api):
    """FQL on severity and status, sort by created_timestamp, offset pages cover every match once."""
    expected = sorted(
        (a for a in falcon_emulator.alerts() if a['severity'] >= 60 and a['status'] != 'closed'),
        key=lambda a: (a['created_timestamp'], a['composite_id']),
    )
    seen, offset = [], 0
    while True:
        body = api.get(
            QUERY,
            params={
                'filter': "severity:>=60+status:!'closed'",
                'sort': 'created_timestamp|asc',
                'limit': 7,
                'offset': offset,
            },
        ).json()
        assert body['meta']['pagination']['total'] == len(expected)
        if not body['resources']:
            break
        seen += body['resources']
        offset += len(body['resources'])
    assert seen == [a['composite_id'] for a in expected]


@pytest.mark.parametrize(
    'params, message',
    [
        ({'limit': 10001}, 'limit'),
        ({'offset': 9990, 'limit': 100}, 'offset + limit must be at most 10000'),
        ({'filter': "bogus:'x'"}, "['bogus' is an unknown property]"),
        ({'sort': 'nope|asc'}, "Invalid sort 'nope|asc'"),
        ({'include_hidden': 'maybe'}, 'include_hidden'),
    ],
)
def test_query_refuses_bad_parameters(api, params, message):
    """400 naming the bad value."""
    reply = api.get(QUERY, params=params)
    assert reply.status_code == 400
    assert message in reply.json()['errors'][0]['message']


def test_query_cap_allows_exactly_10000(emulator_factory, api_for):
    """offset + limit = 10000 is accepted; with more than 10000 alerts the query cannot reach the rest."""
    emu = emulator_factory(hosts=5000)
    api = api_for(emu)
    total = len(emu.alerts())
    assert total > 10000
    body = api.get(QUERY, params={'offset': 0, 'limit': 10000}).json()
    assert len(body['resources']) == 10000 and body['meta']['pagination']['total'] == total


def test_entities_in_request_order_unknown_left_out(falcon_emulator, api):
    """Records come back in request order, deduplicated; unknown composite ids are simply missing."""
    ids = [a['composite_id'] for a in falcon_emulator.alerts()[:3]]
    reply = api.post(ENTITIES, json={'composite_ids': [ids[2], 'nope', ids[0], ids[2]]})
    assert reply.status_code == 200
    assert [r['composite_id'] for r in reply.json()['resources']] == [ids[2], ids[0]]
    for body in ({}, {'composite_ids': []}, {'composite_ids': [1]}, {'composite_ids': ['x'] * 1001}):
        assert api.post(ENTITIES, json=body).status_code == 400


def test_combined_after_paging_goes_past_10000(emulator_factory, api_for):
    """`after` keyset paging reads every alert of a >10k tenant once, the last page has no `after`."""
    emu = emulator_factory(hosts=5000)
    api = api_for(emu)
    expected = len(emu.alerts())
    seen, after, calls = [], None, 0
    while True:
        body = {'limit': 1000, 'sort': 'created_timestamp|desc'}
        if after:
            body['after'] = after
        reply = api.post(COMBINED, json=body).json()
        calls += 1
        assert reply['meta']['pagination']['total'] == expected
        seen += [r['composite_id'] for r in reply['resources']]
        after = reply['meta']['pagination'].get('after')
        if not after:
            break
    assert len(seen) == len(set(seen)) == expected
    assert calls == -(-expected // 1000)


def test_combined_page_is_stable_when_alerts_arrive(falcon_emulator, api):
    """Sorted on created_timestamp ascending, a new alert lands at the end: no page repeats or skips a record."""
    first = api.post(COMBINED, json={'limit': 10, 'sort': 'created_timestamp|asc'}).json()
    falcon_emulator.add_alert(severity=50)
    rest, after = [], first['meta']['pagination']['after']
    while after:
        page = api.post(COMBINED, json={'limit': 10, 'sort': 'created_timestamp|asc', 'after': after}).json()
        rest += [r['composite_id'] for r in page['resources']]
        after = page['meta']['pagination'].get('after')
    everything = [r['composite_id'] for r in first['resources']] + rest
    assert sorted(everything) == sorted(a['composite_id'] for a in falcon_emulator.alerts())


@pytest.mark.parametrize(
    'body, message',
    [
        ({'limit': 1001}, 'limit'),
        ({'limit': 0}, 'limit'),
        ({'after': 'garbage!'}, "Invalid 'after' token"),
        ({'offset': 5}, 'Unknown body field(s) offset'),
        ({'filter': "x:'1'"}, "['x' is an unknown property]"),
    ],
)
def test_combined_refuses_bad_bodies(api, body, message):
    """400 naming the bad value."""
    reply = api.post(COMBINED, json=body)
    assert reply.status_code == 400
    assert message in reply.json()['errors'][0]['message']


def test_after_token_is_bound_to_its_sort(api):
    """A token issued for one sort is refused for another."""
    after = api.post(COMBINED, json={'limit': 5, 'sort': 'created_timestamp|asc'}).json()['meta']['pagination']['after']
    reply = api.post(COMBINED, json={'limit': 5, 'sort': 'severity|desc', 'after': after})
    assert reply.status_code == 400 and 'another sort' in reply.json()['errors'][0]['message']


def test_actions_update_every_field(falcon_emulator, api):
    """Status, assignment (by uuid, user id or name fills all three), tags, comment, show_in_ui; unknown ids in errors."""
    alert = falcon_emulator.add_alert(severity=90, tags=['keep', 'auto-a', 'auto-b'])
    cid = alert['composite_id']
    reply = _patch(
        api,
        [cid, 'missing'],
        ('update_status', 'in_progress'),
        ('assign_to_user_id', 'jane.doe@example.com'),
        ('add_tag', 'triaged'),
        ('remove_tags_by_prefix', 'auto-'),
        ('append_comment', 'looking'),
        ('show_in_ui', 'false'),
    )
    assert reply.status_code == 200
    body = reply.json()
    assert body['resources'] == [cid] and body['meta']['writes'] == {'resources_affected': 1}
    assert body['errors'] == [{'code': 404, 'message': 'Alert missing was not found', 'id': 'missing'}]
    record = next(a for a in falcon_emulator.alerts() if a['composite_id'] == cid)
    assert record['status'] == 'in_progress'
    assert (record['assigned_to_uuid'], record['assigned_to_uid'], record['assigned_to_name']) == (
        '5b9e2c3a-1f4d-4a7e-9c2b-0d8f6e1a2b3c',
        'jane.doe@example.com',
        'Jane Doe',
    )
    assert record['tags'] == ['keep', 'triaged']
    assert 'comments' not in record and falcon_emulator.alert_comments()[cid] == ['looking']
    assert record['show_in_ui'] is False
    assert record['updated_timestamp'] >= alert['updated_timestamp']
    _patch(api, [cid], ('unassign', ''), ('remove_tag', 'keep'), ('assign_to_name', 'Omar Haddad'))
    record = next(a for a in falcon_emulator.alerts() if a['composite_id'] == cid)
    assert record['assigned_to_uid'] == 'omar.haddad@example.com' and record['tags'] == ['triaged']


def test_hidden_alerts_and_include_hidden(falcon_emulator, api):
    """show_in_ui false hides an alert only when include_hidden=false."""
    cid = falcon_emulator.add_alert(severity=10, show_in_ui=False)['composite_id']
    flt = "composite_id:'%s'" % cid
    assert api.get(QUERY, params={'filter': flt}).json()['resources'] == [cid]
    assert api.get(QUERY, params={'filter': flt, 'include_hidden': 'false'}).json()['resources'] == []


def test_a_noop_action_keeps_updated_timestamp(falcon_emulator, api):
    """Setting the status an alert already has changes nothing, so updated_timestamp stays."""
    alert = falcon_emulator.add_alert(severity=40, created_timestamp='2026-01-01T00:00:00Z')
    assert _patch(api, [alert['composite_id']], ('update_status', 'new')).status_code == 200
    record = next(a for a in falcon_emulator.alerts() if a['composite_id'] == alert['composite_id'])
    assert record['updated_timestamp'] == '2026-01-01T00:00:00.000Z'


@pytest.mark.parametrize(
    'actions, message',
    [
        ([('update_status', 'done')], "Invalid status 'done'"),
        ([('explode', 'x')], "Unknown action 'explode'"),
        ([('assign_to_uuid', 'nobody')], "Unknown user 'nobody'"),
        ([('show_in_ui', 'sometimes')], 'show_in_ui'),
        ([('add_tag', '')], "Action 'add_tag' needs a non-empty string value"),
    ],
)
def test_actions_refuse_bad_values_and_change_nothing(falcon_emulator, api, actions, message):
    """A bad action is a 400 naming it, and no alert of the batch is touched."""
    before = falcon_emulator.alerts()
    reply = _patch(api, [before[0]['composite_id']], ('add_tag', 'first'), *actions)
    assert reply.status_code == 400 and message in reply.json()['errors'][0]['message']
    assert falcon_emulator.alerts() == before


def test_actions_on_only_unknown_ids_answer_404(api):
    """No alert found: 404 with one error per id."""
    reply = _patch(api, ['x', 'y'], ('add_tag', 't'))
    assert reply.status_code == 404
    assert [e['id'] for e in reply.json()['errors']] == ['x', 'y']


@pytest.mark.parametrize(
    'client, method, path, status',
    [
        (READONLY_CLIENT, 'GET', QUERY, 200),
        (READONLY_CLIENT, 'PATCH', UPDATE, 403),
        (NOSCOPE_CLIENT, 'GET', QUERY, 403),
        (NOSCOPE_CLIENT, 'POST', COMBINED, 403),
    ],
)
def test_scopes(falcon_emulator, api_for, client, method, path, status):
    """alerts:read for reads, alerts:write for actions."""
    api = api_for(falcon_emulator, client)
    body = {
        'composite_ids': [falcon_emulator.alerts()[0]['composite_id']],
        'action_parameters': [{'name': 'add_tag', 'value': 't'}],
    }
    reply = api.call(method, path, json=body if method == 'PATCH' else ({} if method == 'POST' else None))
    assert reply.status_code == status


def test_add_alert_validation(falcon_emulator):
    """Injection refuses unknown fields, hosts, CIDs and bad severities with a message naming them."""
    device_id = falcon_emulator.devices()[3]['device_id']
    alert = falcon_emulator.add_alert(device_id=device_id, severity=100, name='Injected', tags=['t'])
    assert alert['agent_id'] == device_id and alert['severity_name'] == 'Critical' and alert['status'] == 'new'
    assert alert['name'] == 'Injected' and alert['tags'] == ['t']
    assert falcon_emulator.alerts()[-1]['composite_id'] == alert['composite_id']
    for kwargs, message in (
        ({'severity': 101}, 'severity must be an integer from 0 to 100'),
        ({'device_id': 'f' * 32}, 'unknown device_id'),
        ({'colour': 'red'}, 'unknown alert field(s) colour'),
        ({'cid': 'f' * 32}, 'unknown CID'),
        ({'status': 'done'}, 'status must be one of'),
    ):
        with pytest.raises(ValueError, match=re.escape(message)):
            falcon_emulator.add_alert(**kwargs)


def test_control_endpoints(falcon_emulator):
    """POST /_emulator/alerts injects, GET lists; bad input is a 400 naming it; neither is counted."""
    session = requests.Session()
    session.trust_env = False
    reply = session.post(
        falcon_emulator.url + '/_emulator/alerts', data=json.dumps({'severity': 95, 'tags': ['x']}), timeout=30
    )
    assert reply.status_code == 200
    alert = reply.json()['alert']
    listed = session.get(falcon_emulator.url + '/_emulator/alerts', timeout=30).json()['alerts']
    assert listed[-1] == alert
    bad = session.post(falcon_emulator.url + '/_emulator/alerts', data=json.dumps({'severity': 'high'}), timeout=30)
    assert bad.status_code == 400 and 'severity' in bad.json()['error']
    assert session.get(falcon_emulator.url + '/_emulator/alerts', params={'cid': 'nope'}, timeout=30).status_code == 404
    assert falcon_emulator.counters()['calls_total'] == 0
    session.close()


def test_reset_state_forgets_injected_alerts(falcon_emulator):
    """reset_state re-seeds alerts too."""
    seeded = len(falcon_emulator.alerts())
    falcon_emulator.add_alert()
    falcon_emulator.reset_state()
    assert len(falcon_emulator.alerts()) == seeded


def test_text_filters_follow_fql_text_match(falcon_emulator, api):
    """'recorded' (default): the single form is a case-insensitive prefix, the list form exact; 'exact' is the old match."""
    short = falcon_emulator.add_alert(name='Beacon')['composite_id']
    longer = falcon_emulator.add_alert(name='BeaconLong')['composite_id']

    def found(fql):
        return set(api.get(QUERY, params={'filter': fql, 'limit': 500}).json()['resources'])

    assert found("name:'beacon'") == {short, longer}
    assert found("name:['Beacon']") == {short}
    assert found("name:['beacon']") == set()
    falcon_emulator.configure(fql_text_match='exact')
    assert found("name:'beacon'") == {short}


def test_records_carry_only_spec_fields_unless_alert_extra_fields(falcon_emulator, api):
    """By default every answer (combined, entities, alerts(), add_alert) has only the spec's fields; FQL still reads
    the device block. alert_extra_fields=True (configure() or POST /_emulator/config) brings the extra fields back."""
    host = falcon_emulator.devices()[2]
    injected = falcon_emulator.add_alert(device_id=host['device_id'], severity=70, cmdline='whoami')
    cid = injected['composite_id']
    flt = "device.hostname:['%s']+composite_id:'%s'" % (host['hostname'], cid)
    combined = api.post(COMBINED, json={'filter': flt}).json()['resources']
    entities = api.post(ENTITIES, json={'composite_ids': [cid]}).json()['resources']
    listed = [a for a in falcon_emulator.alerts() if a['composite_id'] == cid]
    assert combined == entities == listed == [injected]
    for record in falcon_emulator.alerts() + combined:
        assert set(record) <= SPEC_FIELDS, sorted(set(record) - SPEC_FIELDS)

    falcon_emulator.configure(alert_extra_fields=True)
    combined = api.post(COMBINED, json={'filter': flt}).json()['resources']
    entities = api.post(ENTITIES, json={'composite_ids': [cid]}).json()['resources']
    listed = [a for a in falcon_emulator.alerts() if a['composite_id'] == cid]
    assert combined == entities == listed
    record = combined[0]
    assert set(record) >= EXTRA_FIELDS and set(record) - EXTRA_FIELDS == set(injected)
    assert record['device']['device_id'] == host['device_id'] and record['device']['hostname'] == host['hostname']
    assert record['cmdline'] == 'whoami'
    assert all(set(a) >= EXTRA_FIELDS for a in falcon_emulator.alerts())

    with requests.Session() as session:
        session.trust_env = False
        reply = session.post(falcon_emulator.url + '/_emulator/config', json={'alert_extra_fields': False}, timeout=30)
        assert reply.status_code == 200 and reply.json()['config'] == {'alert_extra_fields': False}
        listed = session.get(falcon_emulator.url + '/_emulator/alerts', timeout=30).json()['alerts']
    assert all(set(a) <= SPEC_FIELDS for a in listed)
    with pytest.raises(ValueError, match='alert_extra_fields must be true or false'):
        falcon_emulator.configure(alert_extra_fields='yes')
