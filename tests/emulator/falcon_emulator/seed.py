"""Deterministic tenant data from (seed, CID): host groups, endpoint policies and hosts.

Hostnames follow `host-NNNNN` (1-based, 5 digits: host-00001 .. host-<N>) in every CID, with two twists taken from
real tenants (API behaviour 9.2): Windows hostnames are upper case (HOST-00003), and hosts 10, 20 and 30 are named
host-0001, host-0002 and host-0003 (upper case when Windows), each a prefix of nine other names
(host-0001 of host-00011 .. host-00019), so a prefix filter selects more than the name it was written for.
"""

import random

from . import installer_catalog
from .devices import AGENT_VERSIONS, HARDWARE, OS_CHOICES, PLATFORMS, Host

EPOCH_2023 = 1672531200  # policies and groups get fixed creation dates from here on
FAMILIES = ('prevention', 'sensor-update', 'device-control', 'firewall', 'response')
# Index of each family's policy in Host.policies (see devices.POLICY_SLOTS).
FAMILY_SLOT = {'prevention': 0, 'sensor-update': 1, 'device-control': 2, 'firewall': 3, 'response': 4}
# Prevention also has Android and iOS platform_default policies (J1 HAR, API behaviour 9.3); hosts are never mobile.
FAMILY_PLATFORMS = {'device-control': ('Windows', 'Mac'), 'prevention': PLATFORMS + ('Android', 'iOS')}
PREFIX_HOSTS = {10: 'host-0001', 20: 'host-0002', 30: 'host-0003'}
GROUPS = (
    ('Production Servers', 'dynamic', "product_type_desc:['Server','Domain Controller']"),
    ('Workstations', 'dynamic', "product_type_desc:'Workstation'"),
    ('Finance', 'static', None),
    ('Canary', 'staticByID', None),
)
# Named (non-default) policies per family: (name, platform, group names, enabled), in precedence order.
NAMED_POLICIES = {
    'prevention': (
        ('Servers - Aggressive', 'Windows', ('Production Servers',), True),
        ('Finance workstations - Moderate', 'Windows', ('Finance',), True),
        ('Canary - Detect only', 'Windows', ('Canary',), False),
        ('Mac - Standard', 'Mac', ('Workstations',), True),
        ('Linux - Servers', 'Linux', ('Production Servers',), True),
    ),
    'sensor-update': (
        ('Canary - Auto latest', 'Windows', ('Canary',), True),
        ('Production - N-1', 'Windows', ('Production Servers',), True),
        ('Linux - N-2', 'Linux', ('Production Servers',), True),
    ),
    'device-control': (
        ('Block USB storage', 'Windows', ('Finance',), True),
        ('Mac - Read-only USB', 'Mac', ('Finance',), True),
    ),
    'firewall': (
        ('Server lockdown', 'Windows', ('Production Servers',), True),
        ('Workstation baseline', 'Windows', ('Workstations',), False),
    ),
    'response': (
        ('Incident responders', 'Windows', ('Production Servers',), True),
        ('Linux responders', 'Linux', ('Production Servers',), True),
    ),
}
ADMINS = ('jane.doe@example.com', 'sec-automation@example.com', 'omar.haddad@example.com')
PREVENTION_CATEGORIES = (
    (
        'Cloud Machine Learning',
        (('CloudAntiMalware', 'Cloud Anti-malware', 'mlslider'), ('AdwarePUP', 'Adware & PUP', 'mlslider')),
    ),
    ('Sensor Machine Learning', (('OnSensorMLSlider', 'Sensor Anti-malware', 'mlslider'),)),
    # Detection-only sliders carry a value with only `detection` (terraform-provider-crowdstrike, API behaviour 9.3).
    (
        'Behavior-Based Prevention',
        (
            ('ExtendedUserModeDataSlider', 'Extended User Mode Data', 'detection_slider'),
            ('CloudBasedAnomalousProcessExecution', 'Cloud-based Anomalous Process Execution', 'detection_slider'),
        ),
    ),
    (
        'Execution Blocking',
        (
            ('CustomBlacklisting', 'Custom Blocking', 'toggle'),
            ('PreventSuspiciousProcesses', 'Suspicious Processes', 'toggle'),
            ('SuspiciousScriptsAndCommands', 'Suspicious Scripts and Commands', 'toggle'),
        ),
    ),
    (
        'Exploit Mitigation',
        (
            ('ForceASLR', 'Force ASLR', 'toggle'),
            ('ForceDEP', 'Force DEP', 'toggle'),
            ('HeapSprayPreallocation', 'Heap Spray Preallocation', 'toggle'),
        ),
    ),
    (
        'Ransomware',
        (
            ('BackupDeletion', 'Backup Deletion', 'toggle'),
            ('Cryptowall', 'Cryptowall', 'toggle'),
            ('FileEncryption', 'File Encryption', 'toggle'),
        ),
    ),
    (
        'Sensor Capabilities',
        (
            ('DetectOnWrite', 'Detect on Write', 'toggle'),
            ('QuarantineOnWrite', 'Quarantine on Write', 'toggle'),
            ('NextGenAV', 'Quarantine & Security Center Registration', 'toggle'),
        ),
    ),
)
RESPONSE_CATEGORIES = (
    (
        'Real Time Functionality',
        (
            ('RealTimeFunctionality', 'Real Time Response', 'toggle'),
            ('CustomScripts', 'Custom Scripts', 'toggle'),
            ('GetCommand', 'get', 'toggle'),
            ('PutCommand', 'put', 'toggle'),
            ('ExecCommand', 'exec', 'toggle'),
        ),
    ),
)
ML_LEVELS = ('DISABLED', 'CAUTIOUS', 'MODERATE', 'AGGRESSIVE', 'EXTRA_AGGRESSIVE')
USB_CLASSES = ('ANY', 'AUDIO_VIDEO', 'IMAGING', 'MASS_STORAGE', 'MOBILE', 'PRINTER', 'WIRELESS')
SITES = ('HQ', 'Berlin', 'Singapore', 'AWS-us-east-1')


def hex_id(rng):
    """A 32-character lowercase hex id (policy ids, AIDs, group ids)."""
    return '%032x' % rng.getrandbits(128)


def _iso(epoch):
    """RFC 3339 with fractional seconds, as policy timestamps are shown."""
    from .devices import iso  # pylint: disable=import-outside-toplevel

    return iso(epoch)[:-1] + '.%06dZ' % (epoch % 997 * 1000)


def make_groups(rng, cid):
    """Host groups (host_groups.HostGroupV1) of one CID."""
    out = []
    for index, (name, kind, rule) in enumerate(GROUPS):
        created = EPOCH_2023 + index * 86400 * 9 + rng.randrange(86400)
        group = {
            'id': hex_id(rng),
            'name': name,
            'description': '%s (managed by the security team)' % name,
            'group_type': kind,
            'created_by': ADMINS[index % len(ADMINS)],
            'created_timestamp': _iso(created),
            'modified_by': ADMINS[(index + 1) % len(ADMINS)],
            'modified_timestamp': _iso(created + 86400 * 30),
        }
        if rule:
            group['assignment_rule'] = rule
        out.append(group)
    del cid
    return out


def _prevention_settings(rng, level):
    """prevention_settings categories; level 1..4 picks the ML slider strength."""
    out = []
    for category, settings in PREVENTION_CATEGORIES:
        items = []
        for setting_id, name, kind in settings:
            if kind == 'mlslider':
                value = {'detection': ML_LEVELS[min(level + 1, 4)], 'prevention': ML_LEVELS[level]}
            elif kind == 'detection_slider':
                kind, value = 'mlslider', {'detection': ML_LEVELS[min(level + 1, 4)]}
            else:
                value = {'enabled': level >= 2 or rng.random() < 0.5}
            items.append(
                {'id': setting_id, 'name': name, 'type': kind, 'value': value, 'description': 'Controls %s.' % name}
            )
        out.append({'name': category, 'settings': items})
    return out


def _response_settings(enabled):
    """remote_response settings categories."""
    return [
        {
            'name': category,
            'settings': [
                {
                    'id': sid,
                    'name': name,
                    'type': kind,
                    'value': {'enabled': enabled or sid == 'RealTimeFunctionality'},
                    'description': 'Allows %s.' % name,
                }
                for sid, name, kind in settings
            ],
        }
        for category, settings in RESPONSE_CATEGORIES
    ]


def _sensor_settings(platform, offset):
    """sensor_update.SettingsRespV2 for a build offset (0 = latest, 1 = n-1, ...)."""
    # The builds of the installer catalog (newest first), so a policy's pinned build has its installers.
    minor, build, _released = installer_catalog.VERSIONS[platform.lower()][-1 - offset]
    build_number = str(build)
    tag = 'n' if offset == 0 else 'n-%d' % offset
    sensor_version = '%s.%s' % (minor, build_number)
    return {
        'build': '%s|%s|tagged|%d' % (build_number, tag, 1 + offset),
        'sensor_version': sensor_version,
        'stage': 'prod',
        'uninstall_protection': 'ENABLED',
        'show_early_adopter_builds': False,
        'scheduler': {'enabled': False, 'timezone': 'Etc/UTC', 'schedules': []},
        'variants': [{'build': build_number, 'platform': platform, 'sensor_version': sensor_version, 'stage': 'prod'}],
    }


def _device_control_settings(rng, block):
    """device_control.SettingsRespV1."""
    classes = []
    for usb_class in USB_CLASSES:
        action = 'FULL_ACCESS'
        exceptions = []
        if usb_class == 'MASS_STORAGE' and block:
            action = block
            exceptions.append(
                {
                    'id': hex_id(rng),
                    'class': 'MASS_STORAGE',
                    'vendor_id': '0951',
                    'vendor_id_decimal': '2385',
                    'vendor_name': 'Kingston Technology',
                    'product_id': '1666',
                    'product_id_decimal': '5734',
                    'product_name': 'DataTraveler 100 G3',
                    'serial_number': 'E0D55EA573DCF450E97F0F3A',
                    'action': 'FULL_ACCESS',
                    'match_method': 'VID_PID_SERIAL',
                    'description': 'Encrypted backup stick',
                }
            )
        classes.append({'id': usb_class, 'action': action, 'exceptions': exceptions})
    return {
        'enforcement_mode': 'MONITOR_ENFORCE' if block else 'MONITOR_ONLY',
        'end_user_notification': 'NOTIFY_USER' if block else 'SILENT',
        'enhanced_file_metadata': bool(block),
        'classes': classes,
        'custom_notifications': {
            'blocked_notification': {
                'use_custom': bool(block),
                'custom_message': 'USB storage is blocked by policy.' if block else '',
            },
            'restricted_notification': {'use_custom': False, 'custom_message': ''},
        },
    }


def _family_fields(rng, family, platform, index, enabled, name):
    """The family-specific part of a policy record."""
    if family == 'prevention':
        level = 3 if 'Aggressive' in name else (1 if 'Detect' in name else 2)
        return {'prevention_settings': _prevention_settings(rng, level), 'ioa_rule_groups': []}
    if family == 'sensor-update':
        offset = 0 if 'latest' in name else (2 if 'N-2' in name else 1)
        return {'settings': _sensor_settings(platform, offset)}
    if family == 'device-control':
        block = 'FULL_BLOCK' if 'Block' in name else ('READ_ONLY' if 'Read-only' in name else None)
        return {'settings': _device_control_settings(rng, block)}
    if family == 'firewall':
        return {'channel_version': 40 + index, 'rule_set_id': ''}
    return {'settings': _response_settings(enabled and name != 'platform_default')}


def make_policies(rng, cid, groups):
    """Policies of every family: {family: [policy dict in precedence order]} (defaults last, as in the console)."""
    by_name = {g['name']: g for g in groups}
    out = {}
    for family in FAMILIES:
        platforms = FAMILY_PLATFORMS.get(family, PLATFORMS)
        specs = [s for s in NAMED_POLICIES[family] if s[1] in platforms]
        specs += [('platform_default', p, (), True) for p in platforms]
        policies = []
        for index, (name, platform, group_names, enabled) in enumerate(specs):
            created = EPOCH_2023 + 86400 * (40 + index * 17) + rng.randrange(86400)
            policy = {
                'id': hex_id(rng),
                'cid': cid,
                'name': name,
                'platform_name': platform,
                'enabled': enabled,
                'description': (
                    'Platform default policy'
                    if name == 'platform_default'
                    else '%s %s policy' % (name, family.replace('-', ' '))
                ),
                'created_by': 'CS_ADMIN' if name == 'platform_default' else ADMINS[index % len(ADMINS)],
                'created_timestamp': _iso(created),
                'modified_by': ADMINS[(index + 2) % len(ADMINS)],
                'modified_timestamp': _iso(created + 86400 * (3 + index)),
                'groups': [by_name[g] for g in group_names],
            }
            policy.update(_family_fields(rng, family, platform, index, enabled, name))
            if family == 'firewall':
                policy['rule_set_id'] = policy['id']
            policies.append(policy)
        out[family] = policies
    return out


def _assign(policies, platform, group_ids):
    """The policy id a host gets: first enabled named policy of its platform sharing a group, else the default."""
    default = None
    for policy in policies:
        if policy['platform_name'] != platform:
            continue
        if policy['name'] == 'platform_default':
            default = policy['id']
        elif policy['enabled'] and any(g['id'] in group_ids for g in policy['groups']):
            return policy['id']
    return default


def make_hosts(rng, cid, count, now, groups, policies):
    """count deterministic hosts (the mutable state starts as normal/visible/unsuppressed)."""
    group_ids = {g['name']: g['id'] for g in groups}
    global_config = hex_id(rng)
    assignment_cache = {}
    hosts = []
    domain = 'corp.example.com'
    for idx in range(count):
        rnd = rng.getrandbits(64)
        roll = rnd % 100
        platform = PLATFORMS[0] if roll < 60 else (PLATFORMS[1] if roll < 80 else PLATFORMS[2])
        os_entry = OS_CHOICES[platform][(rnd >> 7) % len(OS_CHOICES[platform])]
        agents = AGENT_VERSIONS[platform]
        agent = agents[0] if (rnd >> 11) % 10 < 6 else agents[((rnd >> 15) % (len(agents) - 1)) + 1]
        age = (rnd >> 20) % 1000
        stale = (rnd >> 30) % 100
        if stale < 85:
            last_seen = now - ((rnd >> 37) % 7200)
        elif stale < 95:
            last_seen = now - 86400 - ((rnd >> 37) % (86400 * 20))
        else:
            last_seen = now - 86400 * 30 - ((rnd >> 37) % (86400 * 90))
        first_seen = min(last_seen - 3600, now - 86400 * (30 + age))
        member = []
        member.append(group_ids['Production Servers'] if os_entry[2] != 'Workstation' else group_ids['Workstations'])
        if (rnd >> 45) % 10 == 0:
            member.append(group_ids['Finance'])
        if (rnd >> 49) % 50 == 0:
            member.append(group_ids['Canary'])
        member = tuple(member)
        key = (platform, member)
        if key not in assignment_cache:
            assignment_cache[key] = tuple(
                _assign(policies[f], platform, member)
                for f in ('prevention', 'sensor-update', 'device-control', 'firewall', 'response')
            ) + (global_config,)
        tags = ()
        tag_roll = (rnd >> 52) % 10
        if tag_roll < 3:
            tags = ('FalconGroupingTags/Production',)
        elif tag_roll < 5:
            tags = ('FalconGroupingTags/Finance', 'FalconGroupingTags/PCI')
        elif tag_roll == 5:
            tags = ('FalconGroupingTags/Canary',)
        number = idx + 1
        hostname = PREFIX_HOSTS.get(number, 'host-%05d' % number)
        if platform == 'Windows':
            # Windows hostnames are commonly upper case (elastic host sample, API behaviour 9.2).
            hostname = hostname.upper()
        mac_bytes = [
            0x0A,
            (number >> 16) & 0xFF,
            (number >> 8) & 0xFF,
            number & 0xFF,
            (rnd >> 8) & 0xFF,
            (rnd >> 16) & 0xFF,
        ]
        hosts.append(
            Host(
                idx=idx,
                device_id=hex_id(rng),
                cid=cid,
                hostname=hostname,
                platform=platform,
                os=os_entry,
                agent_version=agent,
                first_seen=first_seen,
                last_seen=last_seen,
                modified=last_seen - ((rnd >> 40) % 600),
                local_ip='10.%d.%d.%d' % ((number >> 16) & 0xFF, (number >> 8) & 0xFF, number & 0xFF),
                external_ip='%s.%d' % (('203.0.113', '198.51.100', '192.0.2')[(rnd >> 3) % 3], 1 + (rnd >> 24) % 254),
                mac='-'.join('%02x' % b for b in mac_bytes),
                rnd=rnd,
                status='normal',
                pending_since=None,
                hidden=False,
                suppressed=False,
                tags=tags,
                groups=member,
                policies=assignment_cache[key],
                hardware=HARDWARE[platform][(rnd >> 56) % len(HARDWARE[platform])],
                domain=domain if platform == 'Windows' else '',
                ou=('Computers', 'Servers') if os_entry[2] != 'Workstation' else ('Computers',),
                site=SITES[(rnd >> 60) % len(SITES)],
            )
        )
    return hosts


def build(seed, cid, host_count, now):
    """All seeded data of one CID: (groups, policies, hosts)."""
    rng = random.Random('%s:%s' % (seed, cid))
    groups = make_groups(rng, cid)
    policies = make_policies(rng, cid, groups)
    hosts = make_hosts(rng, cid, host_count, now, groups, policies)
    return groups, policies, hosts
