# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of falcon_token: hide a result that carries a token from display, keep it in the registered value."""

from ansible_collections.secops.falcon.plugins.plugin_utils._in_process import FalconActionBase


class ActionModule(FalconActionBase):
    """Run falcon_token (in-process on the controller), then mark a result holding access_token as no_log.

    ansible-core strips _ansible_no_log from a module's own return (2.19+, with a warning), but honours a censored
    action result (FalconActionBase.censor): the callback then prints "the output has been hidden" at every verbosity,
    loop items included, while register still stores the whole result. Results without a token (failures,
    state=absent) stay visible, so errors show.
    """

    MODULE = 'secops.falcon.falcon_token'
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        if result.get('access_token'):
            self.censor(result)
        return result
