"""Safety of the falcon_alerts source: events that cannot run as templates, and a state file that cannot be trusted.

An event reaches a playbook as extra vars (ansible-rulebook YAML-dumps it; ansible-core 2.19+ templates extra vars),
so no text from the API may be in one. The state file decides what is sent, so it is checked as the token cache is.
"""

import json
import logging
import os
import subprocess
import sys
import time

import pytest
import yaml
from eda_fakes import COLLECTION, alert, run_source  # pylint: disable=wrong-import-order

from ansible_collections.secops.falcon.plugins.module_utils import _alert_stream as stream

TEMPLATE_MARKS = ('{{', '{%', '{#')
MATRIX_CORE = os.path.expanduser('~/.cache/secops-falcon/venv-matrix/2.21.5/bin/ansible-playbook')


def hostile(marker):
    """Template text that, if it ever ran, would create marker."""
    return "{{ lookup('pipe', 'touch %s') }}{%% if true %%}{# x #}{%% endif %%}" % marker


def hostile_alert(marker):
    """An alert whose every string field, nested ones too, is template text (and whose numbers are text)."""
    text = hostile(marker)
    record = alert(1, text)
    for key, value in list(record.items()):
        if isinstance(value, str):
            record[key] = text
    record.update(
        severity=text,
        pattern_id=text,
        tags=[text],
        device={'device_id': text, 'hostname': text, 'external_ip': text},
        agent_id=text,
        cid=text,
        tactic_id=text,
        technique_id=text,
        description=text,
        cmdline=text,
    )
    return record


def legit_alert():
    """A well-formed alert: every safe field set, and free text that must still stay out."""
    record = alert(2, '2026-12-01T20:00:00.123Z', severity=95)
    record.update(
        cid='c' * 32,
        agent_id='d' * 32,
        tactic_id='TA0006',
        technique_id='T1003.001',
        pattern_id=51234,
        composite_id='%s:ind:%s:1234-56-789' % ('c' * 32, 'd' * 32),
    )
    return record


def strings_in(value):
    """Every str inside value (keys too)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings_in(key)
            yield from strings_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from strings_in(item)


# -- the event -------------------------------------------------------------------------------------------------------


def test_no_event_value_can_hold_template_syntax(tmp_path):
    event = stream.make_event(hostile_alert(tmp_path / 'x'))
    assert not [s for s in strings_in(event) if any(mark in s for mark in TEMPLATE_MARKS)]
    assert event['summary'] == {}  # every hostile value fails its check and is left out
    assert set(event) == {'summary', 'meta'}


def test_a_well_formed_alert_keeps_its_ids_numbers_and_times_but_no_text():
    record = legit_alert()
    event = stream.make_event(record)
    assert event['summary'] == {
        'composite_id': record['composite_id'],
        'severity': 95,
        'severity_name': 'Critical',
        'status': 'new',
        'product': 'epp',
        'tactic_id': 'TA0006',
        'technique_id': 'T1003.001',
        'pattern_id': 51234,
        'created_timestamp': '2026-12-01T20:00:00.123Z',
        'updated_timestamp': '2026-12-01T20:00:00.123Z',
        'cid': 'c' * 32,
        'agent_id': 'd' * 32,
        'device_id': 'd' * 32,
    }
    assert 'alert' not in event


@pytest.mark.parametrize(
    'field, value',
    [
        ('status', 'new\n'),
        ('composite_id', 'abc:ind:1\n{{ 7 * 7 }}'),
        ('updated_timestamp', '2026-12-01T20:00:00Z\n'),
        ('severity', True),
        ('severity', 101),
        ('product', 'EPP {{x}}'),
        ('technique_id', 'T1003 '),
    ],
)
def test_near_miss_values_are_left_out(field, value):
    record = dict(legit_alert(), **{field: value})
    assert field not in stream.make_event(record)['summary']


# -- the event in a playbook, as ansible-rulebook hands it over -------------------------------------------------------

NOTIFY_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  connection: local
  tasks:
    - name: Template the whole event
      ansible.builtin.debug:
        msg: "{{ ansible_eda.event }}"
    - name: Template every summary field, one by one
      ansible.builtin.debug:
        msg: "{{ item.key }} = {{ ansible_eda.event.summary[item.key] }}"
      loop: "{{ ansible_eda.event.summary | dict2items }}"
    - name: A ticket text, the way users write them
      ansible.builtin.copy:
        dest: "{{ ticket }}"
        content: "Alert {{ ansible_eda.event.summary.composite_id | default('') }} {{ ansible_eda.event | to_json }}"
"""


def playbook_binaries():
    """ansible-playbook of the main venv, and of the 2.21 matrix venv when it is there."""
    binaries = [('main', os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'))]
    if os.access(MATRIX_CORE, os.X_OK):
        binaries.append(('2.21.5', MATRIX_CORE))
    return binaries


@pytest.mark.parametrize('core, binary', playbook_binaries(), ids=[core for core, _binary in playbook_binaries()])
def test_a_playbook_templating_every_event_field_runs_nothing_hostile(tmp_path, core, binary):
    marker = tmp_path / 'pwned'
    events = [stream.make_event(hostile_alert(marker)), stream.make_event(legit_alert())]
    playbook = tmp_path / 'notify.yml'
    playbook.write_text(NOTIFY_PLAYBOOK, encoding='utf-8')
    env = dict(os.environ, ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false')
    env.pop('ANSIBLE_COLLECTIONS_PATH', None)
    interpreter = 'ansible_python_interpreter=%s' % os.path.join(os.path.dirname(binary), 'python')
    for number, event in enumerate(events):
        # Exactly ansible-rulebook's hand-over: yaml.dump of the extra vars into a file given as -e @file.
        extravars = tmp_path / ('extravars-%d' % number)
        ticket = tmp_path / ('ticket-%d.txt' % number)
        extravars.write_text(yaml.dump({'ansible_eda': {'event': event}, 'ticket': str(ticket)}), encoding='utf-8')
        done = subprocess.run(
            [binary, '-i', 'localhost,', str(playbook), '-e', '@%s' % extravars, '-e', interpreter],
            cwd=str(tmp_path),
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, (core, done.stdout[-3000:], done.stderr[-3000:])
        assert ticket.exists()
    assert not marker.exists(), 'a template from the alert ran on ansible-core %s' % core


# -- the state file --------------------------------------------------------------------------------------------------


def write_state(args, watermark, mode=0o600):
    """A state file holding watermark."""
    os.makedirs(os.path.dirname(args['state_file']), mode=0o700, exist_ok=True)
    with open(args['state_file'], 'w', encoding='utf-8') as handle:
        json.dump({'version': stream.STATE_VERSION, 'watermark': watermark, 'seen': {}}, handle)
    os.chmod(args['state_file'], mode)


def now_at(offset):
    """An alert timestamp offset seconds from now."""
    return stream.format_time(time.time() + offset)


@pytest.mark.parametrize('mode', [0o644, 0o620, 0o606])
def test_a_state_file_others_may_read_or_write_is_refused(source_module, source_args, alerts_api, monkeypatch, mode):
    write_state(source_args, now_at(-60), mode=mode)
    with pytest.raises(stream.AlertSourceError) as err:
        run_source(source_module, source_args, monkeypatch=monkeypatch)
    assert source_args['state_file'] in str(err.value) and 'chmod 600' in str(err.value)
    assert alerts_api.bodies == []


def test_a_state_file_in_a_directory_others_may_write_is_refused(source_module, source_args, alerts_api, monkeypatch):
    write_state(source_args, now_at(-60))
    os.chmod(os.path.dirname(source_args['state_file']), 0o777)
    with pytest.raises(stream.AlertSourceError) as err:
        run_source(source_module, source_args, monkeypatch=monkeypatch)
    assert 'Refusing the state_file %s' % source_args['state_file'] in str(err.value)
    assert 'writable by group or others' in str(err.value)


def test_a_state_file_owned_by_another_user_is_refused(source_module, source_args, alerts_api, monkeypatch):
    write_state(source_args, now_at(-60))
    monkeypatch.setattr(stream.os, 'geteuid', lambda: os.stat(source_args['state_file']).st_uid + 1)
    with pytest.raises(stream.AlertSourceError) as err:
        run_source(source_module, source_args, monkeypatch=monkeypatch)
    assert 'owned by uid' in str(err.value)


def test_a_symlink_at_the_state_file_is_not_followed(source_module, source_args, alerts_api, monkeypatch, tmp_path):
    elsewhere = tmp_path / 'elsewhere.json'
    write_state(dict(state_file=str(elsewhere)), now_at(-60))
    os.makedirs(os.path.dirname(source_args['state_file']), mode=0o700)
    os.symlink(str(elsewhere), source_args['state_file'])
    with pytest.raises(stream.AlertSourceError) as err:
        run_source(source_module, source_args, monkeypatch=monkeypatch)
    assert source_args['state_file'] in str(err.value)


def test_a_watermark_in_the_future_is_clamped_with_a_warning(
    source_module, source_args, alerts_api, monkeypatch, caplog
):
    write_state(source_args, '2999-01-01T00:00:00.000Z')
    alerts_api.alerts = [alert(1, now_at(-30))]
    with caplog.at_level(logging.INFO, logger='secops.falcon.falcon_alerts'):
        queue = run_source(source_module, source_args, monkeypatch=monkeypatch)[0]
    # The alert inside the lookback before now is sent: alerting goes on.
    assert [e['summary']['composite_id'] for e in queue.events] == [alert(1, now_at(-30))['composite_id']]
    warning = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any('2999-01-01T00:00:00.000Z' in w and 'in the future' in w for w in warning), warning
    with open(source_args['state_file'], encoding='utf-8') as handle:
        assert json.load(handle)['watermark'] < '2999'


def test_a_watermark_within_the_skew_is_kept():
    state = stream.StreamState('/nowhere', watermark=stream.format_time(1000.0 + stream.MAX_CLOCK_SKEW))
    assert state.clamp(now=1000.0) is None
    assert state.watermark == stream.format_time(1000.0 + stream.MAX_CLOCK_SKEW)


def test_an_alert_stamped_in_the_future_does_not_move_the_watermark_past_now():
    state = stream.StreamState('/nowhere', watermark=stream.format_time(1000.0))
    state.advance('2999-01-01T00:00:00Z', 120, now=2000.0)
    assert state.watermark == stream.format_time(2000.0)


def test_the_watermark_is_logged_at_start(source_module, source_args, alerts_api, monkeypatch, caplog):
    write_state(source_args, now_at(-60))
    with open(source_args['state_file'], encoding='utf-8') as handle:
        watermark = json.load(handle)['watermark']
    with caplog.at_level(logging.INFO, logger='secops.falcon.falcon_alerts'):
        run_source(source_module, source_args, monkeypatch=monkeypatch)
    assert any(watermark in r.getMessage() and 'starts from the watermark' in r.getMessage() for r in caplog.records)


def test_without_a_state_file_the_initial_lookback_is_sent(source_module, source_args, alerts_api, monkeypatch):
    args = dict(source_args)
    del args['initial_lookback']  # the default: one hour
    recent, old = alert(1, now_at(-1800)), alert(2, now_at(-3 * 3600))
    alerts_api.alerts = [recent, old]
    queue = run_source(source_module, args, pauses=2, monkeypatch=monkeypatch)[0]
    assert [e['summary']['composite_id'] for e in queue.events] == [recent['composite_id']]
    # Once sent it is remembered: a restart sends nothing again.
    assert run_source(source_module, args, pauses=2, monkeypatch=monkeypatch)[0].events == []


def test_initial_lookback_is_configurable(source_module, source_args, alerts_api, monkeypatch):
    alerts_api.alerts = [alert(1, now_at(-1800)), alert(2, now_at(-3 * 3600))]
    args = dict(source_args, initial_lookback=4 * 3600)
    queue = run_source(source_module, args, monkeypatch=monkeypatch)[0]
    assert len(queue.events) == 2


def test_a_bad_initial_lookback_is_named(source_module, source_args, alerts_api, monkeypatch):
    with pytest.raises(stream.AlertSourceError) as err:
        run_source(source_module, dict(source_args, initial_lookback='1h'), monkeypatch=monkeypatch)
    assert "initial_lookback must be a whole number from 0 to 604800 (got '1h')" in str(err.value)


# -- the documentation -----------------------------------------------------------------------------------------------


def test_every_source_argument_is_documented_and_nothing_else(source_module):
    documented = set(yaml.safe_load(source_module.DOCUMENTATION)['options'])
    assert documented == set(stream.ALLOWED_ARGS)
    proxy = ' '.join(yaml.safe_load(source_module.DOCUMENTATION)['options']['proxy']['description'])
    assert 'not used' not in proxy


def test_the_rulebooks_need_only_values_the_event_has():
    for name in ('contain_critical_alerts.yml', 'contain_critical_alerts_controller.yml'):
        path = os.path.join(COLLECTION, 'extensions', 'eda', 'rulebooks', name)
        with open(path, encoding='utf-8') as handle:
            rules = yaml.safe_load(handle)[0]['rules']
        # device_id and within_action_limit are added by make_event and the source, beside SUMMARY_FIELDS.
        known = {key for key, _pattern in stream.SUMMARY_FIELDS} | {'device_id', 'within_action_limit'}
        for rule in rules:
            words = rule['condition'].split()
            used = set(word.split('.')[2] for word in words if word.startswith('event.summary.'))
            assert used <= known, (name, rule['name'], used)
            assert all(word.startswith(('event.summary.', 'event.reconcile')) for word in words if 'event.' in word)
