"""falcon_alert through the real ansible-playbook against the emulator: four runs each (check, real, check, real)."""

from falcon_emulator.clients import DEFAULT_CLIENT, READONLY_CLIENT
from play_results import calls

UPDATE = 'PATCH /alerts/entities/alerts/v3'
COMBINED = 'POST /alerts/combined/alerts/v1'
RUNS = ('check1', 'real1', 'check2', 'real2')


def env_for(emulator, client=DEFAULT_CLIENT):
    """FALCON_* variables for client on emulator."""
    return {
        'FALCON_CLIENT_ID': client.client_id,
        'FALCON_CLIENT_SECRET': client.client_secret,
        'FALCON_BASE_URL': emulator.url,
    }


def four_runs(run_playbook, env, **options):
    """Run the falcon_alert task check / real / check / real; return the PlayRun."""
    run = run_playbook('alert_four_runs', env, extra_vars=options)
    assert run.rc == 0 and run.results, run.explain()
    return run


def record(emulator, composite_id):
    """The emulator's current record of one alert."""
    return next(a for a in emulator.alerts() if a['composite_id'] == composite_id)


def assert_idempotent(results, updated):
    """check and real report the change for exactly updated; the second check and real report none."""
    for name in RUNS:
        assert not results[name].get('failed'), (name, results[name].get('msg'))
    assert results['check1']['changed'] is True and results['real1']['changed'] is True
    assert results['check2']['changed'] is False and results['real2']['changed'] is False
    assert sorted(results['check1']['updated']) == sorted(updated) == sorted(results['real1']['updated'])
    assert results['check2']['updated'] == [] and results['real2']['updated'] == []
    assert sorted(results['real2']['unchanged']) == sorted(updated)


def test_take_an_alert_in_hand(falcon_emulator, emulator_env, run_playbook):
    """Status, assignee by user id, tags, comment and visibility on spec-only records: one update call, the rerun
    unchanged and appending nothing."""
    alert = falcon_emulator.add_alert(severity=95, tags=['auto-old'])
    cid = alert['composite_id']
    falcon_emulator.reset_counters()
    run = four_runs(
        run_playbook,
        emulator_env,
        ids=[cid],
        status='in_progress',
        assigned_to='sec-automation@example.com',
        tags=['auto-contained'],
        comment='Host contained by automation.',
        show_in_ui=True,
    )
    results = run.results
    assert_idempotent(results, [cid])
    assert calls(falcon_emulator, UPDATE) == 1
    names = [a['name'] for a in results['check1']['actions'][cid]]
    assert names == ['update_status', 'assign_to_user_id', 'add_tag', 'append_comment']
    assert results['real1']['actions'] == results['check1']['actions']
    # Check mode predicted exactly what the real run then did.
    assert results['check1']['diff'] == results['real1']['diff']
    diff = results['real1']['diff']
    assert diff['before'][cid] == {
        'status': 'new',
        'assigned_to': None,
        'tags': ['auto-old'],
        'show_in_ui': True,
    }
    assert diff['after'][cid] == {
        'status': 'in_progress',
        'assigned_to': 'sec-automation@example.com',
        'tags': ['auto-old', 'auto-contained'],
        'show_in_ui': True,
        'comment': 'Host contained by automation.',
    }
    assert '+        "in_progress"' in run.stdout or '"status": "in_progress"' in run.stdout
    now = record(falcon_emulator, cid)
    assert now['status'] == 'in_progress' and now['assigned_to_name'] == 'SOC Automation'
    assert 'comments' not in now
    assert falcon_emulator.alert_comments()[cid] == ['Host contained by automation.']
    assert results['real1']['alerts'][0] == now
    assert results['real1']['msg'] == 'Updated 1 alert.'
    assert results['check1']['msg'] == 'Would update 1 alert.'
    assert results['real2']['msg'] == 'No change (1 already as wanted).'


def test_exact_tags_and_unassign(falcon_emulator, emulator_env, run_playbook):
    """purge_tags makes the list exact; remove_tags removes; assigned_to none unassigns."""
    first = falcon_emulator.add_alert(
        severity=50,
        tags=['a', 'b', 'keep'],
        assigned_to_uuid='5b9e2c3a-1f4d-4a7e-9c2b-0d8f6e1a2b3c',
        assigned_to_uid='jane.doe@example.com',
        assigned_to_name='Jane Doe',
    )
    second = falcon_emulator.add_alert(severity=50, tags=['keep'])
    ids = [first['composite_id'], second['composite_id']]
    results = four_runs(
        run_playbook, emulator_env, ids=ids, tags=['keep', 'triaged'], purge_tags=True, assigned_to='none'
    ).results
    assert_idempotent(results, ids)
    assert record(falcon_emulator, ids[0])['tags'] == ['keep', 'triaged']
    assert record(falcon_emulator, ids[1])['tags'] == ['keep', 'triaged']
    assert record(falcon_emulator, ids[0])['assigned_to_uid'] == ''
    assert [a['name'] for a in results['real1']['actions'][ids[0]]] == [
        'unassign',
        'remove_tag',
        'remove_tag',
        'add_tag',
    ]
    assert [a['name'] for a in results['real1']['actions'][ids[1]]] == ['add_tag']

    results = four_runs(run_playbook, emulator_env, ids=ids, remove_tags=['triaged']).results
    assert_idempotent(results, ids)
    assert record(falcon_emulator, ids[0])['tags'] == ['keep']


def test_filter_selection_and_max_alerts_guard(falcon_emulator, emulator_env, run_playbook):
    """A filter above max_alerts is refused before anything is sent (all four runs); within it, it is closed."""
    host = falcon_emulator.devices()[9]
    ids = [
        falcon_emulator.add_alert(device_id=host['device_id'], severity=10, name='LowNoise')['composite_id']
        for _copy in range(3)
    ]
    fql = "device.device_id:'%s'+name:'LowNoise'" % host['device_id']
    falcon_emulator.reset_counters()
    results = four_runs(run_playbook, emulator_env, fql=fql, status='closed', max_alerts=2).results
    for name in RUNS:
        assert results[name]['failed'] is True and results[name]['changed'] is False
        assert results[name]['msg'] == (
            'The filter matches 3 alerts, more than max_alerts=2; nothing was sent. Narrow the '
            'filter or raise max_alerts on purpose.'
        )
        assert results[name]['total'] == 3
    assert calls(falcon_emulator, UPDATE) == 0
    assert calls(falcon_emulator, COMBINED) == 4
    assert {record(falcon_emulator, i)['status'] for i in ids} == {'new'}

    results = four_runs(run_playbook, emulator_env, fql=fql, status='closed', max_alerts=3).results
    assert_idempotent(results, ids)
    assert {record(falcon_emulator, i)['status'] for i in ids} == {'closed'}


def test_refusals_fail_the_task_and_are_listed(falcon_emulator, run_playbook):
    """A client without alerts:write: every alert is in failed_alerts and every run fails; nothing changes."""
    cid = falcon_emulator.add_alert(severity=80)['composite_id']
    results = four_runs(run_playbook, env_for(falcon_emulator, READONLY_CLIENT), ids=[cid], status='closed').results
    assert results['check1']['failed'] is False and results['check1']['changed'] is True
    for name in ('real1', 'real2'):
        assert results[name]['failed'] is True and results[name]['changed'] is False
        assert results[name]['failed_alerts'] == [
            {
                'composite_id': cid,
                'reason': '403: access denied, scope not permitted. The API client needs the API scope alerts:write '
                '(Alerts: Write): add it to the API client in the Falcon console.',
            }
        ]
        assert results[name]['msg'].startswith('No change (1 failed). Failed: %s: 403' % cid)
    assert record(falcon_emulator, cid)['status'] == 'new'


def test_bad_input_fails_clearly_before_any_call(falcon_emulator, emulator_env, run_playbook):
    """No selection, an empty filter, unknown ids, nothing to set, and conflicting tags: clear messages, no update call."""
    cid = falcon_emulator.alerts()[0]['composite_id']
    unknown = '%s:ind:%s:1-1-1' % (DEFAULT_CLIENT.cid, 'f' * 32)
    cases = [
        ({'status': 'closed'}, 'Select the alerts with ids or filter. An empty selection never means every alert.'),
        ({'fql': ' ', 'status': 'closed'}, 'filter is empty.'),
        ({'ids': [cid, unknown], 'status': 'closed'}, '1 requested alert not found: %s. Nothing was sent' % unknown),
        ({'ids': [cid]}, 'Nothing to set'),
        ({'ids': [cid], 'tags': ['x'], 'remove_tags': ['x']}, 'Tags x are in both tags and remove_tags'),
        ({'ids': ['bad id'], 'status': 'closed'}, "Invalid alert composite id 'bad id'"),
        ({'ids': [cid], 'comment': '  '}, 'comment is empty'),
    ]
    falcon_emulator.reset_counters()
    for options, message in cases:
        results = four_runs(run_playbook, emulator_env, **options).results
        for name in RUNS:
            assert results[name]['failed'] is True, (options, name)
            assert message in results[name]['msg'], (options, results[name]['msg'])
    assert calls(falcon_emulator, UPDATE) == 0


def test_comment_only_appends_on_every_real_run(falcon_emulator, emulator_env, run_playbook):
    """A comment-only task: every run reports changed (check mode sends nothing); each real run appends once."""
    alert = falcon_emulator.add_alert(severity=50)
    cid = alert['composite_id']
    falcon_emulator.reset_counters()
    run = four_runs(run_playbook, env_for(falcon_emulator), ids=[cid], comment='Seen by automation.')
    for name in RUNS:
        assert run.results[name]['changed'] is True and run.results[name]['updated'] == [cid], name
    assert calls(falcon_emulator, UPDATE) == 2
    assert falcon_emulator.alert_comments()[cid] == ['Seen by automation.'] * 2
