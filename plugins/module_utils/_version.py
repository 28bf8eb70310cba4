# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection version, sent in the User-Agent. Internal use only; keep equal to galaxy.yml (a unit test checks)."""

COLLECTION_VERSION = '0.1.0'
USER_AGENT = 'secops-falcon/%s' % COLLECTION_VERSION
