"""FalconPy Alerts (1.6.6) against the emulator: query v2, entities v2, combined v1 with `after`, update v3."""

from falcon_emulator.alert_store import SPEC_FIELDS
from falcon_emulator.clients import READONLY_CLIENT
from falconpy import Alerts


def test_query_alerts_v2_pages_by_offset(falcon_emulator, falcon_auth):
    """query_alerts_v2 with filter, sort and offset/limit; pagination.total counts every match."""
    alerts = Alerts(auth_object=falcon_auth)
    expected = sorted((a for a in falcon_emulator.alerts() if a['product'] == 'epp'), key=lambda a: a['composite_id'])
    seen, offset = [], 0
    while offset < len(expected):
        reply = alerts.query_alerts_v2(filter="product:'epp'", sort='composite_id|asc', limit=9, offset=offset)
        assert reply['status_code'] == 200
        assert reply['body']['meta']['pagination']['total'] == len(expected)
        seen += reply['body']['resources']
        offset += 9
    assert seen == [a['composite_id'] for a in expected]
    bad = alerts.query_alerts_v2(filter="nope:'x'")
    assert bad['status_code'] == 400 and 'unknown property' in bad['body']['errors'][0]['message']


def test_get_alerts_v2_by_composite_ids(falcon_emulator, falcon_auth):
    """get_alerts_v2(composite_ids=[...]) returns the full records."""
    alerts = Alerts(auth_object=falcon_auth)
    wanted = [a['composite_id'] for a in falcon_emulator.alerts()[:4]]
    reply = alerts.get_alerts_v2(composite_ids=wanted)
    assert reply['status_code'] == 200
    records = reply['body']['resources']
    assert [r['composite_id'] for r in records] == wanted
    assert {'agent_id', 'severity', 'severity_name', 'status', 'tags', 'created_timestamp'} <= set(records[0])
    # By default no record carries a field the spec's record does not have (device, filename, cmdline ...).
    assert all(set(r) <= SPEC_FIELDS for r in records), [sorted(set(r) - SPEC_FIELDS) for r in records]


def test_get_alerts_combined_follows_after(falcon_emulator, falcon_auth):
    """get_alerts_combined(filter, sort, limit, after): every match once, the last page without `after`."""
    alerts = Alerts(auth_object=falcon_auth)
    expected = {a['composite_id'] for a in falcon_emulator.alerts() if a['severity'] >= 50}
    seen, after, calls = [], None, 0
    while True:
        kwargs = {'filter': 'severity:>=50', 'sort': 'created_timestamp|desc', 'limit': 10}
        if after:
            kwargs['after'] = after
        reply = alerts.get_alerts_combined(**kwargs)
        calls += 1
        assert reply['status_code'] == 200
        seen += [r['composite_id'] for r in reply['body']['resources']]
        assert all(set(r) <= SPEC_FIELDS for r in reply['body']['resources'])
        after = reply['body']['meta']['pagination'].get('after')
        if not after:
            break
    assert len(seen) == len(set(seen)) and set(seen) == expected
    assert calls == -(-len(expected) // 10)


def test_update_alerts_v3_keywords_and_action_parameters(falcon_emulator, falcon_auth):
    """update_alerts_v3 with keyword actions and with an explicit action_parameters list."""
    alerts = Alerts(auth_object=falcon_auth)
    cid = falcon_emulator.add_alert(severity=90)['composite_id']
    reply = alerts.update_alerts_v3(
        composite_ids=[cid],
        update_status='in_progress',
        add_tag='ir',
        append_comment='on it',
        assign_to_name='SOC Automation',
    )
    assert reply['status_code'] == 200 and reply['body']['resources'] == [cid]
    params = [{'name': 'show_in_ui', 'value': 'false'}, {'name': 'update_status', 'value': 'closed'}]
    reply = alerts.update_alerts_v3(composite_ids=cid, action_parameters=params)
    assert reply['status_code'] == 200
    record = alerts.get_alerts_v2(composite_ids=[cid])['body']['resources'][0]
    assert record['status'] == 'closed' and record['tags'] == ['ir'] and record['show_in_ui'] is False
    assert record['assigned_to_uid'] == 'sec-automation@example.com'
    assert 'comments' not in record and falcon_emulator.alert_comments()[cid] == ['on it']
    bad = alerts.update_alerts_v3(composite_ids=[cid], update_status='resolved')
    assert bad['status_code'] == 400 and "Invalid status 'resolved'" in bad['body']['errors'][0]['message']


def test_read_only_client_cannot_update(falcon_emulator, falconpy_login):
    """alerts:read lets a client read but not act (403 scope not permitted)."""
    alerts = Alerts(auth_object=falconpy_login(falcon_emulator, READONLY_CLIENT))
    assert alerts.query_alerts_v2(limit=1)['status_code'] == 200
    reply = alerts.update_alerts_v3(composite_ids=[falcon_emulator.alerts()[0]['composite_id']], add_tag='x')
    assert reply['status_code'] == 403
    assert reply['body']['errors'][0]['message'] == 'access denied, scope not permitted'
