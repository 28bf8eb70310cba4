"""playbooks/alert_response.yml with the real ansible-playbook against the emulator, four runs each (check, real, check, real).

The rulebook passes the event as ansible_eda.event; here it is given as an extra var, so the playbook's guards are
checked without ansible-rulebook: one containment and one alert update in total, nothing for a protected host.
"""

import os
import re

from playbook_runner import run_playbook

PLAYBOOK = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'playbooks', 'alert_response.yml'
)
ACTIONS = 'POST /devices/entities/devices-actions/v2'
UPDATES = 'PATCH /alerts/entities/alerts/v3'
RECAP = re.compile(r'localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)')


def four_runs(alert, emulator_env, collections_root, tmp_path):
    """Run the playbook for alert in check, real, check and real mode; return the (changed count, output) of each."""
    event = {'summary': {'composite_id': alert['composite_id']}, 'alert': alert}
    variables = {
        'ansible_eda': {'event': event},
        'falcon_contain_wait_timeout': 60,
        'falcon_contain_poll_interval': 0.5,
    }
    outcomes = []
    for index, check in enumerate((True, False, True, False)):
        run = run_playbook(
            PLAYBOOK,
            emulator_env,
            collections_root,
            tmp_path / ('run-%d' % index),
            extra_vars=variables,
            cli_args=['--check'] if check else [],
            timeout=300,
            extra_env={'FALCON_TOKEN_CACHE_DIR': str(tmp_path / 'token-cache')},
        )
        assert run.rc == 0, run.explain()
        assert run.dns_refused == []
        recap = RECAP.search(run.stdout)
        assert recap and recap.group(4) == '0', run.explain()
        outcomes.append((int(recap.group(2)), run.output))
    return outcomes


def host(emulator, device_id):
    """The emulator's current record of one host."""
    return next(d for d in emulator.devices() if d['device_id'] == device_id)


def alert_now(emulator, composite_id):
    """The emulator's current record of one alert."""
    return next(a for a in emulator.alerts() if a['composite_id'] == composite_id)


def test_a_normal_host_is_contained_and_its_alert_updated_once(
    falcon_emulator, emulator_env, collections_root, tmp_path
):
    target = next(d for d in falcon_emulator.devices() if d['product_type_desc'] == 'Workstation')
    alert = falcon_emulator.add_alert(device_id=target['device_id'], severity=95)
    falcon_emulator.reset_counters()
    runs = four_runs(alert, emulator_env, collections_root, tmp_path)
    # Check mode predicts both changes; the real run makes them; afterwards the re-check stops the play.
    assert [changed for changed, _output in runs] == [2, 2, 0, 0]
    assert 'status in_progress' in runs[2][1] and 'nothing to do' in runs[3][1]
    calls = falcon_emulator.counters()['calls']
    assert calls.get(ACTIONS) == 1 and calls.get(UPDATES) == 1, calls
    assert host(falcon_emulator, target['device_id'])['status'] == 'contained'
    now = alert_now(falcon_emulator, alert['composite_id'])
    assert now['status'] == 'in_progress' and now['tags'] == ['auto-contained']
    assert len(falcon_emulator.alert_comments()[alert['composite_id']]) == 1


def test_a_protected_host_and_its_alert_are_left_alone(falcon_emulator, emulator_env, collections_root, tmp_path):
    # The default protect filter matches domain controllers.
    target = next(d for d in falcon_emulator.devices() if d['product_type_desc'] == 'Domain Controller')
    alert = falcon_emulator.add_alert(device_id=target['device_id'], severity=100)
    falcon_emulator.reset_counters()
    runs = four_runs(alert, emulator_env, collections_root, tmp_path)
    assert [changed for changed, _output in runs] == [0, 0, 0, 0]
    assert all('matches the protect filter' in output for _changed, output in runs)
    calls = falcon_emulator.counters()['calls']
    assert ACTIONS not in calls and UPDATES not in calls, calls
    assert host(falcon_emulator, target['device_id'])['status'] == 'normal'
    assert alert_now(falcon_emulator, alert['composite_id']) == alert
