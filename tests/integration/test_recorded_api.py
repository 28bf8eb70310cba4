"""The modules against the emulator's recorded-behaviour defaults (API behaviour 9): a constant scroll token, prefix and
case-sensitive FQL text matches, per-host action answers under any status, and requests that may have been applied.
"""

import threading
import time

from falcon_emulator.clients import DEFAULT_CLIENT
from play_results import by_label_any_rc as by_label
from play_results import calls, connection

SCROLL = 'GET /devices/queries/devices-scroll/v1'
DETAILS = 'POST /devices/entities/devices/v2'
ACTION = 'POST /devices/entities/devices-actions/v2'


def env_for(emulator):
    """FALCON_* variables for DEFAULT_CLIENT on emulator."""
    return {
        'FALCON_CLIENT_ID': DEFAULT_CLIENT.client_id,
        'FALCON_CLIENT_SECRET': DEFAULT_CLIENT.client_secret,
        'FALCON_BASE_URL': emulator.url,
    }


def rename(emulator, names):
    """Give the first hosts of the emulator these hostnames (a tenant with mixed case and prefixes of each other)."""
    tenant = emulator.app.tenant()
    hosts = tenant.hosts[: len(names)]
    for host, name in zip(hosts, names):
        host.hostname = name
    tenant.changed()
    return dict((name, host.device_id) for name, host in zip(names, hosts))


def statuses(emulator):
    """{hostname: status} from the emulator's own state."""
    return dict((d['hostname'], d['status']) for d in emulator.devices())


def test_25000_hosts_through_a_constant_scroll_token(emulator_factory, run_playbook):
    """The whole fleet of 25,000: 3 scroll calls (one token, the same on every page) and 5 detail calls of 5,000."""
    emulator = emulator_factory(hosts=25000)
    assert emulator.app.config.scroll_token_mode == 'constant'
    cases = [{'label': 'fleet', 'fields': ['hostname']}]
    run = run_playbook('device_info_cases', {}, extra_vars=dict(connection(emulator), cases=cases))
    fleet = by_label(run)['fleet']
    assert fleet['failed'] is False, fleet['msg']
    assert fleet['total'] == 25000 and len(set(d['device_id'] for d in fleet['devices'])) == 25000
    assert fleet['msg'] == 'Found 25000 hosts.'
    assert calls(emulator, SCROLL) == 3
    assert calls(emulator, DETAILS) == 5


def test_mixed_case_hostnames_are_found_and_contained(falcon_emulator, run_playbook):
    """Falcon stores WEB-1 and DB-01 upper case; asked in lower case (and web-10, Web-11 around) only they are acted on."""
    ids = rename(falcon_emulator, ['WEB-1', 'web-10', 'Web-11', 'DB-01'])
    cases = [
        {'label': 'read', 'hostnames': ['web-1', 'db-01', 'WEB-10', 'no-such-host'], 'fields': ['hostname']},
        {'label': 'prefix is not a name', 'hostnames': ['web'], 'fields': ['hostname']},
    ]
    results = by_label(run_playbook('device_info_cases', {}, extra_vars=dict(connection(falcon_emulator), cases=cases)))
    read = results['read']
    assert sorted(d['hostname'] for d in read['devices']) == ['DB-01', 'WEB-1', 'web-10']
    assert read['not_found'] == ['no-such-host'] and read['total'] == 3
    assert results['prefix is not a name']['devices'] == [] and results['prefix is not a name']['not_found'] == ['web']

    run = run_playbook(
        'host_contain_four_runs', env_for(falcon_emulator), extra_vars={'hostnames': ['web-1', 'db-01'], 'max_hosts': 2}
    )
    assert run.rc == 0 and run.results, run.explain()
    results = run.results
    for name in ('check1', 'real1', 'check2', 'real2'):
        assert not results[name].get('failed'), (name, results[name].get('msg'))
    assert [r['changed'] for r in (results['check1'], results['real1'], results['check2'], results['real2'])] == [
        True,
        True,
        False,
        False,
    ]
    assert sorted(h['hostname'] for h in results['real1']['contained']) == ['DB-01', 'WEB-1']
    assert sorted(h['id'] for h in results['real2']['unchanged']) == sorted([ids['WEB-1'], ids['DB-01']])
    assert calls(falcon_emulator, ACTION) == 1
    now = statuses(falcon_emulator)
    assert now['WEB-1'] in ('containment_pending', 'contained') and now['DB-01'] in ('containment_pending', 'contained')
    assert now['web-10'] == 'normal' and now['Web-11'] == 'normal'


def test_a_prefix_filter_is_seen_in_check_mode(falcon_emulator, emulator_env, run_playbook):
    """hostname:'web-1' also selects web-10 and Web-11 (a prefix, any case): check mode shows it and sends nothing."""
    rename(falcon_emulator, ['WEB-1', 'web-10', 'Web-11', 'DB-01'])
    cases = [
        {'label': 'prefix filter', 'fql': "hostname:'web-1'", 'check_mode': True},
        {'label': 'exact names', 'hostnames': ['web-1'], 'check_mode': True},
        {'label': 'case-sensitive list', 'fql': "hostname:['web-1']", 'check_mode': True},
    ]
    results = by_label(run_playbook('host_contain_cases', emulator_env, extra_vars={'cases': cases}))
    prefix = results['prefix filter']
    assert prefix['failed'] is False and prefix['changed'] is True
    assert sorted(h['hostname'] for h in prefix['contained']) == ['WEB-1', 'Web-11', 'web-10']
    assert prefix['msg'] == 'Would contain 3 hosts.'
    assert [h['hostname'] for h in results['exact names']['contained']] == ['WEB-1']
    # The list form is exact and case-sensitive on the real API: 'web-1' does not select WEB-1.
    assert results['case-sensitive list']['contained'] == []
    assert results['case-sensitive list']['msg'] == 'No hosts matched the selection; nothing to do.'
    assert calls(falcon_emulator, ACTION) == 0
    assert set(statuses(falcon_emulator).values()) == {'normal'}


def test_max_hosts_counts_exact_hostname_matches(falcon_emulator, emulator_env, run_playbook):
    """The seed's HOST-0001 is a prefix of host-00010 ... host-00019: asked as 'host-0001' with max_hosts 1, exactly
    that one host is selected (the API's prefix count, 11, is not what the guard checks)."""
    wanted = [d for d in falcon_emulator.devices() if d['hostname'].lower() == 'host-0001']
    assert len(wanted) == 1
    prefixed = [d for d in falcon_emulator.devices() if d['hostname'].lower().startswith('host-0001')]
    assert len(prefixed) > 1
    cases = [
        {'label': 'prefix of ten', 'hostnames': ['host-0001'], 'max_hosts': 1, 'check_mode': True},
        {'label': 'ghost', 'hostnames': ['host-000'], 'max_hosts': 1, 'check_mode': True},
    ]
    results = by_label(run_playbook('host_contain_cases', emulator_env, extra_vars={'cases': cases}))
    result = results['prefix of ten']
    assert result['failed'] is False and result['total'] == 1, result['msg']
    assert [h['id'] for h in result['contained']] == [wanted[0]['device_id']]
    ghost = results['ghost']
    assert ghost['failed'] is True and 'max_hosts' not in ghost['msg']
    assert ghost['not_found'] == [{'id': None, 'hostname': 'host-000', 'status': None}]
    assert calls(falcon_emulator, ACTION) == 0


def contain_when_the_action_arrives(emulator, device_id):
    """Contain device_id directly in the emulator once the next action request has arrived (another console user)."""

    def race():
        deadline = time.monotonic() + 60
        while calls(emulator, ACTION) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        tenant = emulator.app.tenant()
        tenant.by_id[device_id].status = 'contained'
        tenant.changed()

    thread = threading.Thread(target=race, daemon=True)
    thread.start()
    return thread


def test_a_mixed_action_batch_is_classified_host_by_host(falcon_emulator, emulator_env, run_playbook):
    """Host B is contained by someone else while our batch is in flight: the API answers 400 listing A as accepted
    and B as 409; A is contained, B unchanged, nothing failed."""
    assert falcon_emulator.app.config.action_partial_status == 400
    hosts = falcon_emulator.devices()[:2]
    falcon_emulator.configure(faults=[{'type': 'stall', 'path': '/devices/entities/devices-actions/v2', 'seconds': 2}])
    race = contain_when_the_action_arrives(falcon_emulator, hosts[1]['device_id'])
    cases = [{'label': 'mixed', 'ids': [h['device_id'] for h in hosts]}]
    result = by_label(run_playbook('host_contain_cases', emulator_env, extra_vars={'cases': cases}))['mixed']
    race.join(5)
    assert result['failed'] is False and result['changed'] is True, result['msg']
    assert [h['id'] for h in result['contained']] == [hosts[0]['device_id']]
    assert [h['id'] for h in result['unchanged']] == [hosts[1]['device_id']]
    assert result['failed_hosts'] == [] and result['unknown'] == []
    assert result['msg'] == 'Contained 1 host (1 already contained).'
    assert calls(falcon_emulator, ACTION) == 1


def test_a_write_that_timed_out_but_was_applied_is_reported_as_done(falcon_emulator, emulator_env, run_playbook):
    """The contain answer takes 5 s against a 4 s timeout, but the API applies it: one more status read (held 3 s, so
    it is answered after the apply) finds the host containment_pending, so it is reported contained and changed."""
    host = falcon_emulator.devices()[3]
    falcon_emulator.configure(
        faults=[
            {'type': 'stall', 'path': '/devices/entities/devices-actions/v2', 'seconds': 5},
            # The first details read is the selection; the next one (the status read after the timeout) waits 3 s.
            {
                'type': 'latency',
                'path': '/devices/entities/devices/v2',
                'method': 'POST',
                'after': 1,
                'count': 1,
                'seconds': 3,
            },
        ]
    )
    cases = [{'label': 'timed out', 'ids': [host['device_id']], 'timeout': 4}]
    result = by_label(run_playbook('host_contain_cases', emulator_env, extra_vars={'cases': cases}))['timed out']
    assert result['changed'] is True and result['failed'] is False, result['msg']
    assert [h['id'] for h in result['contained']] == [host['device_id']]
    assert result['contained'][0]['status'] in ('containment_pending', 'contained')
    assert result['unknown'] == [] and result['failed_hosts'] == []
    assert calls(falcon_emulator, ACTION) == 1  # a write is never sent twice


def test_a_timed_out_write_not_seen_applied_is_state_unknown(falcon_emulator, emulator_env, run_playbook):
    """The status read comes before the slow write is applied: the host is listed in unknown and the task fails."""
    host = falcon_emulator.devices()[4]
    falcon_emulator.configure(faults=[{'type': 'stall', 'path': '/devices/entities/devices-actions/v2', 'seconds': 6}])
    cases = [{'label': 'timed out', 'ids': [host['device_id']], 'timeout': 2}]
    result = by_label(run_playbook('host_contain_cases', emulator_env, extra_vars={'cases': cases}))['timed out']
    assert result['failed'] is True and result['changed'] is True
    assert result['contained'] == [] and result['failed_hosts'] == []
    (unknown,) = result['unknown']
    assert unknown['id'] == host['device_id'] and unknown['status'] == 'normal'
    assert 'may have reached the API' in unknown['reason']
    assert result['msg'].startswith('No confirmed change (1 in an unknown state).') and 'State unknown' in result['msg']


def test_accepted_containment_with_a_failing_status_read_or_wait(falcon_emulator, emulator_env, run_playbook):
    """A 503 on every status read after the action, or during wait: the hosts acted on are still listed, changed."""
    hosts = falcon_emulator.devices()[5:7]
    falcon_emulator.configure(
        faults=[
            {
                'type': 'error',
                'status': 503,
                'path': '/devices/entities/devices/v2',
                'method': 'POST',
                'after': 1,
                'count': 30,
            }
        ]
    )
    cases = [{'label': 'reread', 'ids': [hosts[0]['device_id']]}]
    result = by_label(run_playbook('host_contain_cases', emulator_env, extra_vars={'cases': cases}))['reread']
    assert result['failed'] is True and result['changed'] is True
    assert result['contained'] == [{'id': hosts[0]['device_id'], 'hostname': hosts[0]['hostname'], 'status': 'unknown'}]
    assert 'The status read after the request failed' in result['msg'] and '503' in result['msg']

    falcon_emulator.configure(
        faults=[
            {
                'type': 'error',
                'status': 503,
                'path': '/devices/entities/devices/v2',
                'method': 'POST',
                'after': 2,
                'count': 30,
            }
        ]
    )
    cases = [{'label': 'wait', 'ids': [hosts[1]['device_id']], 'wait': True, 'poll_interval': 0.5, 'wait_timeout': 60}]
    result = by_label(run_playbook('host_contain_cases', emulator_env, extra_vars={'cases': cases}))['wait']
    assert result['failed'] is True and result['changed'] is True
    assert [h['id'] for h in result['contained']] == [hosts[1]['device_id']]
    assert result['contained'][0]['status'] == 'containment_pending'
    assert 'The status read after the request failed' in result['msg']
