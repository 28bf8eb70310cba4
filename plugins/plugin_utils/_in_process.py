# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FalconActionBase: run a module's own main() inside the worker process when the task executes on the controller.

Internal use only. An action plugin of this collection is three lines::

    from ansible_collections.secops.falcon.plugins.plugin_utils._in_process import FalconActionBase
    class ActionModule(FalconActionBase):
        MODULE = 'secops.falcon.falcon_device_info'

Why main() and not a second entry point: the module's main() builds its AnsibleModule from the module's own argspec,
so validation (types, choices, fallbacks to FALCON_* variables, mutually exclusive options, check mode, no_log
masking, warnings) is the module's, unchanged, and modules need no change to gain the fast path. Only the two ends are
swapped: the arguments go in where AnsiballZ would put them (ansible.module_utils.basic._ANSIBLE_ARGS, encoded with
the same serialization profile), and the JSON the module prints is read back through ActionBase._parse_returned_data,
exactly as for a module run, so both paths give the same result.
"""

import contextlib
import importlib
import io
import json
import os

from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

try:
    # Imported here, at plugin load, on purpose: the strategy loads an action plugin's class in the main process before
    # it forks the workers, so each worker inherits these modules already imported (about 190 ms an interpreter spends
    # on ansible.module_utils.basic and requests before a module's first request).
    from ansible.module_utils import basic as _basic
    from ansible.module_utils.common import warnings as _warnings
    from ansible.module_utils.common.json import Direction, get_module_encoder

    from ansible_collections.secops.falcon.plugins.module_utils import _module  # noqa: F401 pylint: disable=unused-import
    from ansible_collections.secops.falcon.plugins.module_utils._errors import scrub
    from ansible_collections.secops.falcon.plugins.module_utils._http import HAS_REQUESTS

    IN_PROCESS_IMPORT_ERROR = None
except ImportError as import_error:  # an ansible-core without these internals: the module path still works
    HAS_REQUESTS = False
    IN_PROCESS_IMPORT_ERROR = import_error

display = Display()

# The serialization profile ansible-core uses for a Python module that declares none (module_common: legacy metadata).
PROFILE = 'legacy'
# Turn the in-process path off: this variable (inventory, group_vars, extra vars) or this controller environment variable.
SWITCH_VAR = 'secops_falcon_in_process'
SWITCH_ENV = 'SECOPS_FALCON_IN_PROCESS'
# Connection plugins that run commands on the controller itself.
LOCAL_CONNECTIONS = ('local', 'ansible.builtin.local', 'ansible.legacy.local')


class FalconActionBase(ActionBase):
    """Run MODULE in this worker process when the task executes on the controller, else as a normal module."""

    MODULE = None
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        """The normal action's flow, with the module executed in-process where that is the same thing."""
        result = super().run(tmp, task_vars)
        del tmp  # tmp no longer has any effect
        result = merge_hash(result, self._execute_falcon_module(task_vars))
        return result

    def _execute_falcon_module(self, task_vars):
        """MODULE's result, from this process when in_process_reason() is None, else from a module run."""
        task_vars = task_vars if task_vars is not None else {}
        reason = self.in_process_reason(task_vars)
        if reason is None:
            display.vvv('%s: executing in the worker process (the task runs on the controller)' % self.MODULE)
            return self._run_in_process(task_vars)
        display.vvv('%s: executing as a module (%s)' % (self.MODULE, reason))
        wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
        result = self._execute_module(
            module_name=self.MODULE, module_args=self._task.args, task_vars=task_vars, wrap_async=wrap_async
        )
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def in_process_reason(self, task_vars):
        """None when the module may run in this process, else why it must run as a module."""
        if IN_PROCESS_IMPORT_ERROR is not None or not HAS_REQUESTS:
            return 'the controller cannot import the module code in-process'
        switch = (
            self._templar.template(task_vars[SWITCH_VAR]) if SWITCH_VAR in task_vars else os.environ.get(SWITCH_ENV)
        )
        if switch not in (None, '') and not boolean(switch, strict=False):
            return '%s is false' % SWITCH_VAR
        connection = getattr(self._connection, '_load_name', None) or getattr(self._connection, 'transport', None)
        if connection not in LOCAL_CONNECTIONS:
            # Not the controller: the target may be the only address the API client is allowed from.
            return 'connection %s is not local' % connection
        if self._play_context.become:
            return 'become is set (the module must run as another user)'
        if self._task.async_val:
            return 'the task is async'
        return None

    def _module_args(self, task_vars):
        """The task's arguments plus the _ansible_* internals, as a module run would receive them."""
        args = dict(self._task.args)
        self._update_module_args(self.MODULE, args, task_vars)
        return args

    def _task_environment(self):
        """The task's environment: (templated), as text, as the module's shell would export it."""
        environment = {}
        self._compute_environment_string(environment)
        return dict((to_text(name), to_text(value)) for name, value in environment.items())

    def _run_in_process(self, task_vars):
        """Call the module's main() here with the encoded arguments; return its result as _execute_module would."""
        args = self._module_args(task_vars)
        encoder = get_module_encoder(PROFILE, Direction.CONTROLLER_TO_MODULE)
        payload = json.dumps({'ANSIBLE_MODULE_ARGS': args}, cls=encoder).encode('utf-8')
        module = importlib.import_module(module_import_name(self.MODULE))
        output = io.StringIO()
        rc = 0
        with _module_globals(payload), _environment(self._task_environment()), _preserved_cwd():
            try:
                with contextlib.redirect_stdout(output):
                    module.main()
            except SystemExit as exit_:
                rc = exit_.code if isinstance(exit_.code, int) else 1
            except Exception as err:  # pylint: disable=broad-except
                # A module run shows an unexpected exception as a MODULE FAILURE; say the same without a traceback.
                return {'failed': True, 'msg': scrub('MODULE FAILURE: %s: %s' % (type(err).__name__, err))}
        data = self._parse_returned_data({'rc': rc, 'stdout': output.getvalue(), 'stderr': ''}, PROFILE)
        return _clean_result(data)


def module_import_name(fqcn):
    """The Python import name of a module of this collection, from its FQCN (secops.falcon.falcon_token)."""
    namespace, collection, name = fqcn.split('.')
    return 'ansible_collections.%s.%s.plugins.modules.%s' % (namespace, collection, name)


def _clean_result(data):
    """The post-processing ActionBase._execute_module applies to a parsed module result."""
    if hasattr(data, 'as_result_dict'):
        # ansible-core 2.21: _parse_returned_data gives a task result object; _execute_module finishes it like this.
        data.remove_internal_keys()
        return data.as_result_dict(for_round_trip=True)
    # ansible-core 2.19 and 2.20: a plain dict, cleaned the way their _execute_module cleans it.
    from ansible.vars.clean import remove_internal_keys  # pylint: disable=import-outside-toplevel

    data.pop('_ansible_suppress_tmpdir_delete', None)
    remove_internal_keys(data)
    return data


@contextlib.contextmanager
def _module_globals(payload):
    """Give AnsibleModule these arguments (where AnsiballZ puts them) and fresh warning lists; restore afterwards."""
    saved = (_basic._ANSIBLE_ARGS, _basic._ANSIBLE_PROFILE, getattr(_basic, '_PARSED_MODULE_ARGS', None))
    _basic._ANSIBLE_ARGS, _basic._ANSIBLE_PROFILE = payload, PROFILE
    _warnings._global_warnings.clear()
    _warnings._global_deprecations.clear()
    try:
        yield
    finally:
        _basic._ANSIBLE_ARGS, _basic._ANSIBLE_PROFILE, _basic._PARSED_MODULE_ARGS = saved
        _warnings._global_warnings.clear()
        _warnings._global_deprecations.clear()


@contextlib.contextmanager
def _environment(variables):
    """Set the task's environment: for the module's FALCON_* fallbacks (and proxies, CA bundles); restore afterwards."""
    saved = dict(os.environ)
    os.environ.update(variables)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _preserved_cwd():
    """AnsibleModule may chdir away from an unreadable cwd; give this worker its own back."""
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = None
    try:
        yield
    finally:
        if cwd is not None:
            os.chdir(cwd)
