"""End to end: the real ansible-rulebook runs extensions/eda/rulebooks/contain_critical_alerts.yml against the emulator.

ansible-rulebook comes from the venv scripts/eda_venv.sh makes (named by FALCON_EDA_VENV, which the test scripts set);
without it this test fails, it is never skipped. Critical alerts are injected on a normal and on a protected host
(a domain controller); the test checks the first host is contained and its alert updated exactly once, the second
untouched, and that after a restart of the rulebook nothing is acted on twice while an alert raised during the stop
is still handled. Every wait is bounded; the rulebook's process group is killed at the end whatever happened.
"""

import json
import os
import re
import signal
import subprocess
import time

import pytest
from falcon_emulator.clients import DEFAULT_CLIENT
from playbook_runner import playbook_env

RULEBOOK = 'secops.falcon.contain_critical_alerts'
PROTECT_FILTER = "product_type_desc:'Domain Controller'"
COMMENT_START = 'Host network-contained automatically by secops.falcon'
ACTIONS = 'POST /devices/entities/devices-actions/v2'
UPDATES = 'PATCH /alerts/entities/alerts/v3'
POLLS = 'POST /alerts/combined/alerts/v1'
PENDING_TAG = 'auto-contain-pending'
START_TIMEOUT = 120  # JVM start, collection lookup and the first-start baseline
ACT_TIMEOUT = 180  # poll interval + a playbook run (5 module calls) + containment wait
STOP_TIMEOUT = 30
FAILED_RECAP = re.compile(r'\b(failed|unreachable)=[1-9]')


def eda_venv():
    """The venv holding ansible-rulebook (FALCON_EDA_VENV); the test fails, never skips, when it is missing."""
    venv = os.environ.get('FALCON_EDA_VENV')
    if not venv:
        pytest.fail(
            'FALCON_EDA_VENV is not set: create the venv with `bash scripts/eda_venv.sh` and export '
            'FALCON_EDA_VENV=<the path it prints> (scripts/test_all.sh does both).'
        )
    binary = os.path.join(venv, 'bin', 'ansible-rulebook')
    if not os.access(binary, os.X_OK):
        pytest.fail('FALCON_EDA_VENV=%s has no bin/ansible-rulebook: run `bash scripts/eda_venv.sh %s`.' % (venv, venv))
    return venv


class Rulebook:
    """One ansible-rulebook process in its own process group, its output in a file."""

    def __init__(self, venv, env, work, name):
        self.log_path = os.path.join(work, '%s.log' % name)
        self.log = open(self.log_path, 'w', encoding='utf-8')  # pylint: disable=consider-using-with
        command = [
            os.path.join(venv, 'bin', 'ansible-rulebook'),
            '--rulebook',
            RULEBOOK,
            '--vars',
            os.path.join(work, 'vars.yml'),
            '--inventory',
            os.path.join(work, 'inventory.yml'),
            '-v',
        ]
        self.proc = subprocess.Popen(
            command,
            env=env,
            cwd=work,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # pylint: disable=consider-using-with

    def output(self):
        """Everything the process printed so far."""
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path, encoding='utf-8', errors='replace') as handle:
            return handle.read()

    def explain(self):
        """The tail of the output, for a failed assertion."""
        return 'ansible-rulebook rc=%s, output:\n%s' % (self.proc.poll(), self.output()[-8000:])

    def alive(self):
        """Fail the test at once if the process ended on its own or a playbook run failed."""
        assert self.proc.poll() is None, 'ansible-rulebook exited early.\n' + self.explain()
        assert not FAILED_RECAP.search(self.output()), 'a playbook run failed.\n' + self.explain()

    def stop(self):
        """SIGINT the group (a normal stop), then SIGKILL what is left after STOP_TIMEOUT; no process outlives this."""
        try:
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGINT)
                try:
                    self.proc.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    pass
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(STOP_TIMEOUT)
        finally:
            self.log.close()

    def group_alive(self):
        """True while any process of the rulebook's process group (playbook runs included) exists."""
        try:
            os.killpg(self.proc.pid, 0)
        except ProcessLookupError:
            return False
        return True


def wait_for(what, check, timeout, rulebook):
    """Poll check() until it returns something true; fail naming `what` (with the rulebook's output) on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rulebook.alive()
        value = check()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail('timed out after %ss waiting for %s.\n%s' % (timeout, what, rulebook.explain()))


def polls(emulator):
    """How many times the alerts were polled since the emulator's counters were last reset."""
    return emulator.counters()['calls'].get(POLLS, 0)


def wait_for_polls(emulator, rulebook, count):
    """Wait (ACT_TIMEOUT) until polls(emulator) reaches count."""
    wait_for('%d polls since the counters were reset' % count, lambda: polls(emulator) >= count, ACT_TIMEOUT, rulebook)


def responded(emulator, device_id, composite_id):
    """A check for wait_for: the host is contained and its alert in progress (the rulebook's whole response)."""

    def check():
        host = by_id(emulator.devices(), 'device_id', device_id)
        alert = by_id(emulator.alerts(), 'composite_id', composite_id)
        return host['status'] == 'contained' and alert['status'] == 'in_progress'

    return check


def write_files(work, state_file, venv, **extra_vars):
    """The rulebook's variables and a local inventory for its playbook runs (modules run on the venv's Python)."""
    with open(os.path.join(work, 'vars.yml'), 'w', encoding='utf-8') as handle:
        json.dump(
            dict(
                {
                    'falcon_min_severity': 90,
                    'falcon_poll_interval': 1,
                    'falcon_initial_lookback': 0,
                    'falcon_state_file': state_file,
                    'falcon_protect_filter': PROTECT_FILTER,
                },
                **extra_vars,
            ),
            handle,
        )
    with open(os.path.join(work, 'inventory.yml'), 'w', encoding='utf-8') as handle:
        handle.write(
            'all:\n  hosts:\n    localhost:\n      ansible_connection: local\n      ansible_python_interpreter: %s\n'
            % json.dumps(os.path.join(venv, 'bin', 'python'))
        )


def rulebook_env(venv, emulator, collections_root, work):
    """The playbook tests' environment (loopback-only DNS, no inherited FALCON_/ANSIBLE_), with the eda venv first."""
    env = playbook_env(
        {
            'FALCON_CLIENT_ID': DEFAULT_CLIENT.client_id,
            'FALCON_CLIENT_SECRET': DEFAULT_CLIENT.client_secret,
            'FALCON_BASE_URL': emulator.url,
        },
        collections_root,
        work,
    )
    env['PATH'] = os.path.join(venv, 'bin') + os.pathsep + env['PATH']
    env['HOME'] = work  # ansible-runner and ansible-galaxy write under ~
    env['XDG_CACHE_HOME'] = os.path.join(work, 'xdg-cache')
    # The machine's proxy and CA variables must not change what the source or the modules do.
    for name in (
        'HTTPS_PROXY',
        'HTTP_PROXY',
        'https_proxy',
        'http_proxy',
        'ALL_PROXY',
        'all_proxy',
        'REQUESTS_CA_BUNDLE',
        'SSL_CERT_FILE',
        'CURL_CA_BUNDLE',
    ):
        env.pop(name, None)
    env['NO_PROXY'] = '127.0.0.1,localhost'
    return env


def by_id(records, key, value):
    """The one record whose key equals value."""
    found = [r for r in records if r[key] == value]
    assert len(found) == 1, (key, value, len(found))
    return found[0]


def pick_hosts(emulator):
    """Three normal workstations and a domain controller (the protected host) of the seeded fleet."""
    devices = emulator.devices()
    workstations = [d for d in devices if d['product_type_desc'] == 'Workstation' and d['status'] == 'normal']
    controllers = [d for d in devices if d['product_type_desc'] == 'Domain Controller' and d['status'] == 'normal']
    assert len(workstations) >= 3 and controllers, 'the seeded fleet lacks workstations or a domain controller'
    return workstations[:3], controllers[0]


def prepare(emulator_factory, collections_root, tmp_path, **extra_vars):
    """(venv, emulator, work dir, state file, environment, pick_hosts()) of one run: a 50-host emulator, the
    rulebook's files (extra_vars added to its variables) and its environment."""
    venv = eda_venv()
    emulator = emulator_factory(hosts=50, seed=1, containment_delay=0.5)
    work = str(tmp_path)
    state_file = os.path.join(work, 'state', 'falcon_alerts.json')
    write_files(work, state_file, venv, **extra_vars)
    env = rulebook_env(venv, emulator, collections_root, work)
    return venv, emulator, work, state_file, env, pick_hosts(emulator)


def test_rulebook_contains_once_spares_protected_hosts_and_survives_a_restart(
    emulator_factory, collections_root, tmp_path
):
    venv, emulator, work, state_file, env, hosts = prepare(emulator_factory, collections_root, tmp_path)
    (normal, during_stop, low), protected = hosts
    history = emulator.alerts()

    first = Rulebook(venv, env, work, 'first-run')
    try:
        wait_for('the first-start baseline (state file)', lambda: os.path.exists(state_file), START_TIMEOUT, first)
        emulator.reset_counters()
        critical = emulator.add_alert(device_id=normal['device_id'], severity=95)
        spared = emulator.add_alert(device_id=protected['device_id'], severity=100)
        minor = emulator.add_alert(device_id=low['device_id'], severity=50)
        wait_for(
            'containment of %s and the update of its alert' % normal['hostname'],
            responded(emulator, normal['device_id'], critical['composite_id']),
            ACT_TIMEOUT,
            first,
        )
        # The reconcile at start and both critical alerts ran the playbook; the protected one ends after its check.
        wait_for('three playbook runs', lambda: first.output().count('PLAY RECAP') >= 3, ACT_TIMEOUT, first)
        wait_for_polls(emulator, first, 3)
    finally:
        first.stop()
    output = first.output()
    assert DEFAULT_CLIENT.client_secret not in output

    calls = emulator.counters()['calls']
    assert calls.get(ACTIONS) == 1, (calls, output[-6000:])
    assert calls.get(UPDATES) == 2, (calls, output[-6000:])  # the mark, then in progress
    alerts = emulator.alerts()
    done = by_id(alerts, 'composite_id', critical['composite_id'])
    assert done['status'] == 'in_progress' and done['tags'] == ['auto-contained']
    comments = emulator.alert_comments()[critical['composite_id']]
    assert [c.startswith(COMMENT_START) for c in comments] == [True]
    untouched = by_id(alerts, 'composite_id', spared['composite_id'])
    assert untouched == spared
    assert by_id(alerts, 'composite_id', minor['composite_id']) == minor
    devices = emulator.devices()
    assert by_id(devices, 'device_id', protected['device_id'])['status'] == 'normal'
    assert by_id(devices, 'device_id', low['device_id'])['status'] == 'normal'
    # Alerts that existed before the first start are history: none was touched (many are new and critical).
    assert [by_id(alerts, 'composite_id', a['composite_id']) for a in history] == history
    assert [a for a in history if a['status'] == 'new' and a['severity'] >= 90]

    # While the rulebook is down a new critical alert is raised: the restart must act on it, and on nothing else.
    emulator.reset_counters()
    late = emulator.add_alert(device_id=during_stop['device_id'], severity=92)
    second = Rulebook(venv, env, work, 'second-run')
    try:
        wait_for(
            'the alert raised during the stop to be handled',
            responded(emulator, during_stop['device_id'], late['composite_id']),
            START_TIMEOUT + ACT_TIMEOUT,
            second,
        )
        wait_for(
            'the reconcile and one playbook run after the restart',
            lambda: second.output().count('PLAY RECAP') >= 2,
            ACT_TIMEOUT,
            second,
        )
        wait_for_polls(emulator, second, polls(emulator) + 3)
    finally:
        second.stop()
    output = second.output()
    calls = emulator.counters()['calls']
    assert second.output().count('PLAY RECAP') == 2, output[-6000:]
    assert calls.get(ACTIONS) == 1 and calls.get(UPDATES) == 2, (calls, output[-6000:])
    alerts = emulator.alerts()
    assert len(emulator.alert_comments()[critical['composite_id']]) == 1
    assert by_id(alerts, 'composite_id', spared['composite_id']) == spared
    for rulebook in (first, second):
        assert not rulebook.group_alive(), 'a process of ansible-rulebook outlived its stop'


def test_rulebook_finishes_a_killed_response_at_start_and_stops_at_the_fleet_wide_cap(
    emulator_factory, collections_root, tmp_path
):
    venv, emulator, work, state_file, env, hosts = prepare(
        emulator_factory, collections_root, tmp_path, falcon_action_limit=1
    )
    (half_done, first_host, beyond), _protected = hosts
    # What a response killed after its mark leaves: the alert still new, with the mark (its host perhaps contained).
    left = emulator.add_alert(device_id=half_done['device_id'], severity=95, tags=[PENDING_TAG])
    rulebook = Rulebook(venv, env, work, 'capped')
    try:
        wait_for(
            'the reconcile at start to finish the half-done alert',
            responded(emulator, half_done['device_id'], left['composite_id']),
            START_TIMEOUT + ACT_TIMEOUT,
            rulebook,
        )
        wait_for('the first poll', lambda: os.path.exists(state_file), START_TIMEOUT, rulebook)
        emulator.reset_counters()
        admitted = emulator.add_alert(device_id=first_host['device_id'], severity=95)

        def first_contained():
            return by_id(emulator.devices(), 'device_id', first_host['device_id'])['status'] == 'contained'

        wait_for('containment of the first host of the window', first_contained, ACT_TIMEOUT, rulebook)
        refused = emulator.add_alert(device_id=beyond['device_id'], severity=99)
        wait_for(
            'the warning of the cap',
            lambda: 'the fleet-wide cap is reached' in rulebook.output(),
            ACT_TIMEOUT,
            rulebook,
        )
        wait_for_polls(emulator, rulebook, polls(emulator) + 2)
    finally:
        rulebook.stop()
    output = rulebook.output()
    assert refused['composite_id'] in output and beyond['device_id'] in output
    assert by_id(emulator.devices(), 'device_id', beyond['device_id'])['status'] == 'normal'
    assert by_id(emulator.alerts(), 'composite_id', refused['composite_id']) == refused
    done = by_id(emulator.alerts(), 'composite_id', left['composite_id'])
    assert done['tags'] == ['auto-contained']
    assert by_id(emulator.alerts(), 'composite_id', admitted['composite_id'])['status'] == 'in_progress'
    calls = emulator.counters()['calls']
    assert calls.get(ACTIONS) == 1, (calls, output[-6000:])  # the admitted host only
    assert not rulebook.group_alive(), 'a process of ansible-rulebook outlived its stop'


SCHEMA_CHECK = r'''
import glob, json, os, sys
import jsonschema, yaml
import ansible_rulebook
schema_path = os.path.join(os.path.dirname(ansible_rulebook.__file__), 'schema', 'ruleset_schema.json')
with open(schema_path) as handle:
    schema = json.load(handle)
checked = []
for path in sorted(glob.glob(os.path.join(sys.argv[1], '*.yml'))):
    with open(path) as handle:
        jsonschema.validate(yaml.safe_load(handle), schema)
    checked.append(os.path.basename(path))
print(json.dumps(checked))
'''


def test_every_shipped_rulebook_matches_the_ansible_rulebook_schema():
    venv = eda_venv()
    rulebooks = os.path.join(
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'extensions', 'eda', 'rulebooks'
    )
    proc = subprocess.run(
        [os.path.join(venv, 'bin', 'python'), '-c', SCHEMA_CHECK, rulebooks],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert json.loads(proc.stdout) == ['contain_critical_alerts.yml', 'contain_critical_alerts_controller.yml']
