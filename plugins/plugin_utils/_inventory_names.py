# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inventory host names for Falcon devices: the preference list, and what to do when names collide. Internal use only."""

import collections

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconConfigError
from ansible_collections.secops.falcon.plugins.plugin_utils._inventory_groups import parse_time

# The default duplicates policy: a name is never handed to another device without proof it is the same machine.
SAFE = 'safe'
# Separates a contested name from the device id prefix of a device that may not take it. Not valid in a DNS name,
# so a play that targets the suffixed host cannot resolve it to some machine by accident.
COLLISION_MARK = '~'
COLLISION_ID_CHARS = 8
# Both must be present and equal for a newer device to take over the name of a stale one (a re-imaged machine).
IDENTITY_FIELDS = ('platform_name', 'serial_number')


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

    def __init__(self, name, record, duplicate=False, skipped=(), held_by=None):
        self.name = name
        self.record = record
        self.duplicate = duplicate
        # Device id of the device that holds the contested name this one was kept apart from (duplicates: safe):
        # such a host gets no ansible_host, so nothing connects to it by a name it may not have.
        self.held_by = held_by
        # Device ids of older devices with the same hostname that the inventory left out (duplicates: newest).
        self.skipped = list(skipped)


def assign_names(records, preferences, render, duplicates=SAFE, tenant_of=None, stale_before=None):
    """Return ([NamedDevice], [warning]) with one unique name per kept device.

    Devices named by the first preference that share a name (case-insensitive) are the same machine seen twice
    (re-imaged) or an impostor: `duplicates` decides (safe, the default: the device first seen keeps the name unless
    it is stale, by stale_before, and a later one agrees with it on platform and serial number; the others are kept
    apart as name~<device id prefix>; newest by last_seen keeps the name; suffix keeps all, the older ones as
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
    taken = set(name for _tenant, name in by_name)
    for entries in by_name.values():
        if len(entries) == 1:
            named.append(NamedDevice(entries[0][0], entries[0][2]))
            continue
        primary = sorted((e for e in entries if e[1] == 0), key=lambda e: _last_seen(e[2]), reverse=True)
        fallback = [e for e in entries if e[1] != 0]
        if len(primary) > 1 and duplicates == SAFE:
            named.extend(_kept_apart(primary, stale_before, taken, warnings))
        elif len(primary) > 1:
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


def _first_seen_order(entry):
    """Sort key: the device enrolled first comes first (a device without first_seen last), then by device id."""
    first_seen = entry[2].get('first_seen')
    return (not first_seen, str(first_seen or ''), str(entry[2].get('device_id')))


def _is_stale(record, stale_before):
    """True when the device was not seen since stale_before (or its last_seen is unreadable)."""
    if stale_before is None:
        return False
    seen = parse_time(record.get('last_seen'))
    return seen is None or seen < stale_before


def same_machine(old, new):
    """True when both records give the same non-empty platform and serial number (an absent field never agrees)."""
    for field in IDENTITY_FIELDS:
        left, right = _text(old.get(field)), _text(new.get(field))
        if not left or left != right:
            return False
    return True


def _text(value):
    """A field's text without surrounding blanks; '' for anything that is not text."""
    return value.strip() if isinstance(value, str) else ''


def _successor(holder, others, stale_before):
    """The entry that may take over the holder's name: the device seen last of those that are the same machine,
    and only once the holder is stale. None otherwise."""
    if not _is_stale(holder[2], stale_before):
        return None
    heirs = [e for e in others if same_machine(holder[2], e[2])]
    return max(heirs, key=lambda e: _last_seen(e[2])) if heirs else None


def collision_name(name, device_id, taken):
    """name~<first 8 characters of the device id>, or the whole id should that name be in use already."""
    short = '%s%s%s' % (name, COLLISION_MARK, device_id[:COLLISION_ID_CHARS])
    if short.lower() not in taken:
        return short
    return '%s%s%s' % (name, COLLISION_MARK, device_id)


def _kept_apart(entries, stale_before, taken, warnings):
    """duplicates: safe. The device first seen holds the name; a stale holder passes it to the same machine
    (platform and serial number agree); every other device is kept apart, suffixed, without ansible_host."""
    ordered = sorted(entries, key=_first_seen_order)
    holder, others, replaced = ordered[0], ordered[1:], []
    successor = _successor(holder, others, stale_before)
    while successor is not None:
        replaced.append(holder[2]['device_id'])
        others.remove(successor)
        holder = successor
        successor = _successor(holder, others, stale_before)
    name, record = holder[0], holder[2]
    out = [NamedDevice(name, record, duplicate=True, skipped=replaced)]
    apart = []
    for reported, _index, other in others:
        suffixed = collision_name(reported, other['device_id'], taken)
        taken.add(suffixed.lower())
        apart.append(suffixed)
        out.append(NamedDevice(suffixed, other, duplicate=True, held_by=record['device_id']))
    if replaced:
        warnings.append(
            '%s: device id %s replaced the stale %s (same platform and serial number): it holds the name.'
            % (name, record['device_id'], ', '.join(replaced))
        )
    if apart:
        warnings.append(
            '%d devices share the hostname %s: device id %s (first seen %s) keeps the name and its ansible_host; '
            'the others are kept apart without ansible_host as %s, since they are not proven to be the same machine '
            '(it must be stale for stale_after, with the same platform and serial number).'
            % (len(entries), name, record['device_id'], record.get('first_seen'), ', '.join(apart))
        )
    return out
