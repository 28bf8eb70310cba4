# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The built-in groups of the falcon_hosts inventory, named as Ansible requires. Internal use only."""

import calendar
import re
import time

UNSAFE_GROUP_CHARS = re.compile(r'[^A-Za-z0-9_]+')
# Falcon's own tag namespaces (API behaviour 4.5: tags set through the API start FalconGroupingTags/).
TAG_PREFIXES = (('FalconGroupingTags/', 'tag_'), ('SensorGroupingTags/', 'sensor_tag_'))


def safe_group_name(text):
    """A group name Ansible accepts without warnings: lower case, [a-z0-9_] only, not starting with a digit."""
    name = UNSAFE_GROUP_CHARS.sub('_', str(text)).strip('_').lower()
    if not name or name[0].isdigit():
        name = '_' + name
    return name


def parse_time(text):
    """Epoch seconds of an RFC 3339 UTC time such as 2026-11-30T10:00:00Z (fractions allowed); None if unreadable."""
    if not isinstance(text, str) or len(text) < 19:
        return None
    try:
        return calendar.timegm(time.strptime(text[:19], '%Y-%m-%dT%H:%M:%S'))
    except ValueError:
        return None


def _tag_group(tag):
    """The group suffix of one tag."""
    for prefix, label in TAG_PREFIXES:
        if tag.startswith(prefix):
            return label + tag[len(prefix) :]
    return 'tag_' + tag


def builtin_groups(record, kinds, prefix, group_names=None, stale_before=None, duplicate=False, tenant=None):
    """The built-in group names (already sanitised) a device belongs to, for the enabled kinds."""
    out = []

    def add(suffix):
        """Add one group."""
        name = safe_group_name(prefix + suffix)
        if name not in out:
            out.append(name)

    if 'platform' in kinds and record.get('platform_name'):
        add('platform_%s' % record['platform_name'])
    if 'product_type' in kinds and record.get('product_type_desc'):
        add('product_type_%s' % record['product_type_desc'])
    if 'containment' in kinds and record.get('status'):
        add('containment_%s' % record['status'])
    if 'tags' in kinds:
        for tag in record.get('tags') or []:
            if isinstance(tag, str) and tag.strip():
                add(_tag_group(tag.strip()))
    if 'host_groups' in kinds and group_names:
        for group_id in record.get('groups') or []:
            if group_id in group_names:
                add('host_group_%s' % group_names[group_id])
    if 'reduced_functionality_mode' in kinds and str(record.get('reduced_functionality_mode') or '').lower() == 'yes':
        add('reduced_functionality_mode')
    if 'stale' in kinds and stale_before is not None:
        seen = parse_time(record.get('last_seen'))
        if seen is None or seen < stale_before:
            add('stale')
    if 'duplicates' in kinds and duplicate:
        add('duplicates')
    if 'tenant' in kinds and tenant:
        add('tenant_%s' % tenant)
    return out
