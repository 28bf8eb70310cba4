# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of falcon_sensor_build_info: run it in the worker process when the task runs on the controller."""

from ansible_collections.secops.falcon.plugins.plugin_utils._in_process import FalconActionBase


class ActionModule(FalconActionBase):
    """falcon_sensor_build_info, in-process on the controller, as a module elsewhere."""

    MODULE = 'secops.falcon.falcon_sensor_build_info'
