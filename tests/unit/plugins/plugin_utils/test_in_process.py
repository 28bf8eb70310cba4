"""FalconActionBase: when a task runs in the worker process, and that running there leaves the process as it was."""

import os
import sys
import types

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common import warnings

from ansible_collections.secops.falcon.plugins.plugin_utils import _core_compat, _in_process
from ansible_collections.secops.falcon.plugins.plugin_utils._in_process import FalconActionBase, module_import_name

# What implicit localhost (and the tests' inventories) set: the controller's own Python.
CONTROLLER_PYTHON = {'ansible_python_interpreter': sys.executable}


class Templar:
    """Templates nothing but the one expression the tests use."""

    def __init__(self, values):
        self.values = values

    def template(self, value):
        return self.values.get(value, value) if isinstance(value, str) else value


def action(connection='ansible.builtin.local', become=False, async_val=0, templar_values=None):
    """A FalconActionBase with only what in_process_reason reads."""
    plugin = FalconActionBase.__new__(FalconActionBase)
    plugin.MODULE = 'secops.falcon.falcon_device_info'
    plugin._connection = types.SimpleNamespace(_load_name=connection, transport=connection)
    plugin._play_context = types.SimpleNamespace(become=become)
    plugin._task = types.SimpleNamespace(async_val=async_val, no_log=False, environment=None)
    plugin._templar = Templar(templar_values or {})
    return plugin


def task_vars(**values):
    """Task variables of a host whose interpreter is the controller's Python, plus values."""
    return dict(CONTROLLER_PYTHON, **values)


@pytest.fixture(autouse=True)
def _no_switch(monkeypatch):
    """No SECOPS_FALCON_IN_PROCESS from the machine running the tests."""
    monkeypatch.delenv(_in_process.SWITCH_ENV, raising=False)


def test_every_core_ci_runs_is_proven_here():
    """On each ansible-core of the matrix the in-process path is available (CI fails here if an internal changed)."""
    assert _core_compat.core_minor() in _core_compat.PROVEN_MINORS
    assert _core_compat.UNAVAILABLE is None and _core_compat.ADAPTER is not None
    expected = 'legacy' if _core_compat.core_minor() <= (2, 18) else 'profile'
    if _core_compat.core_minor() >= (2, 21):
        expected = 'task_result'
    assert _core_compat.ADAPTER.flavour == expected


@pytest.mark.parametrize('connection', ['local', 'ansible.builtin.local', 'ansible.legacy.local'])
def test_local_connection_runs_in_process(connection):
    assert action(connection).in_process_reason(task_vars()) is None


@pytest.mark.parametrize('connection', ['ssh', 'ansible.builtin.ssh', 'paramiko_ssh', 'community.docker.docker'])
def test_any_other_connection_runs_the_module(connection):
    assert action(connection).in_process_reason(task_vars()) == 'connection %s is not local' % connection


def test_become_and_async_run_the_module():
    assert 'become' in action(become=True).in_process_reason(task_vars())
    assert 'async' in action(async_val=30).in_process_reason(task_vars())


def test_another_interpreter_runs_the_module(tmp_path):
    """A host whose ansible_python_interpreter is another Python gets that Python's libraries: the module path."""
    reason = action().in_process_reason({'ansible_python_interpreter': '/opt/other-venv/bin/python'})
    assert reason == "ansible_python_interpreter /opt/other-venv/bin/python is not the controller's Python %s" % (
        sys.executable
    )
    # A link to the controller's Python is the same interpreter.
    link = tmp_path / 'python'
    link.symlink_to(sys.executable)
    assert action().in_process_reason({'ansible_python_interpreter': str(link)}) is None
    # Templated, as inventories often write it.
    plugin = action(templar_values={'{{ ansible_playbook_python }}': sys.executable})
    assert plugin.in_process_reason({'ansible_python_interpreter': '{{ ansible_playbook_python }}'}) is None


def test_unset_interpreter_runs_the_module():
    """Unset, a module would run on the discovered interpreter, which need not be the controller's Python."""
    assert 'ansible_python_interpreter is not set' in action().in_process_reason({})


@pytest.mark.parametrize(
    'value, in_process',
    [(False, False), ('false', False), ('no', False), ('0', False), (True, True), ('yes', True), ('', True)],
)
def test_switch_variable(value, in_process):
    reason = action().in_process_reason(task_vars(secops_falcon_in_process=value))
    assert (reason is None) is in_process


def test_switch_variable_is_templated():
    plugin = action(templar_values={'{{ fast }}': False})
    assert plugin.in_process_reason(task_vars(secops_falcon_in_process='{{ fast }}')) == (
        'secops_falcon_in_process is false'
    )


def test_switch_environment_variable_and_the_variable_wins(monkeypatch):
    monkeypatch.setenv(_in_process.SWITCH_ENV, 'false')
    assert action().in_process_reason(task_vars()) == 'secops_falcon_in_process is false'
    assert action().in_process_reason(task_vars(secops_falcon_in_process=True)) is None


def test_unproven_core_runs_the_module(monkeypatch):
    """A core the path is not proven on (a future 2.22) takes the module path and says why."""
    adapter, reason = _core_compat._probe((2, 22))
    assert adapter is None
    assert reason == 'ansible-core %s is not one the in-process path is proven on (2.16 to 2.21)' % (
        _core_compat.CORE_VERSION
    )
    monkeypatch.setattr(_in_process, 'ADAPTER', adapter)
    monkeypatch.setattr(_in_process, 'UNAVAILABLE', reason)
    assert action().in_process_reason(task_vars()) == reason


def test_a_changed_internal_runs_the_module(monkeypatch):
    """A proven minor whose internal changed shape (a patch release, a backport) falls back too, naming it."""
    from ansible.plugins.action import ActionBase

    def changed(self, res, profile, extra):  # a signature no release has
        return {}

    monkeypatch.setattr(ActionBase, '_parse_returned_data', changed)
    adapter, reason = _core_compat._probe(_core_compat.core_minor())
    assert adapter is None
    assert 'an ansible-core internal it uses changed' in reason and '_parse_returned_data' in reason
    monkeypatch.undo()
    monkeypatch.delattr(basic, '_ANSIBLE_ARGS')
    adapter, reason = _core_compat._probe(_core_compat.core_minor())
    assert adapter is None and 'no _ANSIBLE_ARGS' in reason


def test_a_failure_before_the_module_runs_falls_back_to_the_module_path(monkeypatch):
    """The fast path never fails a task: when it cannot start, the module path runs and -vvv says why."""
    plugin = action()
    plugin._task.args = {'limit': 1}
    plugin._connection.has_native_async = False
    plugin._connection._shell = types.SimpleNamespace(tmpdir=None, env_prefix=lambda **env: '')
    ran = []
    said = []

    def broken(task_vars):
        raise ValueError('cannot encode')

    monkeypatch.setattr(plugin, '_prepare_in_process', broken)
    monkeypatch.setattr(plugin, '_execute_module', lambda **kw: ran.append(kw) or {'changed': False, 'devices': []})
    monkeypatch.setattr(plugin, '_remove_tmp_path', lambda path: None)
    monkeypatch.setattr(_in_process.display, 'vvv', said.append)
    result = plugin._execute_falcon_module(task_vars())
    assert result == {'changed': False, 'devices': []}
    assert ran and ran[0]['module_name'] == 'secops.falcon.falcon_device_info'
    assert said == [
        'secops.falcon.falcon_device_info: executing as a module (the in-process path could not start '
        '(ValueError: cannot encode))'
    ]


def test_the_module_path_takes_the_secret_off_the_command_line(monkeypatch):
    """FALCON_CLIENT_SECRET of the task's environment: a module argument, not part of the /bin/sh -c line."""
    plugin = action(connection='ssh')
    plugin._task.args = {'limit': 1}
    plugin._task.environment = [{'FALCON_CLIENT_SECRET': 'env-secret-0123456789', 'HTTPS_PROXY': 'http://p:3128'}]
    plugin._connection.has_native_async = False
    plugin._connection._shell = types.SimpleNamespace(
        tmpdir=None, env_prefix=lambda **env: ' '.join('%s=%s' % item for item in sorted(env.items()))
    )
    seen = []

    def execute_module(**kwargs):
        raw = {}
        seen.append((kwargs['module_args'], plugin._compute_environment_string(raw), raw))
        return {'changed': False}

    monkeypatch.setattr(plugin, '_execute_module', execute_module)
    monkeypatch.setattr(plugin, '_remove_tmp_path', lambda path: None)
    plugin._execute_falcon_module(task_vars())
    ((args, command_environment, raw),) = seen
    assert args == {'limit': 1, 'client_secret': 'env-secret-0123456789'}
    assert command_environment == 'HTTPS_PROXY=http://p:3128' and raw == {'HTTPS_PROXY': 'http://p:3128'}
    # An explicit argument wins in the module anyway: the variable is dropped, the argument left as given.
    plugin._task.args = {'client_secret': 'arg-secret-0123456789'}
    seen.clear()
    plugin._execute_falcon_module(task_vars())
    assert seen[0][0] == {'client_secret': 'arg-secret-0123456789'}
    assert 'env-secret' not in seen[0][1]
    # Outside a module run (the in-process path reads the environment itself) nothing is taken away.
    assert 'FALCON_CLIENT_SECRET=env-secret-0123456789' in plugin._compute_environment_string()


def test_below_the_floor_every_plugin_refuses_before_anything_runs():
    assert _core_compat.refusal_below_floor('2.16.0') is None
    assert _core_compat.refusal_below_floor('2.22.0.dev0') is None
    message = _core_compat.refusal_below_floor('2.15.13')
    assert 'needs ansible-core 2.16 or newer' in message and 'this is ansible-core 2.15.13' in message
    assert 'Nothing was run' in message


def test_below_the_floor_an_action_fails_before_anything_runs(monkeypatch):
    monkeypatch.setattr(_core_compat, 'CORE_VERSION', '2.15.13')
    plugin = action()
    monkeypatch.setattr(plugin, '_execute_falcon_module', lambda task_vars: pytest.fail('ran below the floor'))
    result = plugin.run(task_vars=task_vars())
    assert result['failed'] is True and 'this is ansible-core 2.15.13' in result['msg']


def test_censor_hides_the_result_and_the_task():
    plugin = action()
    result = plugin.censor({'access_token': 'x'})
    assert result['_ansible_no_log'] is True and plugin._task.no_log is True


def test_core_minor_parses_every_release_form():
    assert _core_compat.core_minor('2.16.0') == (2, 16)
    assert _core_compat.core_minor('2.19.0rc1') == (2, 19)
    assert _core_compat.core_minor('2.22.0.dev0') == (2, 22)
    assert _core_compat.core_minor('devel') == (0, 0)


def test_module_import_name():
    assert (
        module_import_name('secops.falcon.falcon_token')
        == 'ansible_collections.secops.falcon.plugins.modules.falcon_token'
    )


def test_environment_is_set_for_the_module_and_restored(monkeypatch):
    monkeypatch.setenv('FALCON_CLOUD', 'us-1')
    monkeypatch.delenv('FALCON_CLIENT_ID', raising=False)
    with _in_process._environment({'FALCON_CLIENT_ID': 'abc', 'FALCON_CLOUD': 'eu-1'}):
        assert os.environ['FALCON_CLIENT_ID'] == 'abc' and os.environ['FALCON_CLOUD'] == 'eu-1'
        os.environ['LANG'] = 'C'  # AnsibleModule may set locale variables
    assert 'FALCON_CLIENT_ID' not in os.environ and os.environ['FALCON_CLOUD'] == 'us-1'


def test_module_globals_are_set_and_restored():
    adapter = _core_compat.ADAPTER
    names = adapter._global_names()
    saved = dict((name, getattr(basic, name, None)) for name in names)
    warnings.warn('left over from an earlier task')
    payload = adapter.encode({})
    assert payload == b'{"ANSIBLE_MODULE_ARGS": {}}'
    with adapter.module_globals(payload):
        assert payload == basic._ANSIBLE_ARGS
        if adapter.flavour != 'legacy':
            assert basic._ANSIBLE_PROFILE == 'legacy'
        assert warnings.get_warning_messages() == ()  # a loop's earlier item never leaks its warnings into this one
        warnings.warn('from this task')
    assert saved == dict((name, getattr(basic, name, None)) for name in names)
    assert warnings.get_warning_messages() == ()


def test_cwd_is_restored(tmp_path):
    cwd = os.getcwd()
    with _in_process._preserved_cwd():
        os.chdir(str(tmp_path))
    assert os.getcwd() == cwd


def test_a_module_runs_in_process_through_this_cores_own_internals(fake, monkeypatch):
    """falcon_token's main() in this process, its printed result parsed by this core's real ActionBase code."""
    from ansible.utils.unsafe_proxy import AnsibleUnsafe  # pylint: disable=import-outside-toplevel

    from ansible_collections.secops.falcon.plugins.module_utils import _http  # pylint: disable=import-outside-toplevel

    token = 'tok-0000000001-inprocessunittest'
    session = fake.FakeSession({'/oauth2/token': fake.token_response(token=token)})
    monkeypatch.setattr(_http.requests, 'Session', lambda: session)
    plugin = action()
    plugin.MODULE = 'secops.falcon.falcon_token'
    plugin._used_interpreter = None
    plugin._task.action = plugin._task.resolved_action = plugin.MODULE
    monkeypatch.setattr(plugin, '_task_environment', dict)
    args = {'client_id': fake.CLIENT_ID, 'client_secret': fake.CLIENT_SECRET, 'token_cache': False}
    result = plugin._run_in_process(
        _core_compat.ADAPTER.encode(args), __import__(module_import_name(plugin.MODULE), fromlist=['main'])
    )
    assert result.get('failed') is not True, result
    assert result['access_token'] == token and len(session.calls_to('/oauth2/token')) == 1
    if _core_compat.core_minor() < (2, 21):  # 2.21 no longer returns the invocation
        assert result['invocation']['module_args']['client_secret'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
    else:
        assert 'invocation' not in result
    if _core_compat.ADAPTER.flavour == 'legacy':
        # No data tagging: like _execute_module, every API value comes back unsafe (never rendered as a template).
        assert isinstance(result['access_token'], AnsibleUnsafe)


def test_an_action_plugin_imports_its_module_when_it_loads(monkeypatch):
    """The main process loads the plugin before it forks: every worker inherits the module already imported."""
    name = module_import_name('secops.falcon.falcon_policy_info')
    monkeypatch.delitem(sys.modules, name, raising=False)
    type('ActionModule', (FalconActionBase,), {'MODULE': 'secops.falcon.falcon_policy_info'})
    assert name in sys.modules
    # A module that cannot be imported does not stop the plugin from loading: its tasks deal with it.
    type('ActionModule', (FalconActionBase,), {'MODULE': 'secops.falcon.no_such_module'})
