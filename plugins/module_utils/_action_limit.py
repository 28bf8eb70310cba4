# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet-wide cap of the falcon_alerts event source: at most N hosts acted on per window. Internal use only.

One compromised admin, a detection rule gone wrong or a wave of false positives can raise critical alerts on
hundreds of hosts within minutes; a rulebook that contains the host of each would isolate the fleet. The source is
the one place every event of an activation passes through, in order, so it keeps the count: the first `limit`
distinct hosts of a window are admitted (`summary.within_action_limit: true`), later alerts of an admitted host too,
and every other host's events are sent with `within_action_limit: false`, which the shipped rulebooks answer with a
warning and no action. The admitted hosts are saved in the state file, so a restart (or a crash loop) does not
reset the count.
"""

import time

LIMIT_RANGE = (0, 10000)
WINDOW_RANGE = (60, 604800)
DEFAULT_LIMIT = 5
DEFAULT_WINDOW = 3600


class ActionLimit:
    """The cap: `limit` hosts per window of `window` seconds, sliding with the clock.

    It works on a mapping device id -> epoch seconds the host was admitted (the state file keeps it), changed in place.
    """

    def __init__(self, limit, window):
        self.limit = limit
        self.window = window

    def _forget_old(self, admitted, now):
        for host in [h for h, at in admitted.items() if at <= now - self.window]:
            del admitted[host]

    def admit(self, admitted, device_id, now):
        """True when device_id may be acted on: admitted already in the window, or a place is left (then taken)."""
        self._forget_old(admitted, now)
        if device_id in admitted:
            return True
        if len(admitted) >= self.limit:
            return False
        admitted[device_id] = now
        return True

    def in_use(self, admitted, now):
        """How many hosts the window holds now."""
        self._forget_old(admitted, now)
        return len(admitted)


def admitted_from_state(value, now=None):
    """The admitted hosts of a state file's value (device id -> epoch seconds); malformed entries are dropped.

    A time after now (a clock set back, an edit) counts as now, so no place is held for longer than one window.
    """
    now = time.time() if now is None else now
    if not isinstance(value, dict):
        return {}
    out = {}
    for host, at in value.items():
        if isinstance(host, str) and isinstance(at, (int, float)) and not isinstance(at, bool):
            out[host] = min(float(at), now)
    return out
