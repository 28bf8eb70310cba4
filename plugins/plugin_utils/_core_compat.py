# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ansible-core internals the in-process path uses, checked once at plugin load. Internal use only.

The in-process path (_in_process.py) runs a module's main() inside the worker and must give exactly what a module run
gives. For that it uses a handful of ansible-core internals whose names and shapes changed between releases:

- 2.16 to 2.18 (``legacy``): arguments JSON-encoded with AnsibleJSONEncoder (vault values as text) into
  ``basic._ANSIBLE_ARGS``; ``ActionBase._parse_returned_data(res)``; ``remove_internal_keys``; then the whole result
  wrapped unsafe, as their ``_execute_module`` does (these cores have no data tagging: an unwrapped API value would be
  rendered as a template by the next task that uses it).
- 2.19 and 2.20 (``profile``): ``get_module_encoder(profile, Direction)``, ``basic._ANSIBLE_ARGS`` and
  ``_ANSIBLE_PROFILE``; ``_parse_returned_data(res, profile)`` gives a dict; ``remove_internal_keys``.
- 2.21 (``task_result``): as 2.19, but ``_parse_returned_data`` gives a ``UnifiedTaskResult``, finished with its own
  ``remove_internal_keys()`` and ``as_result_dict(for_round_trip=True)``.

The path is used only on the minors CI proves it on (PROVEN_MINORS: the comparison test of both paths runs on them)
and only when every internal below is there with the expected shape. Anywhere else ``ADAPTER`` is None and
``UNAVAILABLE`` says why; the action plugins then run the module path, which works on any core.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import re

from ansible.release import __version__ as CORE_VERSION

# The minors on which CI runs the comparison of both paths (tests/integration/test_execution_paths.py): the in-process
# path is used on these only. A newer core takes the module path until a release of the collection proves it.
PROVEN_MINORS = ((2, 16), (2, 17), (2, 18), (2, 19), (2, 20), (2, 21))
# The oldest ansible-core the collection supports (meta/runtime.yml requires_ansible). Older cores print loop items'
# secrets and tokens in ways no plugin can stop, so every plugin refuses to run there (refusal_below_floor()).
FLOOR = (2, 16)


def core_minor(version: str = CORE_VERSION) -> tuple:
    """(major, minor) of an ansible-core version string such as 2.16.0, 2.19.0rc1 or 2.22.0.dev0."""
    match = re.match(r'(\d+)\.(\d+)', version)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


def refusal_below_floor(version: str | None = None):
    """A message refusing to run on an ansible-core (default: the running one) older than FLOOR, or None."""
    version = CORE_VERSION if version is None else version
    if core_minor(version) >= FLOOR:
        return None
    return (
        'secops.falcon needs ansible-core %d.%d or newer (meta/runtime.yml requires_ansible), but this is ansible-core '
        '%s: on it, looped tasks and some callbacks show client secrets and tokens. Nothing was run. Use ansible-core '
        '2.16 or newer (every AAP 2.4 to 2.7 default execution environment has it; awx-ee has 2.15: build an execution '
        'environment from awx/execution-environment.yml).' % (FLOOR[0], FLOOR[1], version)
    )


def _parameters(func) -> list:
    """The parameter names of func, self first, or [] when it cannot be inspected."""
    try:
        return list(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return []


class _Adapter:
    """One core family's way to hand a module its arguments and to finish its result as _execute_module does."""

    flavour = None

    def __init__(self, internals):
        self._i = internals

    def encode(self, args: dict) -> bytes:
        """The module's stdin payload, as the AnsiballZ wrapper would feed it."""
        raise NotImplementedError

    @contextlib.contextmanager
    def module_globals(self, payload: bytes):
        """Give AnsibleModule these arguments (where AnsiballZ puts them) and fresh warning lists; restore afterwards."""
        basic, warnings = self._i['basic'], self._i['warnings']
        names = self._global_names()
        saved = dict((name, getattr(basic, name, None)) for name in names)
        self._set_arguments(basic, payload)
        warnings._global_warnings.clear()
        warnings._global_deprecations.clear()
        try:
            yield
        finally:
            for name, value in saved.items():
                setattr(basic, name, value)
            warnings._global_warnings.clear()
            warnings._global_deprecations.clear()

    def _global_names(self) -> tuple:
        return ('_ANSIBLE_ARGS',)

    def _set_arguments(self, basic, payload):
        basic._ANSIBLE_ARGS = payload

    def finish(self, action, res: dict) -> dict:
        """The module's printed result parsed and cleaned exactly as ActionBase._execute_module does."""
        raise NotImplementedError


class _LegacyAdapter(_Adapter):
    """ansible-core 2.16 to 2.18."""

    flavour = 'legacy'

    def encode(self, args):
        payload = {'ANSIBLE_MODULE_ARGS': args}
        return json.dumps(payload, cls=self._i['AnsibleJSONEncoder'], vault_to_text=True).encode('utf-8')

    def finish(self, action, res):
        data = action._parse_returned_data(res)
        data.pop('_ansible_suppress_tmpdir_delete', None)
        self._i['remove_internal_keys'](data)
        # No data tagging on these cores: _execute_module marks the whole module result unsafe, and so must we.
        return self._i['wrap_var'](data)


class _ProfileAdapter(_Adapter):
    """ansible-core 2.19 and 2.20."""

    flavour = 'profile'
    # The serialization profile ansible-core uses for a Python module that declares none (module_common: legacy).
    PROFILE = 'legacy'

    def encode(self, args):
        encoder = self._i['get_module_encoder'](self.PROFILE, self._i['Direction'].CONTROLLER_TO_MODULE)
        return json.dumps({'ANSIBLE_MODULE_ARGS': args}, cls=encoder).encode('utf-8')

    def _global_names(self):
        return ('_ANSIBLE_ARGS', '_ANSIBLE_PROFILE', '_PARSED_MODULE_ARGS')

    def _set_arguments(self, basic, payload):
        basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE = payload, self.PROFILE

    def finish(self, action, res):
        data = action._parse_returned_data(res, self.PROFILE)
        data.pop('_ansible_suppress_tmpdir_delete', None)
        self._i['remove_internal_keys'](data)
        return data


class _TaskResultAdapter(_ProfileAdapter):
    """ansible-core 2.21: results are UnifiedTaskResult objects."""

    flavour = 'task_result'

    def finish(self, action, res):
        result = action._parse_returned_data(res, self.PROFILE)
        result.remove_internal_keys()
        return result.as_result_dict(for_round_trip=True)


def _common_internals():
    """The internals every flavour uses, checked for shape: {name: object}, or raise LookupError saying what is off."""
    from ansible.module_utils import basic  # pylint: disable=import-outside-toplevel
    from ansible.module_utils.common import warnings  # pylint: disable=import-outside-toplevel
    from ansible.plugins.action import ActionBase  # pylint: disable=import-outside-toplevel

    if not hasattr(basic, '_ANSIBLE_ARGS'):
        raise LookupError('ansible.module_utils.basic has no _ANSIBLE_ARGS')
    for name in ('_global_warnings', '_global_deprecations'):
        if not hasattr(getattr(warnings, name, None), 'clear'):
            raise LookupError('ansible.module_utils.common.warnings.%s is missing or not a collection' % name)
    expected = {
        '_update_module_args': ['self', 'module_name', 'module_args', 'task_vars'],
        '_compute_environment_string': ['self', 'raw_environment_out'],
    }
    for name, params in expected.items():
        if _parameters(getattr(ActionBase, name, None))[: len(params)] != params:
            raise LookupError('ActionBase.%s has not the signature %s' % (name, ', '.join(params[1:])))
    return {'basic': basic, 'warnings': warnings, 'ActionBase': ActionBase}


def _probe(minor):
    """(adapter, None) when the in-process path is proven and its internals are in shape here, else (None, why)."""
    if minor not in PROVEN_MINORS:
        newest = PROVEN_MINORS[-1]
        return None, 'ansible-core %s is not one the in-process path is proven on (%d.%d to %d.%d)' % (
            CORE_VERSION,
            PROVEN_MINORS[0][0],
            PROVEN_MINORS[0][1],
            newest[0],
            newest[1],
        )
    try:
        internals = _common_internals()
        parse_params = _parameters(internals['ActionBase']._parse_returned_data)
        if minor <= (2, 20):
            # 2.21 removed it: its task result object cleans itself.
            from ansible.vars.clean import remove_internal_keys  # pylint: disable=import-outside-toplevel

            internals['remove_internal_keys'] = remove_internal_keys
        if minor <= (2, 18):
            from ansible.module_utils.common.json import AnsibleJSONEncoder  # pylint: disable=import-outside-toplevel
            from ansible.utils.unsafe_proxy import wrap_var  # pylint: disable=import-outside-toplevel

            if parse_params != ['self', 'res']:
                raise LookupError('ActionBase._parse_returned_data has not the signature (res)')
            if 'vault_to_text' not in _parameters(AnsibleJSONEncoder.__init__):
                raise LookupError('AnsibleJSONEncoder takes no vault_to_text')
            internals.update(AnsibleJSONEncoder=AnsibleJSONEncoder, wrap_var=wrap_var)
            return _LegacyAdapter(internals), None
        from ansible.module_utils.common.json import Direction, get_module_encoder  # pylint: disable=import-outside-toplevel

        if parse_params != ['self', 'res', 'profile']:
            raise LookupError('ActionBase._parse_returned_data has not the signature (res, profile)')
        if not hasattr(Direction, 'CONTROLLER_TO_MODULE'):
            raise LookupError('ansible.module_utils.common.json.Direction has no CONTROLLER_TO_MODULE')
        internals.update(Direction=Direction, get_module_encoder=get_module_encoder)
        if minor <= (2, 20):
            return _ProfileAdapter(internals), None
        from ansible._internal._task import UnifiedTaskResult  # pylint: disable=import-outside-toplevel

        for method in ('remove_internal_keys', 'as_result_dict'):
            if not callable(getattr(UnifiedTaskResult, method, None)):
                raise LookupError('UnifiedTaskResult has no %s()' % method)
        return _TaskResultAdapter(internals), None
    except (ImportError, LookupError) as err:
        return None, 'an ansible-core internal it uses changed in %s: %s' % (CORE_VERSION, err)


ADAPTER, UNAVAILABLE = _probe(core_minor())
