"""A job run the way AWX runs it: ansible-runner, the credential injected from the custom credential type."""

import json
import os
import shutil

import ansible_runner
from awx_credential import REPO_ROOT, credential_type, render_injected_env  # pylint: disable=import-error
from falcon_emulator.clients import DEFAULT_CLIENT
from playbook_runner import playbook_env  # pylint: disable=import-error

# Generous: the play is a handful of tasks; anything near this is a hang, which must fail the test clearly.
JOB_TIMEOUT = 300


def awx_job(tmp_path, emulator, playbook, extravars):
    """Run playbooks/<playbook> through ansible-runner like an AWX job template with a Falcon credential."""
    _inputs_spec, injectors = credential_type()
    # The credential as a user fills it in: cloud and member CID left empty, base URL pointing at the emulator.
    credential = {
        'client_id': DEFAULT_CLIENT.client_id,
        'client_secret': DEFAULT_CLIENT.client_secret,
        'cloud': '',
        'member_cid': '',
        'base_url': emulator.url,
    }
    private_data_dir = tmp_path / 'job'
    project = private_data_dir / 'project'
    project.mkdir(parents=True)
    shutil.copy(os.path.join(REPO_ROOT, 'playbooks', playbook), str(project / playbook))
    env = playbook_env(
        render_injected_env(injectors, credential), os.environ['ANSIBLE_COLLECTIONS_PATH'], private_data_dir
    )
    # The token cache lives inside the job directory, so the secret scan below covers it too.
    env['FALCON_TOKEN_CACHE_DIR'] = str(private_data_dir / 'token-cache')
    result = ansible_runner.run(
        private_data_dir=str(private_data_dir),
        playbook=playbook,
        envvars=env,
        extravars=extravars,
        # AWX's job inventory always provides localhost; the EE's Python runs the modules.
        inventory={
            'all': {
                'hosts': {
                    'localhost': {
                        'ansible_connection': 'local',
                        'ansible_python_interpreter': shutil.which('python3', path=env['PATH']),
                    }
                }
            }
        },
        # -vvv shows every module's invocation arguments: the strictest setting for a secret leak.
        verbosity=3,
        quiet=True,
        timeout=JOB_TIMEOUT,
        # AWX does not let ansible-runner write env/envvars (the injected secret) into the job directory.
        suppress_env_files=True,
    )
    return result, private_data_dir


def files_containing(root, needle, skip=()):
    """Relative paths of files under root whose bytes contain needle."""
    found = []
    for folder, _dirs, files in os.walk(str(root)):
        for name in files:
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, str(root))
            if relative in skip:
                continue
            with open(path, 'rb') as handle:
                if needle.encode() in handle.read():
                    found.append(relative)
    return found


def test_device_report_job_succeeds_without_leaking_the_secret(tmp_path, falcon_emulator):
    """The job succeeds against the emulator, and the client secret is nowhere in its output, events or files."""
    reports = tmp_path / 'job' / 'reports'
    result, private_data_dir = awx_job(
        tmp_path, falcon_emulator, 'device_report.yml', {'falcon_device_report_dir': str(reports)}
    )
    stdout = result.stdout.read()
    assert result.status == 'successful', stdout[-4000:]
    assert result.rc == 0

    # It really reached the API with the injected credential and wrote the inventory of the emulator's 50 hosts.
    with open(str(reports / 'devices.json'), encoding='utf-8') as handle:
        inventory = json.load(handle)
    assert inventory['total'] == 50 and len(inventory['devices']) == 50
    assert falcon_emulator.counters()['calls'].get('POST /oauth2/token') == 1

    secret = DEFAULT_CLIENT.client_secret
    assert secret not in stdout
    events = list(result.events)
    assert events and secret not in json.dumps(events)
    assert not os.path.exists(str(private_data_dir / 'env' / 'envvars'))
    # ansible-runner records the process environment of the job in artifacts/<id>/command by design (AWX keeps the
    # job directory private and deletes it after the job). That file must hold the secret, which proves the scan
    # below would find it anywhere else; no other file may.
    command_file = os.path.join('artifacts', result.config.ident, 'command')
    assert files_containing(private_data_dir, secret) == [command_file]
    assert files_containing(private_data_dir, secret, skip=(command_file,)) == []
