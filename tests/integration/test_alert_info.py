"""falcon_alert_info through the real ansible-playbook against the emulator: selectors, errors, paging past 10,000."""

from falcon_emulator.clients import DEFAULT_CLIENT, NOSCOPE_CLIENT
from play_results import by_label, calls, connection

COMBINED = 'POST /alerts/combined/alerts/v1'
ENTITIES = 'POST /alerts/entities/alerts/v2'
QUERY = 'GET /alerts/queries/alerts/v2'


def test_selectors_and_errors(falcon_emulator, run_playbook):
    """ids, filter, sort, limit, check mode; unknown ids, bad filters, bad ids and a missing scope."""
    alerts = falcon_emulator.alerts()
    ids = [alerts[5]['composite_id'], alerts[1]['composite_id']]
    unknown = '%s:ind:%s:1-1-1' % (DEFAULT_CLIENT.cid, 'f' * 32)
    high = sorted((a for a in alerts if a['severity'] >= 70), key=lambda a: (a['created_timestamp'], a['composite_id']))
    cases = [
        {'label': 'all'},
        {'label': 'ids', 'ids': ids + [unknown, ids[0]]},
        {'label': 'filter', 'fql': 'severity:>=70', 'sort': 'created_timestamp|asc'},
        {'label': 'limit', 'fql': 'severity:>=70', 'sort': 'created_timestamp|asc', 'limit': 3},
        {'label': 'check mode', 'ids': ids[:1], 'check_mode': True},
        {'label': 'bad filter', 'fql': "sevrity:>=70"},
        {'label': 'bad sort', 'sort': 'nope|asc'},
        {'label': 'malformed id', 'ids': [ids[0], 'not-an-alert']},
        {'label': 'limit with ids', 'ids': ids, 'limit': 1},
        {'label': 'zero limit', 'limit': 0},
        {
            'label': 'no scope',
            'ids': ids,
            'client_id': NOSCOPE_CLIENT.client_id,
            'client_secret': NOSCOPE_CLIENT.client_secret,
        },
    ]
    run = run_playbook('alert_info_cases', {}, extra_vars=dict(connection(falcon_emulator), cases=cases))
    results = by_label(run)

    every = results['all']
    assert every['failed'] is False and every['changed'] is False
    assert every['total'] == len(alerts) and len(every['alerts']) == len(alerts) and every['not_found'] == []
    assert sorted(a['composite_id'] for a in every['alerts']) == sorted(a['composite_id'] for a in alerts)
    assert every['msg'] == 'Found %d alerts.' % len(alerts)

    by_id = results['ids']
    assert [a['composite_id'] for a in by_id['alerts']] == ids
    assert by_id['alerts'][0] == alerts[5]
    assert by_id['not_found'] == [unknown] and by_id['total'] == 2
    assert by_id['msg'] == 'Found 2 alerts (1 not found).'

    assert [a['composite_id'] for a in results['filter']['alerts']] == [a['composite_id'] for a in high]
    assert results['filter']['total'] == len(high)
    limited = results['limit']
    assert [a['composite_id'] for a in limited['alerts']] == [a['composite_id'] for a in high[:3]]
    assert limited['total'] == len(high) and limited['msg'] == 'Found %d alerts, returning the first 3.' % len(high)
    assert results['check mode']['failed'] is False and len(results['check mode']['alerts']) == 1

    assert results['bad filter']['failed'] is True
    assert "The API rejected the alert search (filter 'sevrity:>=70'" in results['bad filter']['msg']
    assert "'sevrity' is an unknown property" in results['bad filter']['msg']
    assert results['bad sort']['failed'] is True and "Invalid sort 'nope|asc'" in results['bad sort']['msg']
    assert results['malformed id']['failed'] is True and "'not-an-alert'" in results['malformed id']['msg']
    assert 'Traceback' not in results['malformed id'].get('module_stderr', '')
    assert results['limit with ids']['failed'] is True and 'mutually exclusive' in results['limit with ids']['msg']
    assert results['zero limit']['failed'] is True and 'limit must be 1 or more, got 0' in results['zero limit']['msg']
    assert results['no scope']['failed'] is True and results['no scope']['status'] == 403
    assert 'scope not permitted' in results['no scope']['msg']


def test_past_ten_thousand_in_the_fewest_calls(emulator_factory, run_playbook):
    """More than 10,000 alerts come back complete with one combined call per 1000 and no other alert call."""
    emu = emulator_factory(hosts=5000)
    total = len(emu.alerts())
    assert total > 10000
    emu.reset_counters()
    cases = [{'label': 'everything', 'sort': 'created_timestamp|desc'}]
    results = by_label(run_playbook('alert_info_cases', {}, extra_vars=dict(connection(emu), cases=cases)))
    everything = results['everything']
    assert everything['failed'] is False
    assert everything['total'] == total
    got = [a['composite_id'] for a in everything['alerts']]
    assert len(got) == len(set(got)) == total
    assert calls(emu, COMBINED) == -(-total // 1000)
    assert calls(emu, ENTITIES) == 0 and calls(emu, QUERY) == 0


def test_ids_are_read_a_thousand_a_call(emulator_factory, run_playbook):
    """1500 composite ids take two entities calls."""
    emu = emulator_factory(hosts=1000)
    ids = [a['composite_id'] for a in emu.alerts()[:1500]]
    assert len(ids) == 1500
    emu.reset_counters()
    results = by_label(
        run_playbook('alert_info_cases', {}, extra_vars=dict(connection(emu), cases=[{'label': 'ids', 'ids': ids}]))
    )
    assert [a['composite_id'] for a in results['ids']['alerts']] == ids
    assert calls(emu, ENTITIES) == 2 and calls(emu, COMBINED) == 0
