# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inventory host names for Falcon devices: the preference list, and what to do when names collide. Internal use only."""

import collections

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconConfigError


def field_value(record, path):
    """The value of a (dotted) field of a device record, or None."""
    value = record
    for part in path.split('.'):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def first_name(record, preferences, render):
    """(name, index of the preference that gave it); the device id when no preference gives a usable name.

    render(entry, record) evaluates a template entry; plain entries are field names. A device without a usable name
    is named by its device id, which is unique, so it never merges with another device.
    """
    for index, entry in enumerate(preferences):
        value = render(entry, record) if '{{' in entry or '{%' in entry else field_value(record, entry)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and value.strip():
            return value.strip(), index
    return str(record['device_id']), len(preferences)


def _last_seen(record):
    """Sort key: last_seen (RFC 3339 text sorts in time order), then device id for a stable order."""
    return (str(record.get('last_seen') or ''), str(record.get('device_id')))


class NamedDevice:
    """One device with its inventory name and whether it shares its name with others (re-imaged machine)."""

    def __init__(self, name, record, duplicate=False, skipped=()):
        self.name = name
        self.record = record
        self.duplicate = duplicate
        # Device ids of older devices with the same hostname that the inventory left out (duplicates: newest).
        self.skipped = list(skipped)


def assign_names(records, preferences, render, duplicates='newest', tenant_of=None):
    """Return ([NamedDevice], [warning]) with one unique name per kept device.

    Devices named by the first preference that share a name (case-insensitive) are the same machine seen twice
    (re-imaged): `duplicates` decides (newest by last_seen keeps the name; suffix keeps all, the older ones as
    name_<device id>; fail raises). A collision on a fallback name (an address shared behind NAT) is never a
    duplicate machine: those devices always keep their own entry, as name_<device id>. tenant_of(record) gives the
    MSSP member CID: the same name in two tenants is two machines, named name_<member CID> each.
    """
    tenant_of = tenant_of or (lambda record: None)
    by_name = collections.OrderedDict()
    for record in records:
        name, index = first_name(record, preferences, render)
        by_name.setdefault((tenant_of(record), name.lower()), []).append((name, index, record))
    named = []
    warnings = []
    for entries in by_name.values():
        if len(entries) == 1:
            named.append(NamedDevice(entries[0][0], entries[0][2]))
            continue
        primary = sorted((e for e in entries if e[1] == 0), key=lambda e: _last_seen(e[2]), reverse=True)
        fallback = [e for e in entries if e[1] != 0]
        if len(primary) > 1:
            named.extend(_duplicates(primary, duplicates, warnings))
        elif primary:
            named.append(NamedDevice(primary[0][0], primary[0][2]))
        for name, _index, record in fallback:
            if len(fallback) > 1 or primary:
                named.append(NamedDevice('%s_%s' % (name, record['device_id']), record))
            else:
                named.append(NamedDevice(name, record))
        if fallback and (len(fallback) > 1 or primary):
            warnings.append(
                '%d devices share the name %s through a fallback of hostnames (for example one NAT address): '
                'each is kept as %s_<device_id>.' % (len(fallback), fallback[0][0], fallback[0][0])
            )
    return _across_tenants(named, tenant_of, warnings), warnings


def _across_tenants(named, tenant_of, warnings):
    """Qualify names that several tenants use (host-00001 in two child CIDs) with the member CID."""
    tenants_by_name = collections.defaultdict(set)
    for device in named:
        tenants_by_name[device.name.lower()].add(tenant_of(device.record))
    shared = [n for n, tenants in tenants_by_name.items() if len(tenants) > 1]
    if not shared:
        return named
    for device in named:
        if device.name.lower() in tenants_by_name and len(tenants_by_name[device.name.lower()]) > 1:
            device.name = '%s_%s' % (device.name, tenant_of(device.record))
    warnings.append(
        '%d host names are used in more than one member CID (for example %s): each is kept as '
        '<name>_<member CID>.' % (len(shared), sorted(shared)[0])
    )
    return named


def _duplicates(entries, policy, warnings):
    """Resolve devices that share a hostname (newest first) by the duplicates policy."""
    name = entries[0][0]
    ids = [e[2]['device_id'] for e in entries]
    if policy == 'fail':
        raise FalconConfigError(
            '%d devices share the hostname %s (device ids %s): set duplicates to newest or suffix, '
            'or hide the stale sensors in Falcon.' % (len(entries), name, ', '.join(ids))
        )
    newest = entries[0][2]
    if policy == 'suffix':
        warnings.append(
            '%d devices share the hostname %s (re-imaged machines?): the newest (device id %s) keeps the name, '
            'the others are %s.' % (len(entries), name, ids[0], ', '.join('%s_%s' % (name, i) for i in ids[1:]))
        )
        out = [NamedDevice(name, newest, duplicate=True)]
        out.extend(NamedDevice('%s_%s' % (name, e[2]['device_id']), e[2], duplicate=True) for e in entries[1:])
        return out
    warnings.append(
        '%d devices share the hostname %s (re-imaged machines?): kept the one seen last (device id %s, last '
        'seen %s), left out %s.' % (len(entries), name, ids[0], newest.get('last_seen'), ', '.join(ids[1:]))
    )
    return [NamedDevice(name, newest, duplicate=True, skipped=ids[1:])]
