# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FalconModule: the thin layer between AnsibleModule and the core (common options, client, errors). Internal use only."""

import re

from ansible.module_utils.ansible_release import __version__ as _CORE_VERSION
from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.secops.falcon.plugins.module_utils._errors import (
    MIN_SECRET_LENGTH,
    FalconError,
    register_secret,
    scrub,
)
from ansible_collections.secops.falcon.plugins.module_utils._http import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    FalconClient,
)
from ansible_collections.secops.falcon.plugins.module_utils._options import (
    COMMON_ARGSPEC,
    ConnectionSettings,
    is_client_id,
)

# access_token and auth are two spellings of the same thing.
COMMON_MUTUALLY_EXCLUSIVE = [('access_token', 'auth')]


def _plain_values(data):
    """Yield the scalar values of nested data as text, the way Ansible collects no_log values."""
    if isinstance(data, dict):
        data = list(data.values())
    if isinstance(data, (list, tuple)):
        for item in data:
            yield from _plain_values(item)
    elif isinstance(data, (str, int, float)) and not isinstance(data, bool):
        yield str(data)


# ansible-core's message for a value of the wrong type. Before 2.19 it names the type, not the value given.
_UNCONVERTIBLE = re.compile(
    r"^argument '([A-Za-z0-9_]+)' is of type <class '[a-z]+'> and we were unable to convert to "
)


# ansible-core before 2.21 echoes a module's arguments in its result (invocation.module_args).
_ECHOES_ARGS = tuple(int(part) for part in re.findall(r'\d+', _CORE_VERSION)[:2]) < (2, 21)
# The password of a proxy URL (scheme://user:password@host): the part of the proxy option that is a secret.
_PROXY_PASSWORD = re.compile(r'^(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/@:]*:)(?P<password>[^/@]*)(?P<tail>@.*)$')


# What ansible-core shows in invocation for the value of a no_log option.
_NO_LOG_PLACEHOLDER = 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'


def masked_proxy(url):
    """url with the password of its user part masked; url itself when it carries none."""
    match = _PROXY_PASSWORD.match(url) if isinstance(url, str) else None
    if not match or not match.group('password'):
        return url
    return match.group('head') + '********' + match.group('tail')


class _ScrubbedAnsibleModule(AnsibleModule):
    """An AnsibleModule whose every warning is scrubbed of secrets, whoever calls warn()."""

    def warn(self, warning):
        super().warn(scrub(warning))

    def _with_masked_invocation(self, kwargs):
        """kwargs with an invocation whose proxy URL hides its password (the option itself is not no_log).

        A no_log option too short to be masked everywhere (FalconModule._unmask_short_values) is still hidden here.
        """
        params = getattr(self, 'params', None) or {}
        if not _ECHOES_ARGS or 'invocation' in kwargs:
            return kwargs
        shown = dict(params, proxy=masked_proxy(params.get('proxy')))
        spec = getattr(self, 'argument_spec', None) or {}
        for name, opts in spec.items():
            value = params.get(name)
            if opts.get('no_log') and isinstance(value, str) and len(value) < MIN_SECRET_LENGTH:
                shown[name] = _NO_LOG_PLACEHOLDER
        if shown != dict(params, proxy=params.get('proxy')):
            kwargs['invocation'] = {'module_args': shown}
        return kwargs

    def exit_json(self, **kwargs):
        super().exit_json(**self._with_masked_invocation(kwargs))

    def fail_json(self, msg, **kwargs):
        """fail_json; an unconvertible option's message gets the value given (never for a no_log option)."""
        match = _UNCONVERTIBLE.match(msg) if isinstance(msg, str) else None
        if match:
            name = match.group(1)
            spec = (getattr(self, 'argument_spec', None) or {}).get(name) or {}
            value = (getattr(self, 'params', None) or {}).get(name)
            if not spec.get('no_log') and isinstance(value, str) and repr(value) not in msg:
                msg = '%s (got %r)' % (msg, value)
        super().fail_json(msg=msg, **self._with_masked_invocation(kwargs))


class FalconModule:
    """An AnsibleModule with the common options merged in, a lazy FalconClient and FalconError -> fail_json."""

    def __init__(self, argument_spec, **ansible_module_kwargs):
        spec = dict(COMMON_ARGSPEC)
        spec.update(argument_spec or {})
        exclusive = list(ansible_module_kwargs.pop('mutually_exclusive', None) or []) + COMMON_MUTUALLY_EXCLUSIVE
        self.ansible = _ScrubbedAnsibleModule(argument_spec=spec, mutually_exclusive=exclusive, **ansible_module_kwargs)
        self._unmask_auth_metadata(spec)
        self._unmask_short_values()
        self._mask_malformed_client_id()
        # Ansible masks no_log values in results but not in warnings: the scrubber must know them before any warning.
        for value in self.ansible.no_log_values:
            register_secret(value)
        proxy = self.ansible.params.get('proxy')
        if masked_proxy(proxy) != proxy:
            # Errors of requests quote the proxy URL: its password is a secret like the client secret.
            register_secret(_PROXY_PASSWORD.match(proxy).group('password'))
        # Set by modules that must return a token (falcon_token): the token is then not masked in the result.
        self.returns_token = False
        self._client = None
        if not HAS_REQUESTS:
            self.ansible.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)

    def _unmask_auth_metadata(self, spec):
        """Keep only auth's token in the masked values.

        auth is no_log as a whole, so Ansible masks every value of a registered falcon_token result passed as auth
        (its cloud, base_url, 'bearer', expires_in ...) wherever it appears in this task's result; only the token is secret.
        """
        auth = self.ansible.params.get('auth')
        if not isinstance(auth, dict):
            return
        secrets = set(
            str(self.ansible.params.get(name))
            for name, opts in spec.items()
            if opts.get('no_log') and name != 'auth' and self.ansible.params.get(name) is not None
        )
        secrets.add(str(auth.get('access_token')))
        for value in _plain_values(dict((k, v) for k, v in auth.items() if k != 'access_token')):
            if value not in secrets:
                self.ansible.no_log_values.discard(value)

    def _unmask_short_values(self):
        """Drop values too short to be a secret from the masked values.

        Ansible masks every occurrence of a no_log value: for access_token=a every "a" of the message became
        ********. No Falcon secret or token is that short, so it hides nothing worth hiding.
        """
        short = [value for value in self.ansible.no_log_values if len(value) < MIN_SECRET_LENGTH]
        self.ansible.no_log_values.difference_update(short)

    def _mask_malformed_client_id(self):
        """Hide a client_id that is not one (most often the secret in the wrong field) wherever Ansible shows it."""
        client_id = self.ansible.params.get('client_id')
        if client_id and not is_client_id(client_id) and len(client_id) >= MIN_SECRET_LENGTH:
            self.ansible.no_log_values.add(client_id)
            register_secret(client_id)

    @property
    def params(self):
        """The validated module parameters."""
        return self.ansible.params

    @property
    def check_mode(self):
        """True in check mode."""
        return self.ansible.check_mode

    def settings(self):
        """The validated ConnectionSettings (FalconConfigError on bad values)."""
        return ConnectionSettings.from_options(self.params)

    def client(self, settings=None):
        """The FalconClient for this task (built on first use, from settings or the module's options)."""
        if self._client is None:
            self._client = FalconClient(settings or self.settings(), warn=self.warn)
        return self._client

    def warn(self, msg):
        """Show a warning with the task result (scrubbed, as every warning of the module is)."""
        self.ansible.warn(msg)

    def _flush(self):
        """Mask the client's token everywhere in the result unless this module returns it."""
        if self._client is None:
            return
        token = self._client.token_value
        if token is not None and not self.returns_token and len(token) >= MIN_SECRET_LENGTH:
            self.ansible.no_log_values.add(token)

    def exit(self, **result):
        """exit_json with the client's warnings added."""
        self._flush()
        result.setdefault('changed', False)
        self.ansible.exit_json(**result)

    def fail(self, msg, **result):
        """fail_json with a scrubbed message."""
        self._flush()
        self.ansible.fail_json(msg=scrub(msg), **result)

    def fail_from(self, err, **partial_result):
        """fail_json from a FalconError: msg, status, trace_id and the API's errors as api_errors."""
        partial_result.setdefault('status', err.status)
        partial_result.setdefault('trace_id', err.trace_id)
        partial_result.setdefault('api_errors', err.errors)
        self.fail(str(err), **partial_result)

    def run(self, func):
        """Call func(self); a FalconError becomes fail_json (never a traceback for a known failure)."""
        try:
            func(self)
        except FalconError as err:
            self.fail_from(err)
