"""falcon_host_contain through the real ansible-playbook against the emulator: idempotency, batching, safety."""

from falcon_emulator.clients import DEFAULT_CLIENT, READONLY_CLIENT
from play_results import by_label_any_rc as by_label
from play_results import calls

ACTION = 'POST /devices/entities/devices-actions/v2'
DETAILS = 'POST /devices/entities/devices/v2'
ALL_PLATFORMS = "platform_name:['Windows','Mac','Linux']"


def env_for(emulator, client=DEFAULT_CLIENT):
    """FALCON_* variables for client on emulator."""
    return {
        'FALCON_CLIENT_ID': client.client_id,
        'FALCON_CLIENT_SECRET': client.client_secret,
        'FALCON_BASE_URL': emulator.url,
    }


def statuses(emulator, ids):
    """{device_id: status} for ids, from the emulator's own state."""
    wanted = set(ids)
    return dict((d['device_id'], d['status']) for d in emulator.devices() if d['device_id'] in wanted)


def four_runs(run_playbook, env, **options):
    """Run the task check / real / check / real and return the PlayRun (results: check1, real1, check2, real2)."""
    run = run_playbook('host_contain_four_runs', env, extra_vars=options)
    assert run.rc == 0 and run.results, run.explain()
    return run


def assert_idempotent(results, acted_key, count):
    """check and real report the change, the second check and real report none."""
    for name in ('check1', 'real1', 'check2', 'real2'):
        assert not results[name].get('failed'), (name, results[name].get('msg'))
    assert results['check1']['changed'] is True
    assert results['real1']['changed'] is True
    assert results['check2']['changed'] is False
    assert results['real2']['changed'] is False
    assert len(results['check1'][acted_key]) == count
    assert len(results['real1'][acted_key]) == count
    assert results['check2'][acted_key] == [] and results['real2'][acted_key] == []
    assert len(results['check2']['unchanged']) == count and len(results['real2']['unchanged']) == count


def test_contain_then_lift_by_hostname_is_idempotent(falcon_emulator, emulator_env, run_playbook):
    """Contain 3 hosts by hostname (check, real, check, real), then lift them the same way."""
    hosts = falcon_emulator.devices()[:3]
    names = [h['hostname'] for h in hosts]
    ids = [h['device_id'] for h in hosts]

    run = four_runs(run_playbook, emulator_env, hostnames=names)
    results = run.results
    assert_idempotent(results, 'contained', 3)
    # Check mode predicted, sent nothing: the only action call is the first real run's.
    assert calls(falcon_emulator, ACTION) == 1
    assert [i['status'] for i in results['check1']['contained']] == ['containment_pending'] * 3
    assert sorted(i['id'] for i in results['real1']['contained']) == sorted(ids)
    assert set(i['status'] for i in results['real1']['contained']) <= {'containment_pending', 'contained'}
    assert results['real1']['msg'] == 'Contained 3 hosts.'
    assert results['real2']['msg'] == 'No change (3 already contained).'
    assert (
        results['real1']['lifted'] == []
        and results['real1']['failed_hosts'] == []
        and results['real1']['not_found'] == []
    )
    # The diff shows each host before and after.
    diff = results['real1']['diff']
    assert set(diff['before']) == set(ids)
    assert all(diff['before'][i]['status'] == 'normal' for i in ids)
    assert all(diff['after'][i]['status'] in ('containment_pending', 'contained') for i in ids)
    assert '-        "status": "normal"' in run.stdout
    assert set(statuses(falcon_emulator, ids).values()) <= {'containment_pending', 'contained'}

    falcon_emulator.reset_counters()
    results = four_runs(run_playbook, emulator_env, hostnames=names, state='lifted').results
    assert_idempotent(results, 'lifted', 3)
    assert results['real1']['contained'] == []
    assert calls(falcon_emulator, ACTION) == 1
    assert results['real1']['msg'] == 'Lifted containment on 3 hosts.'
    assert set(statuses(falcon_emulator, ids).values()) <= {'lift_containment_pending', 'normal'}


def test_ten_thousand_hosts_in_batches_of_100(emulator_factory, run_playbook):
    """10,000 hosts by filter with max_hosts raised: 100 action calls of at most 100 ids, then no change."""
    emulator = emulator_factory(hosts=10000, containment_delay=0.5)
    results = four_runs(run_playbook, env_for(emulator), fql=ALL_PLATFORMS, max_hosts=10000, show_diff=False).results
    assert_idempotent(results, 'contained', 10000)
    # The emulator refuses more than 100 ids per contain call (its default, as Falcon-Toolkit batches), so 100
    # accepted calls prove the batching.
    assert calls(emulator, ACTION) == 100
    assert results['real1']['total'] == 10000
    assert set(statuses(emulator, [d['device_id'] for d in emulator.devices()]).values()) <= {
        'containment_pending',
        'contained',
    }


def test_batch_refused_as_too_large_is_split(emulator_factory, run_playbook):
    """A tenant whose maximum is 30 ids a call: 100 and 50 are refused whole, then 25 a call; every host contained."""
    emulator = emulator_factory(
        hosts=120, containment_delay=0.5, action_max_ids={'contain': 30, 'lift_containment': 30}
    )
    results = four_runs(run_playbook, env_for(emulator), fql=ALL_PLATFORMS, max_hosts=120, show_diff=False).results
    assert_idempotent(results, 'contained', 120)
    assert results['real1']['failed_hosts'] == []
    # 100 refused, 50 refused, then 25 + 25 + 25 + 25 + 20 accepted: never above what the API accepted.
    assert calls(emulator, ACTION) == 7
    assert set(statuses(emulator, [d['device_id'] for d in emulator.devices()]).values()) <= {
        'containment_pending',
        'contained',
    }


def test_refusals_and_errors_send_no_action(falcon_emulator, emulator_env, run_playbook):
    """Guards and bad input fail before any action call; READONLY_CLIENT's 403 is reported per host."""
    hosts = falcon_emulator.devices()
    names = [h['hostname'] for h in hosts]
    unknown = 'f' * 32
    cases = [
        {'label': 'no selector'},
        {'label': 'empty filter', 'fql': '  '},
        {'label': 'max_hosts', 'fql': "platform_name:['Windows','Mac','Linux']"},
        {'label': 'max_hosts ids', 'ids': [h['device_id'] for h in hosts[:3]], 'max_hosts': 2},
        {'label': 'unknown id', 'ids': [hosts[0]['device_id'], unknown]},
        {'label': 'unknown hostname', 'hostnames': [names[0], 'no-such-host']},
        {'label': 'malformed id', 'ids': ['not-an-id']},
        {'label': 'bad filter', 'fql': "no_such_field:'x'"},
        {'label': 'empty ids', 'ids': []},
        {'label': 'no match', 'fql': "hostname:'no-such-host'"},
        {
            'label': 'readonly',
            'hostnames': names[:2],
            'client_id': READONLY_CLIENT.client_id,
            'client_secret': READONLY_CLIENT.client_secret,
        },
    ]
    run = run_playbook('host_contain_cases', emulator_env, extra_vars={'cases': cases})
    results = by_label(run)

    assert results['no selector']['failed'] is True
    assert 'Select the hosts with ids, hostnames or filter' in results['no selector']['msg']
    assert results['empty filter']['failed'] is True and 'filter is empty' in results['empty filter']['msg']

    refused = results['max_hosts']
    assert refused['failed'] is True and refused['changed'] is False
    assert refused['msg'].startswith('The selection matches 50 hosts, more than max_hosts=25; nothing was sent.')
    assert results['max_hosts ids']['msg'].startswith('The selection lists 3 host ids, more than max_hosts=2;')

    missing = results['unknown id']
    assert missing['failed'] is True and missing['changed'] is False
    assert unknown in missing['msg'] and 'Nothing was sent' in missing['msg']
    assert missing['not_found'] == [{'id': unknown, 'hostname': None, 'status': None}]
    assert results['unknown hostname']['not_found'] == [{'id': None, 'hostname': 'no-such-host', 'status': None}]

    assert results['malformed id']['failed'] is True
    assert "'not-an-id'" in results['malformed id']['msg'] and '32 hexadecimal' in results['malformed id']['msg']

    bad = results['bad filter']
    assert bad['failed'] is True and bad['status'] == 500
    assert "HTTP 500 to the FQL filter \"no_such_field:'x'\"" in bad['msg']

    for label in ('empty ids', 'no match'):
        assert results[label]['failed'] is False and results[label]['changed'] is False, results[label]
        assert results[label]['msg'] == 'No hosts matched the selection; nothing to do.'

    readonly = results['readonly']
    assert readonly['failed'] is True and readonly['changed'] is False
    assert readonly['contained'] == []
    assert sorted(f['hostname'] for f in readonly['failed_hosts']) == sorted(names[:2])
    assert all('403' in f['reason'] and 'scope' in f['reason'] for f in readonly['failed_hosts'])
    assert 'Failed:' in readonly['msg'] and '403' in readonly['msg']

    # Only the read-only client's one batch reached the action endpoint; every other case stopped before it.
    assert calls(falcon_emulator, ACTION) == 1
    assert set(statuses(falcon_emulator, [h['device_id'] for h in hosts]).values()) == {'normal'}


def test_fail_on_error_false_acts_on_the_found_hosts(falcon_emulator, emulator_env, run_playbook):
    """With fail_on_error false an unknown id is reported, the known host is contained, the task is ok."""
    host = falcon_emulator.devices()[5]
    unknown = 'e' * 32
    cases = [{'label': 'partial', 'ids': [host['device_id'], unknown], 'fail_on_error': False}]
    run = run_playbook('host_contain_cases', emulator_env, extra_vars={'cases': cases})
    result = by_label(run)['partial']
    assert result['failed'] is False and result['changed'] is True
    assert [c['id'] for c in result['contained']] == [host['device_id']]
    assert result['not_found'] == [{'id': unknown, 'hostname': None, 'status': None}]
    assert '[WARNING]: Not found: %s' % unknown in run.stdout + run.stderr
    assert calls(falcon_emulator, ACTION) == 1


def test_failed_batch_is_never_reported_as_success(emulator_factory, run_playbook):
    """600 hosts, the second batch answers 500: 500 contained, 100 in an unknown state with the reason, task fails."""
    emulator = emulator_factory(hosts=600, containment_delay=0.5)
    emulator.configure(
        faults=[
            {'type': 'error', 'path': '/devices/entities/devices-actions/v2', 'after': 1, 'count': 1, 'status': 500}
        ]
    )
    cases = [{'label': 'half', 'fql': ALL_PLATFORMS, 'max_hosts': 600}]
    result = by_label(run_playbook('host_contain_cases', env_for(emulator), extra_vars={'cases': cases}))['half']
    assert result['failed'] is True and result['changed'] is True
    # A 500 on a write may or may not have been applied: read again, still normal, so "state unknown", not "failed".
    assert len(result['contained']) == 500 and len(result['unknown']) == 100 and result['failed_hosts'] == []
    assert all('500' in f['reason'] and f['status'] == 'normal' for f in result['unknown'])
    assert result['msg'].startswith('Contained 500 hosts (100 in an unknown state).')
    assert 'The hosts acted on are listed in contained' in result['msg']
    assert calls(emulator, ACTION) == 6


def test_wait_until_contained_and_timeout(emulator_factory, run_playbook):
    """containment_delay 2 s: wait reaches contained; a 1 s wait_timeout fails naming the pending hosts."""
    emulator = emulator_factory(hosts=10, containment_delay=2)
    hosts = emulator.devices()
    cases = [
        {'label': 'wait', 'ids': [hosts[0]['device_id']], 'wait': True, 'poll_interval': 0.5, 'wait_timeout': 30},
        {'label': 'timeout', 'ids': [hosts[1]['device_id']], 'wait': True, 'poll_interval': 0.5, 'wait_timeout': 1},
    ]
    results = by_label(run_playbook('host_contain_cases', env_for(emulator), extra_vars={'cases': cases}))
    waited = results['wait']
    assert waited['failed'] is False and waited['changed'] is True
    assert waited['contained'] == [
        {'id': hosts[0]['device_id'], 'hostname': hosts[0]['hostname'], 'status': 'contained'}
    ]
    assert waited['pending'] == []

    late = results['timeout']
    assert late['failed'] is True and late['changed'] is True
    assert late['pending'] == [
        {'id': hosts[1]['device_id'], 'hostname': hosts[1]['hostname'], 'status': 'containment_pending'}
    ]
    assert 'Timed out after 1s waiting for status contained' in late['msg'] and hosts[1]['hostname'] in late['msg']


def test_protected_hosts_are_never_contained(falcon_emulator, emulator_env, run_playbook):
    """protect_filter (every Mac) and exclude_ids guard an automated containment: those hosts stay normal, are listed
    in protected on every run, never fail the task, and the reason is echoed."""
    devices = falcon_emulator.devices()
    mac = next(d for d in devices if d['platform_name'] == 'Mac')
    others = [d for d in devices if d['platform_name'] != 'Mac'][:3]
    excluded = others[2]
    selection = [mac['device_id']] + [d['device_id'] for d in others]
    run = four_runs(
        run_playbook,
        emulator_env,
        ids=selection,
        protect_filter="platform_name:'Mac'",
        exclude_ids=[excluded['device_id']],
        reason='ALERT-7: ransomware behaviour',
    )
    results = run.results
    assert_idempotent(results, 'contained', 2)
    for name in ('check1', 'real1', 'check2', 'real2'):
        assert sorted(h['id'] for h in results[name]['protected']) == sorted([mac['device_id'], excluded['device_id']])
        assert results[name]['reason'] == 'ALERT-7: ransomware behaviour'
        assert results[name]['failed_hosts'] == []
    assert results['real1']['msg'] == 'Contained 2 hosts (2 protected). Reason: ALERT-7: ransomware behaviour.'
    assert sorted(h['id'] for h in results['real1']['contained']) == sorted(d['device_id'] for d in others[:2])
    assert statuses(falcon_emulator, [mac['device_id'], excluded['device_id']]) == {
        mac['device_id']: 'normal',
        excluded['device_id']: 'normal',
    }
    assert calls(falcon_emulator, ACTION) == 1
