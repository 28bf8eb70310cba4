"""playbooks/alert_response.yml with the real ansible-playbook against the emulator, four runs each (check, real, check, real).

The rulebook passes the event as ansible_eda.event; here it is given as an extra var, so the playbook's guards are
checked without ansible-rulebook: one containment and two alert updates (the mark, then in progress) in total,
nothing for a protected host. A run killed mid-way (SIGKILL) is finished by a reconcile run.
"""

import os
import re
import signal
import subprocess
import sys
import time

from falcon_emulator.clients import DEFAULT_CLIENT
from playbook_runner import BIN_DIR, playbook_env, run_playbook

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
    # Check mode predicts the mark, the containment and the update; the real run makes them; afterwards nothing.
    assert [changed for changed, _output in runs] == [3, 3, 0, 0]
    assert 'status in_progress' in runs[2][1] and 'nothing to do' in runs[3][1]
    calls = falcon_emulator.counters()['calls']
    assert calls.get(ACTIONS) == 1 and calls.get(UPDATES) == 2, calls
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


PENDING = 'auto-contain-pending'


def reconcile(emulator_env, collections_root, work, **extra):
    """One reconcile run (falcon_reconcile=true); returns the PlayRun."""
    variables = dict({'falcon_reconcile': True, 'falcon_contain_poll_interval': 0.5}, **extra)
    return run_playbook(
        PLAYBOOK,
        emulator_env,
        collections_root,
        work,
        extra_vars=variables,
        timeout=300,
        extra_env={'FALCON_TOKEN_CACHE_DIR': os.path.join(str(work), 'token-cache')},
    )


def wait_until(what, check, timeout, proc):
    """Poll check() until true; fail naming `what` when timeout passes or the playbook ends first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, 'the playbook ended before %s' % what
        if check():
            return
        time.sleep(0.1)
    raise AssertionError('timed out waiting for %s' % what)


def test_a_run_killed_after_the_mark_is_finished_by_a_reconcile_run(emulator_factory, collections_root, tmp_path):
    # Containment takes 6 s to complete, so the run is still waiting for it when it is killed.
    emulator = emulator_factory(hosts=50, seed=1, containment_delay=6)
    env = {
        'FALCON_CLIENT_ID': DEFAULT_CLIENT.client_id,
        'FALCON_CLIENT_SECRET': DEFAULT_CLIENT.client_secret,
        'FALCON_BASE_URL': emulator.url,
    }
    target = next(d for d in emulator.devices() if d['product_type_desc'] == 'Workstation')
    alert = emulator.add_alert(device_id=target['device_id'], severity=95)
    emulator.reset_counters()
    work = tmp_path / 'killed'
    work.mkdir()
    variables = work / 'vars.json'
    variables.write_text(
        '{"falcon_alert_id": "%s", "falcon_contain_poll_interval": 0.5, "ansible_python_interpreter": "%s"}'
        % (alert['composite_id'], sys.executable)
    )
    proc = subprocess.Popen(  # pylint: disable=consider-using-with
        [os.path.join(BIN_DIR, 'ansible-playbook'), PLAYBOOK, '-e', '@%s' % variables],
        env=playbook_env(env, collections_root, work, {'FALCON_TOKEN_CACHE_DIR': str(work / 'token-cache')}),
        cwd=str(work),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_until('the containment request', lambda: emulator.counters()['calls'].get(ACTIONS), 120, proc)
        assert PENDING in alert_now(emulator, alert['composite_id'])['tags']
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
    # What the kill left: the host on its way to containment, the alert new with the mark.
    left = alert_now(emulator, alert['composite_id'])
    assert left['status'] == 'new' and left['tags'] == [PENDING]
    assert host(emulator, target['device_id'])['status'] in ('containment_pending', 'contained')

    emulator.reset_counters()
    done = reconcile(env, collections_root, tmp_path / 'reconcile-1')
    assert done.rc == 0, done.explain()
    now = alert_now(emulator, alert['composite_id'])
    assert now['status'] == 'in_progress' and now['tags'] == ['auto-contained']
    assert host(emulator, target['device_id'])['status'] == 'contained'
    calls = emulator.counters()['calls']
    assert ACTIONS not in calls and calls.get(UPDATES) == 1, calls  # the host was contained already: no new request
    assert len(emulator.alert_comments()[alert['composite_id']]) == 1

    # Finished once: a second reconcile finds nothing and writes nothing.
    emulator.reset_counters()
    again = reconcile(env, collections_root, tmp_path / 'reconcile-2')
    assert again.rc == 0 and 'nothing to finish' in again.stdout, again.explain()
    assert UPDATES not in emulator.counters()['calls'] and ACTIONS not in emulator.counters()['calls']


def test_a_reconcile_of_more_alerts_than_falcon_reconcile_max_does_nothing(
    falcon_emulator, emulator_env, collections_root, tmp_path
):
    hosts = [d for d in falcon_emulator.devices() if d['product_type_desc'] == 'Workstation'][:2]
    for device in hosts:
        falcon_emulator.add_alert(device_id=device['device_id'], severity=95, tags=[PENDING])
    falcon_emulator.reset_counters()
    run = reconcile(emulator_env, collections_root, tmp_path, falcon_reconcile_max=1)
    assert run.rc != 0 and 'more than falcon_reconcile_max (1): nothing was done' in run.stdout, run.explain()
    calls = falcon_emulator.counters()['calls']
    assert ACTIONS not in calls and UPDATES not in calls, calls
