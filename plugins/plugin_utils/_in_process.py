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
swapped: the arguments go in where AnsiballZ would put them (ansible.module_utils.basic._ANSIBLE_ARGS, encoded as
module_common encodes them), and the JSON the module prints is read back through ActionBase._parse_returned_data and
cleaned as _execute_module cleans it, so both paths give the same result. How that is done differs between ansible-core
releases: _core_compat.py checks the internals at plugin load and says where the path is not proven.

The path is taken only where a module run would be the same thing: a local connection, no become, no async, and
ansible_python_interpreter naming the controller's own Python (the module would otherwise run on another interpreter,
with other libraries). Anywhere else, and on any core the path is not proven on, the module path runs, and -vvv says
why.
"""

import contextlib
import importlib
import io
import os
import sys

from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

from ansible_collections.secops.falcon.plugins.plugin_utils._core_compat import (
    ADAPTER,
    UNAVAILABLE,
    refusal_below_floor,
)

try:
    # Imported here, at plugin load, on purpose: the strategy loads an action plugin's class in the main process before
    # it forks the workers, so each worker inherits these modules already imported (about 190 ms an interpreter spends
    # on ansible.module_utils.basic and requests before a module's first request).
    from ansible.module_utils import basic as _basic  # noqa: F401 pylint: disable=unused-import

    from ansible_collections.secops.falcon.plugins.module_utils import _module  # noqa: F401 pylint: disable=unused-import
    from ansible_collections.secops.falcon.plugins.module_utils._errors import scrub
    from ansible_collections.secops.falcon.plugins.module_utils._http import HAS_REQUESTS
    from ansible_collections.secops.falcon.plugins.module_utils._tls import warm_up_tls
    from ansible_collections.secops.falcon.plugins.module_utils._token_cache import warm_up

    warm_up()
    # The controller's CA bundle, loaded once here for every worker (about 25 ms of CPU a task otherwise; see _tls).
    warm_up_tls()
    IN_PROCESS_IMPORT_ERROR = None
except ImportError as import_error:  # the controller cannot import the module code: the module path still works
    HAS_REQUESTS = False
    IN_PROCESS_IMPORT_ERROR = import_error
    scrub = str

display = Display()

# Turn the in-process path off: this variable (inventory, group_vars, extra vars) or this controller environment variable.
SWITCH_VAR = 'secops_falcon_in_process'
SWITCH_ENV = 'SECOPS_FALCON_IN_PROCESS'
# Secrets a task may give in its environment, and the no_log option each one stands for. On the module path
# ansible-core puts the task's environment on the remote /bin/sh -c command line, where -vvv shows it and any local
# user reads it from ps: the action plugin passes them as module arguments instead (no_log, in the module's payload).
SECRET_ENVIRONMENT = (('FALCON_CLIENT_SECRET', 'client_secret'),)
# Connection plugins that run commands on the controller itself.
LOCAL_CONNECTIONS = ('local', 'ansible.builtin.local', 'ansible.legacy.local')


class FalconActionBase(ActionBase):
    """Run MODULE in this worker process when the task executes on the controller, else as a normal module."""

    MODULE = None
    _supports_check_mode = True
    _supports_async = True

    def __init_subclass__(cls, **kwargs):
        """Import the subclass's module when its action plugin loads, which is in the main process (see above).

        Each worker would otherwise import the module and the module_utils only it uses on every task, and
        ansible-core's collection loader compiles a collection file from source at each import (it keeps no
        bytecode): about 40 ms of CPU a task, most of what an in-process task cost above a debug task. A module that
        cannot be imported here is left alone: the task imports it (or falls back to the module path) as before.
        """
        super().__init_subclass__(**kwargs)
        if cls.MODULE and IN_PROCESS_IMPORT_ERROR is None:
            try:
                importlib.import_module(module_import_name(cls.MODULE))
            except Exception:  # pylint: disable=broad-except
                pass

    def run(self, tmp=None, task_vars=None):
        """The normal action's flow, with the module executed in-process where that is the same thing."""
        refusal = refusal_below_floor()
        if refusal is not None:
            return {'failed': True, 'msg': refusal}
        result = super().run(tmp, task_vars)
        del tmp  # tmp no longer has any effect
        result = merge_hash(result, self._execute_falcon_module(task_vars))
        return result

    def _execute_falcon_module(self, task_vars):
        """MODULE's result, from this process when in_process_reason() is None, else from a module run."""
        task_vars = task_vars if task_vars is not None else {}
        reason = self.in_process_reason(task_vars)
        if reason is None:
            try:
                payload, module = self._prepare_in_process(task_vars)
            except Exception as err:  # pylint: disable=broad-except
                # Nothing has run yet: the fast path never fails a task, the module path does the work.
                reason = 'the in-process path could not start (%s: %s)' % (type(err).__name__, scrub(str(err)))
            else:
                display.vvv('%s: executing in the worker process (the task runs on the controller)' % self.MODULE)
                return self._run_in_process(payload, module)
        display.vvv('%s: executing as a module (%s)' % (self.MODULE, reason))
        wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
        module_args = self._args_with_environment_secrets()
        self._secrets_off_command_line = True
        try:
            result = self._execute_module(
                module_name=self.MODULE,
                module_args=module_args,
                task_vars=task_vars,
                wrap_async=wrap_async,
            )
        finally:
            self._secrets_off_command_line = False
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def in_process_reason(self, task_vars):
        """None when the module may run in this process, else why it must run as a module."""
        if ADAPTER is None:
            return UNAVAILABLE
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
        return self._interpreter_reason(task_vars)

    def _interpreter_reason(self, task_vars):
        """None when a module run would use this very Python, else why it would not.

        In-process, the module runs in the controller's Python with its libraries (requests, CA bundle). A module run
        uses ansible_python_interpreter, or the interpreter Ansible discovers when that is unset: where that is another
        Python, only the module path gives what the user configured.
        """
        if 'ansible_python_interpreter' not in task_vars:
            return 'ansible_python_interpreter is not set: a module runs on the interpreter Ansible discovers'
        interpreter = self._templar.template(task_vars['ansible_python_interpreter'])
        if not _same_file(to_text(interpreter), sys.executable):
            return 'ansible_python_interpreter %s is not the controller\'s Python %s' % (interpreter, sys.executable)
        return None

    def _module_args(self, task_vars):
        """The task's arguments plus the _ansible_* internals, as a module run would receive them."""
        args = dict(self._task.args)
        self._update_module_args(self.MODULE, args, task_vars)
        return args

    def _args_with_environment_secrets(self):
        """The task's arguments, plus each secret of the task's environment as the option it stands for.

        An option given as an argument wins over its environment variable in the module, so such a variable is simply
        not passed on.
        """
        args = dict(self._task.args)
        environment = self._task_environment()
        for variable, option in SECRET_ENVIRONMENT:
            if environment.get(variable) and args.get(option) is None:
                args[option] = environment[variable]
        return args

    def _compute_environment_string(self, raw_environment_out=None):
        """The environment as ActionBase builds it, without SECRET_ENVIRONMENT while a module run is prepared."""
        if not getattr(self, '_secrets_off_command_line', False):
            return super()._compute_environment_string(raw_environment_out)
        environment = {}
        super()._compute_environment_string(environment)
        for variable, _option in SECRET_ENVIRONMENT:
            environment.pop(variable, None)
        if isinstance(raw_environment_out, dict):
            raw_environment_out.clear()
            raw_environment_out.update(environment)
        return self._connection._shell.env_prefix(**environment)

    def _task_environment(self):
        """The task's environment: (templated), as text, as the module's shell would export it."""
        environment = {}
        self._compute_environment_string(environment)
        return dict((to_text(name), to_text(value)) for name, value in environment.items())

    def _prepare_in_process(self, task_vars):
        """(payload, module): the encoded arguments and the imported module, before anything of the module runs."""
        payload = ADAPTER.encode(self._module_args(task_vars))
        return payload, importlib.import_module(module_import_name(self.MODULE))

    def _run_in_process(self, payload, module):
        """Call the module's main() here with the encoded arguments; return its result as _execute_module would."""
        output = io.StringIO()
        rc = 0
        with ADAPTER.module_globals(payload), _environment(self._task_environment()), _preserved_cwd():
            try:
                with contextlib.redirect_stdout(output):
                    module.main()
            except SystemExit as exit_:
                rc = exit_.code if isinstance(exit_.code, int) else 1
            except Exception as err:  # pylint: disable=broad-except
                # A module run shows an unexpected exception as a MODULE FAILURE; say the same without a traceback.
                return {'failed': True, 'msg': scrub('MODULE FAILURE: %s: %s' % (type(err).__name__, err))}
        return ADAPTER.finish(self, {'rc': rc, 'stdout': output.getvalue(), 'stderr': ''})

    def censor(self, result):
        """Hide result from every display, loop items included, on every core; register still keeps all of it.

        _ansible_no_log alone is not enough: 2.16.0 and 2.17.0 to 2.17.5 overwrite it with the task's no_log after
        the action returns, and a loop's combined result (shown by the minimal, oneline and json callbacks) follows the
        task's no_log, not its items'. The task's no_log set here reaches both: the strategy censors a result by the
        task attributes the worker sends with it, and a loop ORs its items' no_log into the task's.
        """
        result['_ansible_no_log'] = True
        self._task.no_log = True
        return result


def _same_file(one, other):
    """True when the two paths name the same executable (a venv's python and python3 links included)."""
    try:
        return os.path.samefile(one, other) or os.path.realpath(one) == os.path.realpath(other)
    except OSError:
        return False


def module_import_name(fqcn):
    """The Python import name of a module of this collection, from its FQCN (secops.falcon.falcon_token)."""
    namespace, collection, name = fqcn.split('.')
    return 'ansible_collections.%s.%s.plugins.modules.%s' % (namespace, collection, name)


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
