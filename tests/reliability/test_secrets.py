"""Secrets: at -vvvv, with failures forced, no client secret or token reaches the output, the results or the disk.

And under every display a user may pick (each verbosity, log_path, the tree, minimal, oneline, json, jsonl and junit
callbacks), on each ansible-core the matrix runs these tests on (scripts/matrix.sh integration).

The emulator knows every token it issued; the test looks for each of them (and a prefix of each, which catches a
token cut in half by a malformed answer) in stdout, stderr, the saved results and every file of the token cache.
"""

import hashlib
import json
import os
import stat

import pytest
from falcon_emulator.clients import DEFAULT_CLIENT, EU_CLIENT, READONLY_CLIENT
from playbook_runner import device_inventory, run_playbook
from reliability_steps import ACTION_PATH, DETAILS_PATH, TOKEN, assert_failed, assert_ok, step

WRONG_SECRET = 'WrongSecret0000000000000000000000000007x'
# Long enough to be unique among issued tokens, short enough to catch a token cut in half.
PREFIX = 32


def core_version():
    """The running ansible-core as (major, minor)."""
    from ansible.release import __version__  # pylint: disable=import-outside-toplevel

    return tuple(int(part) for part in __version__.split('.')[:2])


def issued_tokens(emulator):
    """Every access token the emulator issued (its token store is internal: there is no API that lists tokens)."""
    return list(emulator.app.tokens._tokens)  # pylint: disable=protected-access


def files_under(path):
    """{path: bytes} of every file below path."""
    found = {}
    for root, _dirs, names in os.walk(path):
        for name in names:
            full = os.path.join(root, name)
            with open(full, 'rb') as handle:
                found[full] = handle.read()
    return found


def leaks(secrets, texts):
    """[(where, what)] for every secret (or token prefix) found in any of texts ({where: str})."""
    found = []
    for where, text in texts.items():
        for name, value in secrets.items():
            if value in text:
                found.append((where, name))
    return found


def test_no_secret_or_token_in_output_results_or_cache(falcon_emulator, run_steps, tmp_path):
    """Tokens issued, used, refused and revoked at -vvvv with every kind of failure: nothing secret shows anywhere."""
    hosts = [d['device_id'] for d in falcon_emulator.devices()[:3]]
    steps = run_steps(
        falcon_emulator,
        [
            step('issue a token', 'token'),
            step(
                'given token, 5xx storm',
                'device_info',
                {'retries': 1},
                saved_token='auth',
                faults=[{'type': 'error', 'status': 500, 'count': 10, 'path': DETAILS_PATH}],
            ),
            step('bad filter', 'device_info', {'filter': "hostname:'unterminated"}),
            step(
                'containment refused',
                'host_contain',
                {'ids': hosts, 'retries': 0},
                faults=[{'type': 'error', 'status': 500, 'count': 10, 'path': ACTION_PATH}],
            ),
            step('wrong secret', 'device_info', {'client_secret': WRONG_SECRET, 'token_cache': False}),
            step(
                'wrong secret, lookup',
                'lookup_cloud',
                {'term': 'autodiscover', 'options': {'client_secret': WRONG_SECRET}},
            ),
            step(
                'half a token',
                'device_info',
                {'token_cache': False, 'retries': 1},
                faults=[{'type': 'malformed', 'count': 10, 'path': '/oauth2/token'}],
            ),
            step('revoked mid-play', 'device_info', revoke_all=True),
            step('issue another token', 'token'),
            step('revoke it', 'token', {'state': 'absent'}, saved_token='access_token'),
            step(
                'use the revoked token alone',
                'device_info',
                {'client_id': '', 'client_secret': ''},
                saved_token='access_token',
            ),
            step('a new token for the cache', 'device_info'),
        ],
        cli_args=['-vvvv'],
    )

    assert_ok(steps, 'issue a token')
    assert_failed(steps, 'given token, 5xx storm', 'HTTP 500')
    assert_failed(steps, 'bad filter', 'the FQL filter "hostname:\'unterminated"')
    assert steps.result('containment refused')['failed'] is True
    assert_failed(steps, 'wrong secret', 'Falcon refused to issue a token', DEFAULT_CLIENT.client_id)
    assert_failed(steps, 'wrong secret, lookup', 'Falcon refused to issue a token')
    assert_failed(steps, 'half a token', 'without an access_token')
    assert_ok(steps, 'revoked mid-play')
    assert_ok(steps, 'revoke it')
    assert steps.by_label['revoke it']['counters']['revoked_tokens'] == 1
    assert_failed(steps, 'use the revoked token alone', 'access token was refused')
    assert steps.tokens('use the revoked token alone') == 0
    assert_ok(steps, 'a new token for the cache')
    assert steps.tokens('a new token for the cache') == 1

    tokens = issued_tokens(falcon_emulator)
    # The first issue, two inside the malformed answers, the re-auth after revoke-all (reused, then revoked), the last.
    assert len(tokens) == 5
    secrets = {'client secret': DEFAULT_CLIENT.client_secret, 'wrong secret': WRONG_SECRET}
    for number, token in enumerate(tokens):
        secrets['token %d' % number] = token
        secrets['token %d prefix' % number] = token[:PREFIX]

    run = steps.run
    # -vvvv really was that verbose: the module's AnsiballZ payload, or the in-process notice of the action plugin.
    assert (
        'AnsiballZ_falcon_device_info.py' in run.stdout
        or 'secops.falcon.falcon_device_info: executing in the worker process' in run.stdout
    ), run.stdout[-2000:]
    # ansible-core before 2.21 shows each result's invocation.module_args at -vvvv: the secret options there are masked.
    if core_version() < (2, 21):
        assert 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER' in run.stdout
    else:
        assert '"module_args"' not in run.stdout
    texts = {'stdout': run.stdout, 'stderr': run.stderr, 'results': json.dumps(run.results)}
    cache_dir = str(tmp_path / 'token-cache')
    cache_files = files_under(cache_dir)
    assert any(name.endswith('.token') for name in cache_files), sorted(cache_files)
    texts.update((path, data.decode('latin-1')) for path, data in cache_files.items())
    assert leaks(secrets, texts) == []

    # The cache is private: directory 0700, every file 0600, all owned by the user that ran the play.
    info = os.stat(cache_dir)
    assert stat.S_IMODE(info.st_mode) == 0o700 and info.st_uid == os.geteuid()
    for path in cache_files:
        info = os.stat(path)
        assert stat.S_IMODE(info.st_mode) == 0o600 and info.st_uid == os.geteuid(), (path, oct(info.st_mode))


@pytest.fixture
def foreign_directory(tmp_path):
    """(path, owner uid) of a directory owned by another user than this process's."""
    made = tmp_path / 'foreign'
    made.mkdir(mode=0o700)
    try:
        os.chown(str(made), 65534, 65534)
    except OSError:
        pass  # not root, or root inside a user namespace where uid 65534 is not mapped
    else:
        yield str(made), 65534
        os.chown(
            str(made), os.geteuid(), os.getegid()
        )  # so that any later cleanup, even in a user namespace, can remove it
        return
    yield _existing_foreign_directory()


def _existing_foreign_directory():
    """(path, owner uid) of an existing directory of another owner, or fail the test."""
    # Any existing directory of another owner will do (it is only looked at): '/' when not root; in a user namespace,
    # directories of unmapped users (shown as the overflow uid).
    for top in ('/', '/var', '/etc', '/run', '/home', '/usr', '/opt', '/srv'):
        for root, dirs, _files in os.walk(top):
            if os.stat(root).st_uid != os.geteuid():
                return root, os.stat(root).st_uid
            if root.count(os.sep) >= 3 or root.startswith('/proc'):
                dirs[:] = []
    pytest.fail('no directory owned by another user exists and this process cannot chown one: cannot test the refusal')
    return None


def test_unsafe_cache_directories_are_refused(falcon_emulator, run_steps, tmp_path, foreign_directory):  # pylint: disable=redefined-outer-name
    """A group/world-writable cache dir, or one owned by another user, is refused before any token is requested."""
    open_dir = tmp_path / 'world-writable'
    open_dir.mkdir()
    os.chmod(str(open_dir), 0o777)
    group_dir = tmp_path / 'group-writable'
    group_dir.mkdir()
    os.chmod(str(group_dir), 0o770)
    foreign, foreign_uid = foreign_directory
    steps = run_steps(
        falcon_emulator,
        [
            step('world-writable', 'device_info', {'token_cache_dir': str(open_dir)}),
            step('group-writable', 'device_info', {'token_cache_dir': str(group_dir)}),
            step('owned by another user', 'device_info', {'token_cache_dir': foreign}),
            step('private directory is created', 'device_info', {'token_cache_dir': str(tmp_path / 'new' / 'cache')}),
        ],
    )
    assert_failed(steps, 'world-writable', str(open_dir), 'writable by group or others', '0777')
    assert_failed(steps, 'group-writable', str(group_dir), 'writable by group or others', '0770')
    assert_failed(steps, 'owned by another user', foreign, 'owned by uid %d' % foreign_uid)
    for label in ('world-writable', 'group-writable', 'owned by another user'):
        assert steps.calls(label, TOKEN) == 0, label
        assert steps.by_label[label]['counters']['calls_total'] == 0, label
    assert_ok(steps, 'private directory is created', devices=50)
    assert stat.S_IMODE(os.stat(str(tmp_path / 'new' / 'cache')).st_mode) == 0o700
    # Nothing was written into the refused directories.
    assert os.listdir(str(open_dir)) == [] and os.listdir(str(group_dir)) == []


# How each callback run is configured: (verbosity flags, stdout callback, other callbacks enabled). The default
# callback runs at every verbosity; the others at -v. json/jsonl come from ansible.posix (unpacked from the `ansible`
# community wheel: scripts/community_collections.sh). A misspelt callback name is silently ignored by ansible-core, so
# the test checks that each one wrote what it writes.
DISPLAYS = {
    'default -v': (['-v'], 'ansible.builtin.default', []),
    'default -vv': (['-vv'], 'ansible.builtin.default', []),
    'default -vvv': (['-vvv'], 'ansible.builtin.default', []),
    'default -vvvv': (['-vvvv'], 'ansible.builtin.default', []),
    'minimal': (['-v'], 'ansible.builtin.minimal', []),
    'oneline': (['-v'], 'ansible.builtin.oneline', []),
    'json + junit': (['-v'], 'ansible.posix.json', ['ansible.builtin.junit']),
    'jsonl': (['-v'], 'ansible.posix.jsonl', []),
}
# The matrix line of the running ansible-core names the `ansible` package whose callbacks it is tested with.
MATRIX_FILE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), '.ci', 'matrix.txt'
)


def failing_tasks():
    """How many tasks of token_display.yml fail on purpose (one per module besides falcon_token)."""
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'playbooks', 'token_display.yml')) as handle:
        return handle.read().count('ignore_errors: true')


def callback_collections():
    """The directory holding ansible.posix for this ansible-core, or fail saying how to get it."""
    from ansible.release import __version__ as core  # pylint: disable=import-outside-toplevel

    given = os.environ.get('FALCON_TEST_CALLBACK_COLLECTIONS')
    if not given:
        with open(MATRIX_FILE, encoding='utf-8') as handle:
            lines = [line.split() for line in handle if line.strip() and not line.startswith('#')]
        package = next((fields[3] for fields in lines if fields[0] == core), None)
        if package is None:
            pytest.fail(
                'ansible-core %s is not a line of %s: it is not a version the collection supports' % (core, MATRIX_FILE)
            )
        given = os.path.join(os.path.expanduser('~/.cache/secops-falcon/venv-matrix/community'), package)
    if not os.path.isdir(os.path.join(given, 'ansible_collections', 'ansible', 'posix')):
        pytest.fail(
            'no ansible.posix under %s: run scripts/community_collections.sh (make test does) or set '
            'FALCON_TEST_CALLBACK_COLLECTIONS' % given
        )
    return given


def display_env(out, collections_root, stdout_callback, enabled):
    """The environment of a run shown by stdout_callback (plus the tree callback and enabled ones), writing its log and
    tree files under out (made here)."""
    out.mkdir()
    return {
        'ANSIBLE_COLLECTIONS_PATH': os.pathsep.join([collections_root, callback_collections()]),
        'ANSIBLE_STDOUT_CALLBACK': stdout_callback,
        'ANSIBLE_CALLBACKS_ENABLED': ','.join(['ansible.builtin.tree'] + enabled),
        'ANSIBLE_CALLBACK_TREE_DIR': str(out / 'tree'),
        'ANSIBLE_LOG_PATH': str(out / 'ansible.log'),
    }


@pytest.mark.parametrize('display', sorted(DISPLAYS))
def test_token_and_loop_secret_hidden_in_every_display(
    display, falcon_emulator, emulator_env, play, collections_root, tmp_path
):
    """falcon_token registered without no_log, alone and in a loop, then a failing task of every other module: no token
    or client secret on screen, in log_path, tree or callback files."""
    flags, stdout_callback, enabled = DISPLAYS[display]
    out = tmp_path / 'out'
    extra_env = display_env(out, collections_root, stdout_callback, enabled)
    extra_env.update({'JUNIT_OUTPUT_DIR': str(out / 'junit'), 'JUNIT_INCLUDE_SETUP_TASKS_IN_REPORT': 'true'})
    clients = [READONLY_CLIENT, EU_CLIENT]
    loop_clients = [{'client_id': c.client_id, 'client_secret': c.client_secret} for c in clients]
    # The EU client's home is another cloud: with FALCON_BASE_URL pointing at this listener it is issued there too.
    run = play(
        'token_display', emulator_env, extra_vars={'loop_clients': loop_clients}, cli_args=flags, extra_env=extra_env
    )
    assert run.rc == 0, run.explain()
    assert 'Traceback' not in run.output and run.dns_refused == [], run.explain()
    # ansible-core warns when meta/runtime.yml's requires_ansible leaves it out: every core these tests run on is declared.
    assert 'does not support Ansible version' not in run.output, run.explain()
    tokens = issued_tokens(falcon_emulator)
    assert len(tokens) == 3, tokens  # one for the lone task, one per loop item: the secrets to look for are real
    secrets = {'client secret': DEFAULT_CLIENT.client_secret, 'wrong secret': READONLY_CLIENT.client_secret + '-wrong'}
    secrets.update(('secret of loop item %s' % c.name, c.client_secret) for c in clients)
    for number, token in enumerate(tokens):
        secrets['token %d prefix' % number] = token[:PREFIX]
    written = files_under(str(out))
    assert str(out / 'ansible.log') in written and any('/tree/' in path for path in written), sorted(written)
    if enabled:
        assert any('/junit/' in path for path in written), sorted(written)
    if stdout_callback == 'ansible.posix.json':
        assert (
            json.loads(run.stdout[run.stdout.index('{') :])['stats']['localhost']['ignored'] == failing_tasks()
        )  # after -v's config line
    if stdout_callback == 'ansible.posix.jsonl':
        assert len([json.loads(line) for line in run.stdout.splitlines() if line.startswith('{')]) > 3
    texts = {'stdout': run.stdout, 'stderr': run.stderr}
    texts.update((path, data.decode('utf-8', 'replace')) for path, data in written.items())
    assert leaks(secrets, texts) == [], display


def test_declared_floor_is_the_oldest_core_these_tests_prove():
    """meta/runtime.yml's requires_ansible is the oldest ansible-core of .ci/matrix.txt that runs these tests."""
    import yaml  # pylint: disable=import-outside-toplevel

    root = os.path.dirname(os.path.dirname(MATRIX_FILE))
    with open(os.path.join(root, 'meta', 'runtime.yml'), encoding='utf-8') as handle:
        declared = yaml.safe_load(handle)['requires_ansible']
    with open(MATRIX_FILE, encoding='utf-8') as handle:
        lines = [line.split() for line in handle if line.strip() and not line.startswith('#')]
    proved = sorted(tuple(int(p) for p in fields[0].split('.')[:2]) for fields in lines if 'integration' in fields[4])
    assert declared == '>=%d.%d.0' % proved[0], (declared, proved)


# Maintenance tokens as the falcon_maintenance_token lookup documents their use: set_fact with no_log, then only tasks
# with no_log (a debug, a command with the token as an argument, one with it on stdin that echoes it back, a failing
# one), a lookup error shown after tokens were revealed, and a play that fails at the end. The tests compare the
# tokens with the emulator's by their sha256 (inside a no_log assert): the real values are never written anywhere.
MAINTENANCE_PLAY_NAME = 'Maintenance tokens used as documented'
MAINTENANCE_PLAY = (
    """
- name: %s
  hosts: falcon
  gather_facts: false
  tasks:
    - name: Get this host's maintenance token
      ansible.builtin.set_fact:
        host_token: "{{ lookup('secops.falcon.falcon_maintenance_token', falcon_device_id) }}"
      no_log: true

    - name: Get the bulk maintenance token
      ansible.builtin.set_fact:
        bulk_token: "{{ lookup('secops.falcon.falcon_maintenance_token', bulk=true) }}"
      no_log: true
      run_once: true

    - name: Show them, hidden
      ansible.builtin.debug:
        msg: "host {{ host_token }} bulk {{ bulk_token }}"
      no_log: true

    - name: Pass the token on standard input to a tool that prints it
      ansible.builtin.command:
        cmd: cat
        stdin: "{{ host_token }}"
        stdin_add_newline: false
      register: echoed
      changed_when: false
      no_log: true

    - name: Check each token is the emulator's (by hash, hidden)
      ansible.builtin.assert:
        that:
          - host_token | hash('sha256') == expected_sha256[inventory_hostname]
          - bulk_token | hash('sha256') == expected_sha256['MAINTENANCE']
          - echoed.stdout == host_token
      no_log: true

    - name: A maintenance command that fails, the token as an argument
      ansible.builtin.command:
        argv:
          - "{{ ansible_python_interpreter }}"
          - -c
          - "import sys; print(sys.argv[-1]); sys.stderr.write(sys.argv[-1]); sys.exit(3)"
          - --maintenance-token
          - "{{ host_token }}"
      register: failed_command
      ignore_errors: true
      no_log: true

    - name: Check that it failed
      ansible.builtin.assert:
        that:
          - failed_command is failed
        quiet: true

    - name: A lookup error after a token was revealed in the same lookup
      ansible.builtin.set_fact:
        nothing: "{{ lookup('secops.falcon.falcon_maintenance_token', falcon_device_id, unknown_device) }}"
      register: lookup_error
      ignore_errors: true

    - name: Check the error names the unknown device
      ansible.builtin.assert:
        that:
          - lookup_error is failed
          - lookup_error.msg is search(unknown_device)
        quiet: true

    - name: Forget the tokens
      ansible.builtin.set_fact:
        host_token: null
        bulk_token: null

    - name: Fail the play after using the tokens
      ansible.builtin.fail:
        msg: the play fails after using the tokens
"""
    % MAINTENANCE_PLAY_NAME
)
# Each callback (the tree callback always on too) at -v and at -vvvv.
MAINTENANCE_DISPLAYS = dict(
    ('%s %s' % (name, flag), ([flag], callback, enabled))
    for name, callback, enabled in (
        ('default', 'ansible.builtin.default', []),
        ('minimal', 'ansible.builtin.minimal', []),
        ('oneline', 'ansible.builtin.oneline', []),
        ('json', 'ansible.posix.json', []),
    )
    for flag in ('-v', '-vvvv')
)


@pytest.mark.parametrize('display', sorted(MAINTENANCE_DISPLAYS))
def test_maintenance_tokens_hidden_in_every_display(display, falcon_emulator, emulator_env, collections_root, tmp_path):
    """Per-host and bulk maintenance tokens got and used as documented, then failures: no token shows anywhere, and
    the audit log the emulator kept holds none either but names the play and the host."""
    flags, stdout_callback, enabled = MAINTENANCE_DISPLAYS[display]
    out = tmp_path / 'out'
    extra_env = display_env(out, collections_root, stdout_callback, enabled)
    devices = falcon_emulator.devices()[:2]
    tokens = dict((d['hostname'], falcon_emulator.uninstall_token(d['device_id'])) for d in devices)
    tokens['MAINTENANCE'] = falcon_emulator.uninstall_token('MAINTENANCE')
    unknown = '0' * 31 + '1'
    playbook = str(tmp_path / 'maintenance_tokens.yml')
    with open(playbook, 'w', encoding='utf-8') as handle:
        handle.write(MAINTENANCE_PLAY)
    extra_vars = {
        'unknown_device': unknown,
        'expected_sha256': dict((k, hashlib.sha256(v.encode('ascii')).hexdigest()) for k, v in tokens.items()),
    }
    run = run_playbook(
        playbook,
        emulator_env,
        collections_root,
        tmp_path,
        extra_vars=extra_vars,
        cli_args=flags,
        inventory=device_inventory(tmp_path, devices),
        extra_env=extra_env,
    )
    # Only the last task failed (each host): every task before it, the hidden checks included, succeeded.
    assert run.rc == 2, run.explain()
    assert 'Traceback' not in run.output and run.dns_refused == [], run.explain()
    assert run.output.count('the play fails after using the tokens') >= len(devices), run.explain()
    assert 'no maintenance token for device id %s' % unknown in run.output, run.explain()
    if '-vvvv' in flags:  # really that verbose: the command module's AnsiballZ payload is named
        assert 'AnsiballZ_command.py' in run.stdout, run.stdout[-2000:]
    written = files_under(str(out))
    assert str(out / 'ansible.log') in written and any('/tree/' in path for path in written), sorted(written)

    audit = falcon_emulator.uninstall_token_audit()
    # One reveal per host, the bulk one, and the known device of the failing lookup on each host.
    assert sorted(a['device_id'] for a in audit) == sorted([d['device_id'] for d in devices] * 2 + ['MAINTENANCE']), (
        audit
    )
    for device in devices:
        named = "secops.falcon falcon_maintenance_token: play '%s' host '%s' by " % (
            MAINTENANCE_PLAY_NAME,
            device['hostname'],
        )
        assert any(a['audit_message'].startswith(named) for a in audit if a['device_id'] == device['device_id']), audit

    secrets = {'client secret': DEFAULT_CLIENT.client_secret}
    for name, token in tokens.items():
        secrets['maintenance token of %s' % name] = token
        secrets['maintenance token of %s, prefix' % name] = token[:PREFIX]
    for number, token in enumerate(issued_tokens(falcon_emulator)):
        secrets['access token %d prefix' % number] = token[:PREFIX]
    texts = {'stdout': run.stdout, 'stderr': run.stderr}
    texts.update((path, data.decode('utf-8', 'replace')) for path, data in written.items())
    texts.update(('audit message %d' % n, a['audit_message']) for n, a in enumerate(audit))
    assert leaks(secrets, texts) == [], display
