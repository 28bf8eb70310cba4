# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FalconLookupBase: lookups read the common options and use the same core as modules. Internal use only."""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconError, scrub
from ansible_collections.secops.falcon.plugins.module_utils._http import FalconClient
from ansible_collections.secops.falcon.plugins.module_utils._options import COMMON_OPTION_NAMES, ConnectionSettings
from ansible_collections.secops.falcon.plugins.plugin_utils._core_compat import refusal_below_floor

display = Display()


class FalconLookupBase(LookupBase):
    """A lookup with the common connection options (secops.falcon.common.plugins) and FalconError -> AnsibleLookupError."""

    def connection_options(self):
        """The common option values (direct, variables, environment, ansible.cfg, in Ansible's precedence)."""
        return dict((name, self.get_option(name)) for name in COMMON_OPTION_NAMES)

    def settings(self, options=None):
        """The validated ConnectionSettings of options (default: this lookup's); FalconConfigError on bad values."""
        return ConnectionSettings.from_options(self.connection_options() if options is None else options)

    def client(self, settings=None):
        """A FalconClient for these options; its warnings are displayed on the controller as they happen."""
        return FalconClient(settings or self.settings(), warn=self.warn)

    @staticmethod
    def warn(msg):
        """Display a warning on the controller, scrubbed of secrets."""
        display.warning(scrub(msg))

    def falcon_run(self, func, *args, **kwargs):
        """Call func; a FalconError becomes an AnsibleLookupError with the same (scrubbed) text.

        Below the supported ansible-core nothing is called: the lookup fails saying which core is needed.
        """
        refusal = refusal_below_floor()
        if refusal is not None:
            raise AnsibleLookupError(refusal)
        try:
            return func(*args, **kwargs)
        except FalconError as err:
            raise AnsibleLookupError(str(err)) from None
