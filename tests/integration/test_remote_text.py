"""Remote text is never rendered as a template: registered results, facts made from them, files and role reports.

On ansible-core 2.16 to 2.18 (no data tagging) a value is protected only if it arrives marked unsafe; on 2.19+ only if
it arrives untrusted. Each host's template text would create a marker file if any task evaluated it, and the text
must arrive exactly as the API sent it. The tests run on every integration line, in-process and on the module path.
"""

import json
import os

from integration.hostile_hosts import make_hostile
from playbook_runner import run_playbook

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))


def test_registered_api_values_stay_text_through_facts_output_and_files(
    falcon_emulator, emulator_env, collections_root, tmp_path
):
    markers = make_hostile(falcon_emulator, tmp_path)
    devices = falcon_emulator.devices()[:2]
    out = tmp_path / 'out'
    out.mkdir()
    run = run_playbook(
        os.path.join(HERE, 'playbooks', 'remote_text.yml'),
        emulator_env,
        collections_root,
        tmp_path,
        extra_vars={'device_ids': [d['device_id'] for d in devices], 'out_dir': str(out)},
        cli_args=('-v',),
    )
    assert run.rc == 0, run.explain()
    assert [p for p in markers if os.path.exists(p)] == []
    names, site = (out / 'names.txt').read_text().splitlines()
    assert sorted(json.loads(names)) == sorted(d['hostname'] for d in devices)
    assert all(name.startswith("{{ lookup('pipe', 'touch ") for name in json.loads(names))
    assert site in [d['site_name'] for d in devices] and site.startswith("{% if lookup('pipe'")
    assert "lookup('pipe', 'touch " in run.stdout


def test_device_report_writes_remote_text_as_text(falcon_emulator, emulator_env, collections_root, tmp_path):
    markers = make_hostile(falcon_emulator, tmp_path)
    reports = tmp_path / 'reports'
    run = run_playbook(
        os.path.join(REPO_ROOT, 'playbooks', 'device_report.yml'),
        emulator_env,
        collections_root,
        tmp_path,
        extra_vars={'falcon_device_report_dir': str(reports)},
        timeout=300,
    )
    assert run.rc == 0, run.explain()
    assert [p for p in markers if os.path.exists(p)] == []
    with open(str(reports / 'devices.json'), encoding='utf-8') as handle:
        report = json.load(handle)
    hostile = [d for d in report['devices'] if d['hostname'].startswith('{{')]
    assert sorted(d['hostname'] for d in hostile) == sorted(
        "{{ lookup('pipe', 'touch %s') }}" % os.path.join(str(tmp_path), 'pwned-%d-name' % n) for n in range(2)
    )
    csv_text = (reports / 'devices.csv').read_text()
    assert all(d['hostname'] in csv_text for d in hostile)
