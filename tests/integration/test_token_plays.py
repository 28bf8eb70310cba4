"""Token economy and authentication, end to end: real ansible-playbook runs against the emulator over loopback."""

import os

import pytest
from falcon_emulator.clients import DEFAULT_CLIENT, EU_CLIENT, GOV_CLIENT
from playbook_runner import run_playbook

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOKS = os.path.join(HERE, 'playbooks')
INVENTORY_20 = os.path.join(HERE, 'inventories', 'token_20_hosts.yml')
WRONG_SECRET = 'WrongSecret00000000000000000000000000009'


@pytest.fixture
def cache_dir(tmp_path):
    """A fresh token cache directory for one test."""
    path = tmp_path / 'token-cache'
    path.mkdir(mode=0o700)
    return str(path)


@pytest.fixture
def playbook(collections_root, tmp_path, cache_dir, falcon_emulator):
    """Run a playbook of tests/integration/playbooks with ansible-playbook; return the PlayRun (rc, stdout, stderr)."""

    def run(name, *args, extra_vars=None, env_credentials=True, check=True):
        falcon_env = {'FALCON_TOKEN_CACHE_DIR': cache_dir}
        if env_credentials:
            falcon_env.update(
                {
                    'FALCON_CLIENT_ID': DEFAULT_CLIENT.client_id,
                    'FALCON_CLIENT_SECRET': DEFAULT_CLIENT.client_secret,
                    'FALCON_BASE_URL': falcon_emulator.url,
                }
            )
        # Extra vars go through a vars file, not the command line: secrets must not even reach the process list.
        done = run_playbook(
            os.path.join(PLAYBOOKS, name),
            falcon_env,
            collections_root,
            tmp_path,
            extra_vars=extra_vars,
            cli_args=args,
            extra_env={'ANSIBLE_INVENTORY_UNPARSED_FAILED': 'True' if '-i' in args else 'False'},
        )
        if check and done.rc != 0:
            pytest.fail('%s failed:\n%s' % (name, done.explain()))
        return done

    return run


def test_one_token_request_for_20_hosts_5_tasks_10_forks(playbook, falcon_emulator):
    playbook('token_reuse.yml', '-i', INVENTORY_20, '-f', '10')
    counters = falcon_emulator.counters()
    assert counters['token_requests_total'] == 1
    # Every host really made its authenticated calls with that one token; 19 hosts' falcon_token checked the cached
    # token with one host-id query each (the first host issued it).
    assert counters['calls']['GET /devices/queries/devices/v1'] == 20 + 19
    assert counters['calls']['POST /devices/entities/devices/v2'] == 40
    assert counters['calls']['GET /policy/combined/prevention/v1'] == 20


def test_token_cache_off_issues_one_token_per_task(playbook, falcon_emulator):
    playbook('token_reuse.yml', '-i', INVENTORY_20, '-f', '10', '-e', 'token_cache=false')
    counters = falcon_emulator.counters()
    assert counters['token_requests_total'] == 100
    assert counters['calls']['GET /devices/queries/devices/v1'] == 20


def test_module_defaults_for_the_action_group(playbook, falcon_emulator, cache_dir):
    playbook(
        'token_module_defaults.yml',
        env_credentials=False,
        extra_vars={
            'falcon_client_id': DEFAULT_CLIENT.client_id,
            'falcon_client_secret': DEFAULT_CLIENT.client_secret,
            'falcon_base_url': falcon_emulator.url,
            'falcon_token_cache_dir': cache_dir,
        },
    )
    counters = falcon_emulator.counters()
    assert counters['token_requests_total'] == 1
    assert counters['calls']['POST /devices/entities/devices/v2'] == 1


def test_308_autodiscovery_with_an_eu_client(playbook, falcon_emulator, cache_dir):
    playbook(
        'token_autodiscover.yml',
        env_credentials=False,
        extra_vars={
            'eu_client_id': EU_CLIENT.client_id,
            'eu_client_secret': EU_CLIENT.client_secret,
            'gov_client_id': GOV_CLIENT.client_id,
            'gov_client_secret': GOV_CLIENT.client_secret,
            'us1_url': falcon_emulator.url,
            'eu_url': falcon_emulator.url_for('eu-1'),
            'gov_url': falcon_emulator.url_for('us-gov-1'),
            'falcon_token_cache_dir': cache_dir,
        },
    )
    tokens = falcon_emulator.counters()['token_requests']
    # The eu-1 client: one 308 at us-1 plus one 201 at eu-1, then the cache serves the module and the lookup.
    assert tokens[EU_CLIENT.client_id] == 2
    # The gov client: refused at us-1 (no redirect across the gov boundary), then one token on us-gov-1.
    assert tokens[GOV_CLIENT.client_id] == 2


def test_wrong_secret_never_gets_the_cached_token(playbook, falcon_emulator):
    playbook('token_wrong_secret.yml', extra_vars={'wrong_secret': WRONG_SECRET})
    # One request for the right secret, then each wrong-secret task asked the API (and was refused).
    assert falcon_emulator.counters()['token_requests'][DEFAULT_CLIENT.client_id] == 3


def test_absent_revokes_at_the_api(playbook, falcon_emulator):
    playbook('token_revoke.yml')
    counters = falcon_emulator.counters()
    assert counters['revocations'] == 1 and counters['revoked_tokens'] == 1
    assert counters['token_requests_total'] == 2


def test_no_secret_or_token_in_vvvv_output(playbook, falcon_emulator, cache_dir):
    done = playbook(
        'token_no_secrets.yml',
        '-vvvv',
        env_credentials=False,
        extra_vars={
            'falcon_client_id': DEFAULT_CLIENT.client_id,
            'falcon_client_secret': DEFAULT_CLIENT.client_secret,
            'wrong_secret': WRONG_SECRET,
            'falcon_base_url': falcon_emulator.url,
            'falcon_token_cache_dir': cache_dir,
        },
    )
    output = done.stdout + done.stderr
    assert 'cloud=us-1 base_url=%s' % falcon_emulator.url in output  # the play really ran and showed what it may
    assert "the output has been hidden due to the fact that 'no_log: true' was specified" in output
    assert 'Not Authorized' in output  # the wrong-secret failure is visible
    assert DEFAULT_CLIENT.client_secret not in output
    assert WRONG_SECRET not in output
    issued = list(falcon_emulator.app.tokens._tokens)  # pylint: disable=protected-access  # every token the emulator issued
    assert issued
    for token in issued:
        assert token not in output
        assert token[:40] not in output
    # Nothing secret on disk in plain text either.
    for name in os.listdir(cache_dir):
        with open(os.path.join(cache_dir, name), 'rb') as handle:
            data = handle.read()
        assert DEFAULT_CLIENT.client_secret.encode() not in data
        assert all(token.encode() not in data for token in issued)


def test_auth_from_a_registered_result_masks_only_the_token(playbook, falcon_emulator, cache_dir):
    done = playbook(
        'token_auth_result.yml',
        env_credentials=False,
        extra_vars={
            'falcon_client_id': DEFAULT_CLIENT.client_id,
            'falcon_client_secret': DEFAULT_CLIENT.client_secret,
            'falcon_base_url': falcon_emulator.url,
            'falcon_token_cache_dir': cache_dir,
        },
    )
    first, again, devices = done.results['first'], done.results['again'], done.results['devices']
    assert devices['devices'] and 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER' not in repr(devices)
    # The other values of a registered result (cloud, base_url, token_type) are not secrets: they stay readable.
    assert (again['cloud'], again['base_url'], again['token_type']) == ('us-1', falcon_emulator.url, 'bearer'), again
    assert (
        first['access_token'] not in done.stdout + done.stderr
        and again['access_token'] not in done.stdout + done.stderr
    )
