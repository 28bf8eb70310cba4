"""python -m falcon_emulator: ready file, real requests, clean stop on SIGTERM, clear errors on bad options."""

import json
import os
import signal
import subprocess
import sys
import time

import requests
from falcon_emulator.clients import DEFAULT_CLIENT

EMULATOR_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(args, **kwargs):
    """Start the CLI with tests/emulator on PYTHONPATH."""
    env = dict(os.environ, PYTHONPATH=EMULATOR_DIR)
    return subprocess.Popen(
        [sys.executable, '-m', 'falcon_emulator'] + args,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def _wait_for(path, process, timeout=20):
    """Wait until the ready file exists."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, 'emulator did not become ready'
        time.sleep(0.05)
    with open(path, encoding='utf-8') as handle:
        return json.load(handle)


def test_cli_serves_and_stops_on_sigterm(tmp_path):
    """The ready file names every cloud's URL and the CA; SIGTERM stops the process with exit code 0."""
    ready = str(tmp_path / 'ready.json')
    process = _run(
        [
            '--port',
            '0',
            '--hosts',
            '20',
            '--seed',
            '3',
            '--tls',
            '--containment-delay',
            '0',
            '--token-rate-limit',
            '0',
            '--fault',
            '{"type": "error", "count": 1, "path": "/devices/*"}',
            '--ready-file',
            ready,
            '--set',
            'scroll_token_mode=rotating',
            '--set',
            'action_max_ids={"contain": 50}',
            '--set',
            'rate_limit_retry_grace=0',
        ]
    )
    try:
        info = _wait_for(ready, process)
        assert sorted(info['urls']) == ['eu-1', 'us-1', 'us-2', 'us-3', 'us-gov-1', 'us-gov-2']
        assert os.path.exists(info['ca_path'])
        session = requests.Session()
        session.trust_env = False
        base = info['urls']['us-1']
        token = session.post(
            base + '/oauth2/token',
            verify=info['ca_path'],
            data={'client_id': DEFAULT_CLIENT.client_id, 'client_secret': DEFAULT_CLIENT.client_secret},
        ).json()['access_token']
        headers = {'Authorization': 'Bearer ' + token}
        assert (
            session.get(base + '/devices/queries/devices/v1', headers=headers, verify=info['ca_path']).status_code
            == 503
        )
        body = session.get(base + '/devices/queries/devices/v1', headers=headers, verify=info['ca_path']).json()
        assert body['meta']['pagination']['total'] == 20
        settings = session.get(base + '/_emulator/config', verify=info['ca_path']).json()['config']
        assert settings['scroll_token_mode'] == 'rotating' and settings['action_max_ids'] == {'contain': 50}
        assert settings['rate_limit_retry_grace'] == 0 and settings['fql_text_match'] == 'recorded'
        assert settings['token_rate_limit'] is None
        session.close()
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert 'us-1' in out and 'Traceback' not in err
    assert not os.path.exists(info['ca_path'])
    assert not os.path.exists(ready)


def test_cli_refuses_bad_options():
    """A bad value exits 2 with a message naming it, not a traceback."""
    process = _run(['--hosts', '200000'])
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert 'hosts must be an integer from 0 to 100000' in err and 'Traceback' not in err
    process = _run(['--fault', '{"type": "nope"}'])
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 2 and 'fault type must be one of' in err
    process = _run(['--set', 'scroll_token_mode=sticky'])
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 2 and "scroll_token_mode must be one of constant, rotating, got 'sticky'" in err
    assert 'Traceback' not in err
    process = _run(['--set', 'colour=red'])
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 2 and 'unknown emulator setting(s) colour' in err


def test_cli_defaults_are_the_recorded_behaviour():
    """The CLI's defaults: 300 token requests a minute per address and the recorded modes."""
    from falcon_emulator.__main__ import parse_args  # pylint: disable=import-outside-toplevel

    args = parse_args([])
    assert args.token_rate_limit == 300 and args.settings == []
    assert parse_args(['--set', 'action_partial_status=207']).settings == [('action_partial_status', 207)]
