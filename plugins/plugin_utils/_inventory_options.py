# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of the falcon_hosts inventory's own options, its FQL and its cache key. Internal use only."""

import hashlib
import hmac
import json
import re
import time

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconConfigError

DURATION_RE = re.compile(r'^\s*(\d+)\s*([smhdw])\s*$')
DURATION_UNITS = {'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 7 * 86400}
CID_RE = re.compile(r'^[0-9a-f]{32}$')
# Console form of a CID: upper or lower case, with a -XX checksum suffix (API behaviour 9.6).
CONSOLE_CID_RE = re.compile(r'^([0-9a-fA-F]{32})(-[0-9A-Za-z]{2})?$')
PREFIX_RE = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
FIELD_RE = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$')
# safe (the default) keeps colliding names apart unless a stale record is being replaced (_inventory_names).
DUPLICATES_CHOICES = ('safe', 'newest', 'suffix', 'fail')
BUILTIN_GROUPS = (
    'platform',
    'product_type',
    'containment',
    'tags',
    'host_groups',
    'reduced_functionality_mode',
    'stale',
    'duplicates',
    'tenant',
)
ALL_CHILDREN = 'all'
# Bumped when the cached answer's shape changes, so an old entry is never read as a new one.
CACHE_FORMAT = 1


def duration_seconds(name, value):
    """Return a duration such as 7d, 12h, 30m, 2w or 90s in seconds; FalconConfigError names the value."""
    match = DURATION_RE.match(str(value)) if value is not None else None
    if not match or int(match.group(1)) <= 0:
        raise FalconConfigError(
            '%s must be a positive duration such as 90s, 30m, 12h, 7d or 2w, got %r.' % (name, value)
        )
    return int(match.group(1)) * DURATION_UNITS[match.group(2)]


def last_seen_fql(seconds, now=None):
    """FQL selecting hosts seen in the last `seconds` (an absolute UTC time: every FQL time form accepts it)."""
    since = (time.time() if now is None else now) - seconds
    return "last_seen:>='%s'" % time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(since))


def combine_fql(*parts):
    """AND the non-empty FQL parts (each in parentheses, so a user's ',' OR stays inside its own part)."""
    parts = [p.strip() for p in parts if p and p.strip()]
    if len(parts) <= 1:
        return parts[0] if parts else None
    return '+'.join('(%s)' % p for p in parts)


def normalise_cid(value, what='member_cids'):
    """Return a member CID as the bare lower-case 32 hex the API takes; accepts the console form (CID-XX)."""
    text = str(value).strip() if value is not None else ''
    match = CONSOLE_CID_RE.match(text)
    if not match:
        raise FalconConfigError(
            '%s entry %r is not a CID: use the 32 hexadecimal characters of the member CID (the '
            'console form with a -XX suffix is accepted).' % (what, value)
        )
    return match.group(1).lower()


def member_cids_option(value):
    """None (no MSSP fan-out), 'all', or a de-duplicated list of bare CIDs; FalconConfigError otherwise."""
    if value in (None, '', []):
        return None
    if isinstance(value, str):
        if value.strip().lower() == ALL_CHILDREN:
            return ALL_CHILDREN
        value = [v for v in value.split(',') if v.strip()]
    if not isinstance(value, (list, tuple)):
        raise FalconConfigError('member_cids must be a list of member CIDs or the word all, got %r.' % (value,))
    out = []
    for item in value:
        cid = normalise_cid(item)
        if cid not in out:
            out.append(cid)
    return out


def prefix_option(name, value):
    """A variable or group name prefix: letters, digits and _, not starting with a digit, never empty."""
    text = '' if value is None else str(value)
    if not PREFIX_RE.match(text):
        raise FalconConfigError(
            '%s must be a non-empty prefix of letters, digits and _ that does not start with a digit '
            '(it keeps the API\'s field names such as tags and groups away from Ansible\'s reserved '
            'names), got %r.' % (name, value)
        )
    return text


def choice_option(name, value, choices):
    """value if it is one of choices; FalconConfigError lists them."""
    if value not in choices:
        raise FalconConfigError('%s must be one of %s, got %r.' % (name, ', '.join(choices), value))
    return value


def builtin_groups_option(value):
    """The list of built-in group kinds to create (subset of BUILTIN_GROUPS)."""
    if value is None:
        return list(BUILTIN_GROUPS)
    if isinstance(value, str):
        value = [v.strip() for v in value.split(',') if v.strip()]
    bad = [v for v in value if v not in BUILTIN_GROUPS]
    if bad:
        raise FalconConfigError(
            'builtin_groups: unknown group kind %s; allowed: %s (or [] for none).'
            % (', '.join(repr(b) for b in bad), ', '.join(BUILTIN_GROUPS))
        )
    return list(value)


def fields_option(value, default):
    """None for all fields, else the list of API field names to keep as host variables."""
    if value is None:
        return list(default)
    if isinstance(value, str):
        value = [v.strip() for v in value.split(',') if v.strip()]
    if [str(v).lower() for v in value] == [ALL_CHILDREN]:
        return None
    bad = [v for v in value if not isinstance(v, str) or not FIELD_RE.match(v)]
    if bad or not value:
        raise FalconConfigError(
            'fields must be a list of API field names (for example hostname, platform_name) or all, '
            'got %r.' % (bad or value,)
        )
    return list(value)


def cache_key(settings, material):
    """The inventory cache key: an HMAC keyed by the client secret (or token) over everything that shapes the answer.

    Only a caller holding the same secret finds the entry (as in the token cache); neither the secret nor a token is
    ever part of the key or of the cached value.
    """
    secret = settings.client_secret or settings.access_token or ''
    data = dict(
        material,
        format=CACHE_FORMAT,
        base_url=settings.base_url,
        cloud=settings.cloud,
        client_id=settings.client_id,
        member_cid=settings.member_cid,
    )
    digest = hmac.new(
        secret.encode('utf-8'), json.dumps(data, sort_keys=True, default=str).encode('utf-8'), hashlib.sha256
    ).hexdigest()
    return 'secops.falcon.falcon_hosts_%s' % digest
