"""The collection's playbooks and roles, run for real with ansible-playbook against the emulator."""

import csv
import json
import os
import shutil

import pytest
from falcon_emulator.clients import READONLY_CLIENT
from playbook_runner import local_inventory, run_playbook

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_ROOT = os.path.dirname(TESTS_DIR)

PLAYBOOKS = os.path.join(REPO_ROOT, 'playbooks')
TEST_PLAYBOOKS = os.path.join(TESTS_DIR, 'integration', 'playbooks')
# The demo contains and lifts two hosts with a 0.5 s containment delay: seconds. Anything near this is a hang.
PLAY_TIMEOUT = 300
COLUMNS = ['hostname', 'device_id', 'platform_name', 'tags', 'device_policies', 'status']


def read_json(path):
    """Parse a JSON file."""
    with open(str(path), encoding='utf-8') as handle:
        return json.load(handle)


def run_play(playbook, env, collections_root, tmp_path, **options):
    """run_playbook with PLAY_TIMEOUT. playbook: a file of playbooks/ ('demo.yml'), a path, or secops.falcon.<name>."""
    if playbook.endswith('.yml'):
        playbook = os.path.join(PLAYBOOKS, playbook)  # an absolute path stays as it is
    return run_playbook(playbook, env, collections_root, tmp_path, timeout=PLAY_TIMEOUT, **options)


def test_device_report_csv_parses_back_to_the_json_rows(falcon_emulator, emulator_env, collections_root, tmp_path):
    """A standard CSV reader gets back exactly the JSON report's rows: lists joined with ';', objects as JSON text."""
    reports = tmp_path / 'reports'
    play = run_play(
        'device_report.yml',
        emulator_env,
        collections_root,
        tmp_path,
        extra_vars={'falcon_device_report_dir': str(reports), 'falcon_device_report_columns': COLUMNS},
    )
    assert play.rc == 0, play.explain()
    assert play.dns_refused == []
    report = read_json(reports / 'devices.json')
    assert report['total'] == report['count'] == 50
    with open(str(reports / 'devices.csv'), encoding='utf-8', newline='') as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == COLUMNS
    assert len(rows) == 51
    hostnames = [row[0] for row in rows[1:]]
    assert hostnames == sorted(hostnames, key=str.lower)  # the default sort, hostname.asc (the API ignores case)
    for row, device in zip(rows[1:], report['devices']):
        assert list(device) == COLUMNS
        assert row[0] == device['hostname'] and row[1] == device['device_id'] and row[2] == device['platform_name']
        assert row[3] == ';'.join(device['tags'] or [])
        assert json.loads(row[4]) == device['device_policies']
        assert row[5] == device['status']
    assert any(device['tags'] for device in report['devices'])


def test_demo_playbook_runs_the_whole_flow(falcon_emulator, emulator_env, collections_root, tmp_path):
    """playbooks/demo.yml (what `make demo` runs) reports, audits, contains two hosts and lifts them again."""
    reports = tmp_path / 'reports'
    play = run_play(
        'demo.yml',
        emulator_env,
        collections_root,
        tmp_path,
        extra_vars={'demo_report_dir': str(reports)},
    )
    assert play.rc == 0, play.explain()
    assert play.dns_refused == []
    assert sorted(os.listdir(str(reports))) == [
        'DEMO-1-contained.json',
        'DEMO-1-contained.md',
        'DEMO-1-lifted.json',
        'DEMO-1-lifted.md',
        'devices.csv',
        'devices.json',
        'falcon-policy-audit.json',
        'falcon-policy-audit.md',
    ]
    contained = read_json(reports / 'DEMO-1-contained.json')
    lifted = read_json(reports / 'DEMO-1-lifted.json')
    targets = sorted(host['hostname'] for host in contained['acted_on'])
    assert len(targets) == 2
    assert sorted(host['hostname'] for host in lifted['acted_on']) == targets
    assert [host['status'] for host in contained['verified']] == ['contained', 'contained']
    assert [host['status'] for host in lifted['verified']] == ['normal', 'normal']
    audit = read_json(reports / 'falcon-policy-audit.json')
    assert audit['summary']['prevention']['checked'] > 0 and audit['summary']['cspm']['checked'] > 0
    assert audit['drift_count'] == len(audit['drift'])
    # Every host is back to normal (read from the emulator itself): the demo leaves the tenant as it found it.
    assert {device['status'] for device in falcon_emulator.devices()} == {'normal'}
    assert sorted(d['hostname'] for d in falcon_emulator.devices() if d['hostname'] in targets) == targets
    assert 'Contained: %s' % ', '.join(targets) in play.stdout


def test_refused_containment_is_reported_then_fails(falcon_emulator, emulator_env, collections_root, tmp_path):
    """A client without devices:write: the role writes the report of the refusal, then fails; no host changes."""
    reports = tmp_path / 'reports'
    env = dict(
        emulator_env, FALCON_CLIENT_ID=READONLY_CLIENT.client_id, FALCON_CLIENT_SECRET=READONLY_CLIENT.client_secret
    )
    play = run_play(
        'incident_response.yml',
        env,
        collections_root,
        tmp_path,
        extra_vars={
            'falcon_incident_response_hostnames': ['host-00001', 'host-00002'],
            'falcon_incident_response_incident_id': 'INC-403',
            'falcon_incident_response_report_dir': str(reports),
            'falcon_incident_response_poll_interval': 0.5,
        },
    )
    assert play.rc != 0, play.explain()
    report = read_json(reports / 'INC-403-contained.json')
    assert report['succeeded'] is False and report['changed'] is False
    assert report['acted_on'] == []
    assert sorted(host['hostname'].lower() for host in report['refused']) == ['host-00001', 'host-00002']
    assert all('403' in host['reason'] for host in report['refused'])
    assert report['verification']['checked'] is False
    with open(str(reports / 'INC-403-contained.md'), encoding='utf-8') as handle:
        markdown = handle.read()
    assert '## Refused by the API (2)' in markdown and 'Result: FAILED.' in markdown
    assert {
        d['status'] for d in falcon_emulator.devices() if d['hostname'].lower() in ('host-00001', 'host-00002')
    } == {'normal'}


def test_unusable_report_directory_is_refused_before_any_containment(
    falcon_emulator, emulator_env, collections_root, tmp_path
):
    """The report could not be written: the role says so and contains nothing, instead of failing afterwards."""
    not_a_dir = tmp_path / 'reports'
    not_a_dir.write_text('a file where the directory should be')
    play = run_play(
        'incident_response.yml',
        emulator_env,
        collections_root,
        tmp_path,
        extra_vars={
            'falcon_incident_response_hostnames': ['host-00001'],
            'falcon_incident_response_incident_id': 'INC-DIR',
            'falcon_incident_response_report_dir': str(not_a_dir),
        },
    )
    assert play.rc != 0, play.explain()
    assert 'is not a writable' in play.stdout and 'nothing was contained or lifted' in play.stdout, play.explain()
    assert not any(
        call.startswith('POST /devices/entities/devices-actions') for call in falcon_emulator.counters()['calls']
    )
    assert {d['status'] for d in falcon_emulator.devices() if d['hostname'].lower() == 'host-00001'} == {'normal'}


def test_report_lists_hosts_acted_on_when_the_status_read_fails(
    falcon_emulator, emulator_env, collections_root, tmp_path
):
    """Containment accepted, then every status read answers 503: the report lists the hosts as acted on and changed."""
    reports = tmp_path / 'reports'
    falcon_emulator.configure(
        faults=[
            {
                'type': 'error',
                'status': 503,
                'path': '/devices/entities/devices/v2',
                'method': 'POST',
                'after': 1,
                'count': 50,
            }
        ]
    )
    play = run_play(
        'incident_response.yml',
        emulator_env,
        collections_root,
        tmp_path,
        extra_vars={
            'falcon_incident_response_hostnames': ['host-00001', 'host-00002'],
            'falcon_incident_response_incident_id': 'INC-503',
            'falcon_incident_response_report_dir': str(reports),
            'falcon_incident_response_poll_interval': 0.5,
        },
    )
    assert play.rc != 0, play.explain()
    report = read_json(reports / 'INC-503-contained.json')
    assert report['succeeded'] is False and report['changed'] is True
    assert sorted(host['hostname'].lower() for host in report['acted_on']) == ['host-00001', 'host-00002']
    assert report['refused'] == [] and report['unknown'] == []
    assert 'The status read after the request failed' in report['msg']
    with open(str(reports / 'INC-503-contained.md'), encoding='utf-8') as handle:
        markdown = handle.read()
    assert '## Hosts acted on (2)' in markdown and 'Result: FAILED.' in markdown


def test_report_lists_hosts_in_an_unknown_state(falcon_emulator, emulator_env, collections_root, tmp_path):
    """The contain request meets a 500 (it may have been applied): the report lists the host under State unknown."""
    reports = tmp_path / 'reports'
    falcon_emulator.configure(faults=[{'type': 'error', 'status': 500, 'path': '/devices/entities/devices-actions/v2'}])
    play = run_play(
        'incident_response.yml',
        emulator_env,
        collections_root,
        tmp_path,
        extra_vars={
            'falcon_incident_response_hostnames': ['host-00003'],
            'falcon_incident_response_incident_id': 'INC-500',
            'falcon_incident_response_report_dir': str(reports),
            'falcon_incident_response_poll_interval': 0.5,
        },
    )
    assert play.rc != 0, play.explain()
    report = read_json(reports / 'INC-500-contained.json')
    assert report['succeeded'] is False and report['changed'] is True
    assert [host['hostname'].lower() for host in report['unknown']] == ['host-00003']
    assert 'may have reached the API' in report['unknown'][0]['reason']
    with open(str(reports / 'INC-500-contained.md'), encoding='utf-8') as handle:
        markdown = handle.read()
    assert '## State unknown: the request may have been applied (1)' in markdown


@pytest.mark.parametrize('strategy, serial', [('free', 0), ('linear', 2)])
def test_incident_response_acts_once_per_play(
    strategy, serial, falcon_emulator, emulator_env, collections_root, tmp_path
):
    """Five inventory hosts, strategy free or serial batches: one selection, one action call, one report."""
    reports = tmp_path / 'reports'
    targets = ['host-00003', 'host-00004']
    inventory = local_inventory(tmp_path, 5)
    play = run_play(
        os.path.join(TEST_PLAYBOOKS, 'role_on_many_hosts.yml'),
        emulator_env,
        collections_root,
        tmp_path,
        extra_vars={
            'falcon_incident_response_hostnames': targets,
            'falcon_incident_response_incident_id': 'INC-MANY',
            'falcon_incident_response_report_dir': str(reports),
            'falcon_incident_response_poll_interval': 0.5,
            'play_serial': serial,
        },
        inventory=inventory,
        extra_env={'ANSIBLE_STRATEGY': strategy},
    )
    assert play.rc == 0, play.explain()
    calls = falcon_emulator.counters()['calls']
    assert calls.get('POST /devices/entities/devices-actions/v2') == 1, calls
    queries = dict((key, count) for key, count in calls.items() if key.startswith('GET /devices/queries/'))
    assert sum(queries.values()) == 1, calls  # one host selection for the play, not one per inventory host
    report = read_json(reports / 'INC-MANY-contained.json')
    assert sorted(host['hostname'].lower() for host in report['acted_on']) == targets
    assert [host['status'] for host in report['verified']] == ['contained', 'contained']
    assert play.results['incident_id'] == 'INC-MANY' and play.results['succeeded'] is True  # the first host's fact
    assert sorted(d['hostname'].lower() for d in falcon_emulator.devices() if d['status'] == 'contained') == targets


def test_playbook_run_by_name_writes_reports_in_the_current_directory(
    falcon_emulator, emulator_env, collections_root, tmp_path
):
    """`ansible-playbook secops.falcon.device_report`: reports go to ./falcon-reports, never into the collection."""
    inside = os.path.join(REPO_ROOT, 'playbooks', 'falcon-reports')
    assert not os.path.exists(inside), 'left over from an earlier run: %s' % inside
    try:
        play = run_play('secops.falcon.device_report', emulator_env, collections_root, tmp_path)
        assert play.rc == 0, play.explain()
        assert not os.path.exists(inside)
    finally:
        if os.path.isdir(inside):
            shutil.rmtree(inside)
    assert sorted(os.listdir(str(tmp_path / 'falcon-reports'))) == ['devices.csv', 'devices.json']  # cwd of the run
    assert read_json(tmp_path / 'falcon-reports' / 'devices.json')['count'] == 50
    assert 'Exported 50 of 50 hosts to %s/falcon-reports/devices.csv' % tmp_path in play.stdout


def test_device_report_check_mode_writes_nothing_and_says_so(falcon_emulator, emulator_env, collections_root, tmp_path):
    """--check: no directory, no file, and the message says what would be written instead of claiming an export."""
    reports = tmp_path / 'reports'
    play = run_play(
        'device_report.yml',
        emulator_env,
        collections_root,
        tmp_path,
        extra_vars={'falcon_device_report_dir': str(reports)},
        cli_args=['--check'],
    )
    assert play.rc == 0, play.explain()
    assert not reports.exists()
    assert 'Exported' not in play.stdout
    assert (
        'Check mode, nothing written: would export 50 of 50 hosts to %s/devices.csv and %s/devices.json'
        % (reports, reports)
    ) in play.stdout


def write_baseline(path, prevention=(), sensor_update=(), cspm=()):
    """Write a policy baseline file for playbooks/policy_audit.yml; return its path."""
    with open(str(path), 'w', encoding='utf-8') as handle:
        json.dump(
            {
                'falcon_policy_audit_prevention': list(prevention),
                'falcon_policy_audit_sensor_update': list(sensor_update),
                'falcon_policy_audit_cspm': list(cspm),
            },
            handle,
        )
    return str(path)


def test_policy_audit_refuses_an_empty_baseline(falcon_emulator, emulator_env, collections_root, tmp_path):
    """A baseline with no entry compares nothing: the audit fails clearly instead of reporting compliance."""
    reports = tmp_path / 'reports'
    play = run_play(
        'policy_audit.yml',
        emulator_env,
        collections_root,
        tmp_path,
        extra_vars={
            'policy_baseline_file': write_baseline(tmp_path / 'empty.json'),
            'falcon_policy_audit_report_dir': str(reports),
        },
    )
    assert play.rc != 0, play.explain()
    assert 'The baseline is empty' in play.stdout
    assert 'Compliant' not in play.stdout
    assert not reports.exists()
    assert falcon_emulator.counters()['calls'] == {}


def test_policy_audit_refuses_a_mistyped_baseline_path(falcon_emulator, emulator_env, collections_root, tmp_path):
    """A path to nothing is named as such, not taken for an empty baseline."""
    missing = str(tmp_path / 'polciy_baseline.yml')
    play = run_play(
        'policy_audit.yml',
        emulator_env,
        collections_root,
        tmp_path,
        extra_vars={'policy_baseline_file': missing, 'falcon_policy_audit_report_dir': str(tmp_path / 'reports')},
    )
    assert play.rc != 0, play.explain()
    assert 'does not exist' in play.stdout and 'polciy_baseline.yml' in play.stdout, play.explain()
    assert 'The baseline is empty' not in play.stdout
    assert falcon_emulator.counters()['calls'] == {}


def test_policy_audit_entry_that_selects_nothing_is_not_compliant(
    falcon_emulator, emulator_env, collections_root, tmp_path
):
    """A CSPM rule matching no policy is reported as drift: the rest of the baseline matching does not make it compliant."""
    reports = tmp_path / 'reports'
    baseline = write_baseline(
        tmp_path / 'baseline.json',
        prevention=[{'name': 'Canary - Detect only'}],
        cspm=[{'service': 'S3', 'cloud_platform': 'aws', 'severities': ['informational']}],
    )
    play = run_play(
        'policy_audit.yml',
        emulator_env,
        collections_root,
        tmp_path,
        extra_vars={'policy_baseline_file': baseline, 'falcon_policy_audit_report_dir': str(reports)},
    )
    assert play.rc == 0, play.explain()
    audit = read_json(reports / 'falcon-policy-audit.json')
    assert audit['summary']['prevention'] == {'checked': 1, 'drift': 0}
    assert audit['compliant'] is False and audit['drift_count'] == 1
    assert audit['drift'][0]['text'] == 'CSPM rule for S3 (aws) selected no policy with severity informational'
    assert 'Compliant' not in play.stdout and '1 difference(s)' in play.stdout
