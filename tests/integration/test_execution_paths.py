"""Both execution paths of every module through the real ansible-playbook: in the worker process and as a module.

The same play (playbooks/execution_paths.yml) runs once on each path, against two emulators seeded alike. The results
must be the same key by key (masking included), the emulators must have seen the same calls, and the play's output
shows which path each task took (ActionBase prints "Using module file" at -vvv for a module run only).
"""

import os
import re

import pytest
from falcon_emulator.clients import DEFAULT_CLIENT
from falcon_emulator.config import EmulatorConfig
from falcon_emulator.emulator import Emulator
from playbook_runner import run_playbook

PLAYBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'playbooks', 'execution_paths.yml')
PATHS = ('in_process', 'module')
MODULES = ('falcon_token', 'falcon_device_info', 'falcon_policy_info', 'falcon_host_contain')
# Values that differ between two emulators by nature: each issues its own tokens and lifetimes tick.
VOLATILE = frozenset(['access_token', 'expires_in', 'expires_at', 'base_url', 'trace_id'])
MASK = 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
# Tasks of the play: name in the result file -> module.
TASKS = {
    'token_check': 'falcon_token',
    'token': 'falcon_token',
    'devices': 'falcon_device_info',
    'devices_check': 'falcon_device_info',
    'bad_id': 'falcon_device_info',
    'exclusive': 'falcon_device_info',
    'wrong_type': 'falcon_device_info',
    'policies': 'falcon_policy_info',
    'bad_type': 'falcon_policy_info',
    'policies_auth': 'falcon_policy_info',
    'contain_check1': 'falcon_host_contain',
    'contain_real1': 'falcon_host_contain',
    'contain_check2': 'falcon_host_contain',
    'contain_real2': 'falcon_host_contain',
    'wrong_secret': 'falcon_host_contain',
}


@pytest.fixture(scope='module')
def runs(collections_root, tmp_path_factory):
    """{path: (PlayRun, emulator)}: the play once per path, each against its own emulator (same seed).

    Containment stays pending for the whole play on both (a long containment_delay): the paths run at different
    speeds, and a status that changes while the play runs would differ by timing alone.
    """
    done = {}
    emulators = []
    try:
        for path in PATHS:
            emulator = Emulator(EmulatorConfig(hosts=20, seed=3, containment_delay=600, token_rate_limit=None)).start()
            emulators.append(emulator)
            device = emulator.devices()[4]
            work_dir = tmp_path_factory.mktemp(path)
            extra_vars = {
                'in_process': path == 'in_process',
                'falcon_client_id': DEFAULT_CLIENT.client_id,
                'falcon_client_secret': DEFAULT_CLIENT.client_secret,
                'falcon_base_url': emulator.url,
                'device_id': device['device_id'],
                'hostname': device['hostname'],
            }
            # No FALCON_* in the process environment: the play's environment keyword is the only source.
            run = run_playbook(
                PLAYBOOK,
                {'FALCON_TOKEN_CACHE_DIR': str(work_dir / 'cache')},
                collections_root,
                work_dir,
                extra_vars=extra_vars,
                cli_args=('-vvv',),
                extra_env={'SECOPS_FALCON_IN_PROCESS': ''},
            )
            assert run.rc == 0 and run.results is not None, run.explain()
            done[path] = (run, emulator)
        yield done
    finally:
        for emulator in emulators:
            emulator.stop()


UUID = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')
# The traceback 2.16-2.18 add to a failure at -vvv: where the code was loaded from (the collection, or the module's zip
# payload) and whether Python shows its source lines differ by nature; the frames (file, line, function) must match.
FRAME = re.compile(r'File "[^"]*?/(ansible_collections/[^"]+)", line (\d+), in (\S+)')


def normalised(value, url, key=None):
    """value with the VOLATILE values (and the emulator's URL and trace ids in text) replaced by markers."""
    if key in VOLATILE and value is not None:
        return '<%s %s>' % (key, type(value).__name__)
    if key == 'exception' and isinstance(value, str):
        return FRAME.findall(value)
    if isinstance(value, dict):
        return dict((k, normalised(v, url, k)) for k, v in value.items())
    if isinstance(value, list):
        return [normalised(v, url) for v in value]
    if isinstance(value, str):
        return UUID.sub('<uuid>', value.replace(url, '<url>'))
    return value


def test_results_are_the_same_on_both_paths(runs):
    """Every task's result, key by key: values, types, masking, warnings, failures."""
    (in_process, left_emulator), (module, right_emulator) = [(runs[p][0].results, runs[p][1]) for p in PATHS]
    assert sorted(in_process) == sorted(module) == sorted(TASKS)
    for task in TASKS:
        left, right = normalised(in_process[task], left_emulator.url), normalised(module[task], right_emulator.url)
        assert sorted(left) == sorted(right), task
        for key in left:
            assert left[key] == right[key], (task, key, left[key], right[key])


def test_each_path_took_its_path(runs):
    """The module path shows every module file at -vvv, the in-process path none, and says why it ran in-process."""
    in_process_output, module_output = runs['in_process'][0].stdout, runs['module'][0].stdout
    for module in MODULES:
        file_line = re.compile(
            r'Using module file \S+%s' % re.escape(os.path.join('plugins', 'modules', module + '.py'))
        )
        assert not file_line.search(in_process_output), module
        assert file_line.search(module_output), module
        assert 'secops.falcon.%s: executing in the worker process' % module in in_process_output
        assert 'secops.falcon.%s: executing as a module (secops_falcon_in_process is false)' % module in module_output


@pytest.mark.parametrize('path', PATHS)
def test_validation_and_masking(runs, path):
    """Argspec errors, API errors, check mode, diff, idempotency and no_log masking, on each path."""
    run, emulator = runs[path]
    results = run.results
    assert results['token_check']['changed'] is True and 'access_token' not in results['token_check']
    assert results['token']['issued'] is True and results['token']['access_token']
    assert results['devices']['failed'] is False and results['devices']['total'] == 1
    # A value equal to the client secret is masked wherever the module returns it.
    assert results['devices']['not_found'] == [MASK], results['devices']
    assert results['devices_check']['devices'][0]['device_id'] == emulator.devices()[4]['device_id']
    assert "'xyz'" in results['bad_id']['msg'] and results['bad_id']['failed'] is True
    assert results['exclusive']['failed'] is True and 'mutually exclusive' in results['exclusive']['msg']
    assert results['wrong_type']['failed'] is True and 'limit' in results['wrong_type']['msg']
    assert results['bad_type']['failed'] is True and 'antivirus' in results['bad_type']['msg']
    assert results['policies']['total'] > 0 and all('members' in p for p in results['policies']['policies'])
    assert results['policies_auth']['failed'] is False
    assert MASK not in repr(results['policies_auth'])  # auth's cloud and base_url are not secrets
    changes = [
        results[name]['changed'] for name in ('contain_check1', 'contain_real1', 'contain_check2', 'contain_real2')
    ]
    assert changes == [True, True, False, False]
    assert results['contain_real1']['diff']['before'] != results['contain_real1']['diff']['after']
    assert results['wrong_secret']['failed'] is True and results['wrong_secret']['status'] == 403
    output = run.stdout + run.stderr
    # At -vvv ansible-core logs the command it runs for a module, with the task's environment in it: the Falcon
    # tasks pass the play's FALCON_CLIENT_SECRET as a no_log argument instead, on the module path too.
    assert '<127.0.0.1> EXEC ' in output
    assert DEFAULT_CLIENT.client_secret not in output
    assert results['token']['access_token'] not in output


def test_same_calls_on_both_paths(runs):
    """The emulators saw the same requests, one token each (the in-process path does not cost extra calls)."""
    counters = [runs[path][1].counters()['calls'] for path in PATHS]
    assert counters[0] == counters[1]
    assert counters[0].get('POST /oauth2/token') == 2  # one for the play, one refused for the wrong secret
