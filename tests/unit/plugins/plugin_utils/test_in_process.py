"""FalconActionBase: when a task runs in the worker process, and that running there leaves the process as it was."""

import os
import types

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common import warnings

from ansible_collections.secops.falcon.plugins.plugin_utils import _in_process
from ansible_collections.secops.falcon.plugins.plugin_utils._in_process import FalconActionBase, module_import_name


class Templar:
    """Templates nothing but the one expression the tests use."""

    def __init__(self, values):
        self.values = values

    def template(self, value):
        return self.values.get(value, value)


def action(connection='ansible.builtin.local', become=False, async_val=0, templar_values=None):
    """A FalconActionBase with only what in_process_reason reads."""
    plugin = FalconActionBase.__new__(FalconActionBase)
    plugin.MODULE = 'secops.falcon.falcon_device_info'
    plugin._connection = types.SimpleNamespace(_load_name=connection, transport=connection)
    plugin._play_context = types.SimpleNamespace(become=become)
    plugin._task = types.SimpleNamespace(async_val=async_val)
    plugin._templar = Templar(templar_values or {})
    return plugin


@pytest.fixture(autouse=True)
def _no_switch(monkeypatch):
    """No SECOPS_FALCON_IN_PROCESS from the machine running the tests."""
    monkeypatch.delenv(_in_process.SWITCH_ENV, raising=False)


@pytest.mark.parametrize('connection', ['local', 'ansible.builtin.local', 'ansible.legacy.local'])
def test_local_connection_runs_in_process(connection):
    assert action(connection).in_process_reason({}) is None


@pytest.mark.parametrize('connection', ['ssh', 'ansible.builtin.ssh', 'paramiko_ssh', 'community.docker.docker'])
def test_any_other_connection_runs_the_module(connection):
    assert action(connection).in_process_reason({}) == 'connection %s is not local' % connection


def test_become_and_async_run_the_module():
    assert 'become' in action(become=True).in_process_reason({})
    assert 'async' in action(async_val=30).in_process_reason({})


@pytest.mark.parametrize(
    'value, in_process',
    [(False, False), ('false', False), ('no', False), ('0', False), (True, True), ('yes', True), ('', True)],
)
def test_switch_variable(value, in_process):
    reason = action().in_process_reason({_in_process.SWITCH_VAR: value})
    assert (reason is None) is in_process


def test_switch_variable_is_templated():
    plugin = action(templar_values={'{{ fast }}': False})
    assert plugin.in_process_reason({_in_process.SWITCH_VAR: '{{ fast }}'}) == 'secops_falcon_in_process is false'


def test_switch_environment_variable_and_the_variable_wins(monkeypatch):
    monkeypatch.setenv(_in_process.SWITCH_ENV, 'false')
    assert action().in_process_reason({}) == 'secops_falcon_in_process is false'
    assert action().in_process_reason({_in_process.SWITCH_VAR: True}) is None


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
    saved = (basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE)
    warnings.warn('left over from an earlier task')
    with _in_process._module_globals(b'{"ANSIBLE_MODULE_ARGS": {}}'):
        assert basic._ANSIBLE_ARGS == b'{"ANSIBLE_MODULE_ARGS": {}}' and basic._ANSIBLE_PROFILE == 'legacy'
        assert warnings.get_warning_messages() == ()  # a loop's earlier item never leaks its warnings into this one
        warnings.warn('from this task')
    assert saved == (basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE)
    assert warnings.get_warning_messages() == ()


def test_cwd_is_restored(tmp_path):
    cwd = os.getcwd()
    with _in_process._preserved_cwd():
        os.chdir(str(tmp_path))
    assert os.getcwd() == cwd
