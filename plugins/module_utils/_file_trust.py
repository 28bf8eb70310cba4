# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a file or directory others could have written may be trusted: the one check. Internal use only.

The token cache, the EDA source's state file and the inventory cache each decide something (a token, a watermark,
the address a play connects to) from a file on disk, so each only uses one that the user running it owns and that
nobody else may change.
"""

import os
import stat

# Mode bits that let group or others write: enough to refuse a directory or a file we only need to trust.
OTHERS_WRITE = 0o022
# Mode bits that let group or others read or write: refused for a file whose content is private (we write 0600).
OTHERS_ANY = 0o077


def untrusted_reason(info, what, path, runner, forbidden=OTHERS_WRITE):
    """Why the file or directory (info: its os.stat or os.lstat) may not be trusted; None when it may.

    what names it ('token_cache_dir', 'the cache entry' ...), runner who uses it ('this task', 'the source' ...).
    """
    uid = os.geteuid()
    if info.st_uid != uid:
        return '%s %s is owned by uid %d, not by uid %d that runs %s' % (what, path, info.st_uid, uid, runner)
    if info.st_mode & forbidden:
        opened = 'writable by' if forbidden == OTHERS_WRITE else 'open to'
        return '%s %s is %s group or others (mode %04o)' % (what, path, opened, stat.S_IMODE(info.st_mode))
    return None
