"""The device (host) record: compact storage, the full DeviceSwagger dict, and the FQL/sort field table."""

import time

from .fql import Field

PLATFORMS = ('Windows', 'Mac', 'Linux')
PLATFORM_IDS = {'Windows': '0', 'Mac': '1', 'Linux': '3'}
# (os_version, product_type, product_type_desc, os_build, kernel_version) per platform.
OS_CHOICES = {
    'Windows': (
        ('Windows 11', '1', 'Workstation', '22631', '10.0.22631.4460'),
        ('Windows 10', '1', 'Workstation', '19045', '10.0.19045.5131'),
        ('Windows Server 2022', '3', 'Server', '20348', '10.0.20348.2849'),
        ('Windows Server 2019', '2', 'Domain Controller', '17763', '10.0.17763.6532'),
    ),
    'Mac': (
        ('Sequoia (15)', '1', 'Workstation', '24B83', '24.1.0'),
        ('Sonoma (14)', '1', 'Workstation', '23H222', '23.6.0'),
        ('Ventura (13)', '1', 'Workstation', '22H313', '22.6.0'),
    ),
    'Linux': (
        ('Ubuntu 22.04', '3', 'Server', '', '5.15.0-126-generic'),
        ('RHEL 9.4', '3', 'Server', '', '5.14.0-427.42.1.el9_4.x86_64'),
        ('Amazon Linux 2023', '3', 'Server', '', '6.1.115-126.197.amzn2023.x86_64'),
        ('Debian 12', '3', 'Server', '', '6.1.0-27-amd64'),
    ),
}
AGENT_VERSIONS = {
    'Windows': ('7.18.18812.0', '7.17.18721.0', '7.16.18605.0'),
    'Mac': ('7.18.18806.0', '7.17.18711.0'),
    'Linux': ('7.18.18803.0', '7.17.18707.0', '7.16.18613.0'),
}
HARDWARE = {
    'Windows': (
        ('Dell Inc.', 'Latitude 7440', 'Dell Inc.', '1.14.1'),
        ('LENOVO', 'ThinkPad T14 Gen 4', 'LENOVO', 'R2FET51W (1.31 )'),
        ('VMware, Inc.', 'VMware20,1', 'VMware, Inc.', 'VMW201.00V.21805430.B64.2305221830'),
    ),
    'Mac': (
        ('Apple Inc.', 'MacBookPro18,3', 'Apple Inc.', '10151.140.19'),
        ('Apple Inc.', 'Mac14,2', 'Apple Inc.', '10151.140.19'),
    ),
    'Linux': (
        ('Amazon EC2', 'm6i.large', 'Amazon EC2', '1.0'),
        ('QEMU', 'Standard PC (Q35 + ICH9, 2009)', 'SeaBIOS', '1.16.2-debian-1.16.2-1'),
        ('Microsoft Corporation', 'Virtual Machine', 'Microsoft Corporation', 'Hyper-V UEFI Release v4.1'),
    ),
}
# Policy families as they appear in device_policies (key, policy_type).
POLICY_SLOTS = (
    ('prevention', 'prevention'),
    ('sensor_update', 'sensor-update'),
    ('device_control', 'device-control'),
    ('firewall', 'firewall'),
    ('remote_response', 'remote-response'),
    ('global_config', 'globalconfig'),
)


def iso(epoch):
    """Format epoch seconds as the API does: RFC 3339 UTC with a Z."""
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(epoch))


class Host:
    """One device; mutable state (status, hidden, suppressed, tags) lives here, the rest derives from rnd."""

    __slots__ = (
        'idx',
        'device_id',
        'cid',
        'hostname',
        'platform',
        'os',
        'agent_version',
        'first_seen',
        'last_seen',
        'modified',
        'local_ip',
        'external_ip',
        'mac',
        'rnd',
        'status',
        'pending_since',
        'hidden',
        'suppressed',
        'tags',
        'groups',
        'policies',
        'hardware',
        'domain',
        'ou',
        'site',
    )

    def __init__(self, **values):
        for key, value in values.items():
            setattr(self, key, value)

    def policy_record(self, slot, policy_type, policy_id):
        """One device.DevicePolicy entry."""
        applied = iso(self.first_seen + 3600 + (self.rnd % 86400))
        record = {
            'policy_type': policy_type,
            'policy_id': policy_id,
            'applied': True,
            'settings_hash': '%08x' % ((self.rnd >> 8) & 0xFFFFFFFF ^ int(policy_id[:8], 16)),
            'assigned_date': applied,
            'applied_date': applied,
        }
        if slot == 'prevention':
            record['rule_groups'] = []
        if slot == 'sensor_update':
            record['uninstall_protection'] = 'ENABLED'
        if slot == 'firewall':
            record['rule_set_id'] = policy_id
        return record

    def to_dict(self):
        """Return the full deviceapi.DeviceSwagger record."""
        os_version, product_type, product_desc, os_build, kernel = self.os
        manufacturer, product_name, bios_maker, bios_version = self.hardware
        device_policies = {}
        for (slot, policy_type), policy_id in zip(POLICY_SLOTS, self.policies):
            if policy_id:
                device_policies[slot] = self.policy_record(slot, policy_type, policy_id)
        major, minor = (kernel.split('.') + ['0', '0'])[:2]
        record = {
            'device_id': self.device_id,
            'cid': self.cid,
            'agent_load_flags': '0',
            'agent_local_time': iso(self.last_seen - 30),
            'agent_version': self.agent_version,
            'bios_manufacturer': bios_maker,
            'bios_version': bios_version,
            'build_number': os_build,
            'config_id_base': '65994763',
            'config_id_build': self.agent_version.split('.')[2],
            'config_id_platform': '3' if self.platform == 'Windows' else ('4' if self.platform == 'Mac' else '8'),
            'cpu_signature': str(198313 + (self.rnd % 7) * 16),
            'chassis_type': '3' if product_type == '1' else '1',
            'chassis_type_desc': 'Desktop' if product_type == '1' else 'Other',
            'connection_ip': self.local_ip,
            'connection_mac_address': self.mac,
            'default_gateway_ip': self.local_ip.rsplit('.', 1)[0] + '.1',
            'device_policies': device_policies,
            'detection_suppression_status': 'suppressed' if self.suppressed else 'normal',
            'external_ip': self.external_ip,
            'filesystem_containment_status': 'contained' if self.status == 'contained' else 'normal',
            'first_seen': iso(self.first_seen),
            'groups': list(self.groups),
            'group_hash': '%016x' % (self.rnd >> 3),
            'host_hidden_status': 'hidden' if self.hidden else 'visible',
            'hostname': self.hostname,
            'kernel_version': kernel,
            'last_seen': iso(self.last_seen),
            'local_ip': self.local_ip,
            'mac_address': self.mac,
            'machine_domain': self.domain,
            'major_version': major,
            'minor_version': minor,
            'meta': {
                'version': str(1000 + self.rnd % 9000),
                'version_string': '%d-%d' % (1 + self.rnd % 9, 1000 + self.rnd % 9000),
            },
            'modified_timestamp': iso(self.modified),
            'os_build': os_build,
            'os_product_name': os_version,
            'os_version': os_version,
            'ou': list(self.ou),
            'platform_id': PLATFORM_IDS[self.platform],
            'platform_name': self.platform,
            'pointer_size': '8',
            'policies': [device_policies['prevention']] if 'prevention' in device_policies else [],
            'product_type': product_type,
            'product_type_desc': product_desc,
            'provision_status': 'Provisioned',
            'reduced_functionality_mode': 'no',
            'serial_number': '%s%08X' % ('C02' if self.platform == 'Mac' else 'PF', self.rnd & 0xFFFFFFFF),
            'service_pack_major': '0',
            'service_pack_minor': '0',
            'site_name': self.site,
            'status': self.status,
            'system_manufacturer': manufacturer,
            'system_product_name': product_name,
            'tags': list(self.tags),
            'zone_group': '' if self.platform != 'Linux' else 'us-east-1a',
        }
        if self.platform == 'Linux':
            record['linux_sensor_mode'] = 'Kernel Mode'
        return record


def _policy_getter(slot_index):
    """Getter for device_policies.<type>.policy_id."""
    return lambda h: h.policies[slot_index]


def _build_fields():
    """The FQL fields of hosts (name -> Field) and the sortable subset.

    Kind 'text' marks the analysed text fields, where the recorded single form field:'v' is a prefix match
    (hostname:'web-1' selects web-10, API behaviour 9.2); kind 'str' fields (ids, enums, local_ip.raw) match whole
    values.
    """
    fields = {
        'device_id': Field('str', lambda h: h.device_id),
        'aid': Field('str', lambda h: h.device_id),
        'cid': Field('str', lambda h: h.cid),
        'hostname': Field('text', lambda h: h.hostname),
        'platform_name': Field('str', lambda h: h.platform),
        'platform_id': Field('str', lambda h: PLATFORM_IDS[h.platform]),
        'os_version': Field('text', lambda h: h.os[0]),
        'os_product_name': Field('text', lambda h: h.os[0]),
        'product_type': Field('str', lambda h: h.os[1]),
        'product_type_desc': Field('str', lambda h: h.os[2]),
        'kernel_version': Field('text', lambda h: h.os[4]),
        'agent_version': Field('str', lambda h: h.agent_version),
        'first_seen': Field('time', lambda h: h.first_seen),
        'last_seen': Field('time', lambda h: h.last_seen),
        'modified_timestamp': Field('time', lambda h: h.modified),
        'local_ip': Field('text', lambda h: h.local_ip),
        'local_ip.raw': Field('str', lambda h: h.local_ip),
        'external_ip': Field('text', lambda h: h.external_ip),
        'connection_ip': Field('text', lambda h: h.local_ip),
        'mac_address': Field('text', lambda h: h.mac),
        'status': Field('str', lambda h: h.status),
        'host_hidden_status': Field('str', lambda h: 'hidden' if h.hidden else 'visible'),
        'detection_suppression_status': Field('str', lambda h: 'suppressed' if h.suppressed else 'normal'),
        'tags': Field('list', lambda h: h.tags),
        'groups': Field('list', lambda h: h.groups),
        'ou': Field('list', lambda h: h.ou),
        'machine_domain': Field('text', lambda h: h.domain),
        'site_name': Field('text', lambda h: h.site),
        'system_manufacturer': Field('text', lambda h: h.hardware[0]),
        'system_product_name': Field('text', lambda h: h.hardware[1]),
        'bios_manufacturer': Field('text', lambda h: h.hardware[2]),
        'bios_version': Field('text', lambda h: h.hardware[3]),
        'serial_number': Field(
            'text', lambda h: '%s%08X' % ('C02' if h.platform == 'Mac' else 'PF', h.rnd & 0xFFFFFFFF)
        ),
        'reduced_functionality_mode': Field('str', lambda h: 'no'),
        'provision_status': Field('str', lambda h: 'Provisioned'),
        'agent_load_flags': Field('str', lambda h: '0'),
    }
    for index, (slot, _policy_type) in enumerate(POLICY_SLOTS):
        getter = _policy_getter(index)
        fields['device_policies.%s.policy_id' % slot] = Field('str', getter)
    sortable = frozenset(
        [
            'device_id',
            'agent_load_flags',
            'agent_version',
            'bios_manufacturer',
            'bios_version',
            'external_ip',
            'first_seen',
            'hostname',
            'last_seen',
            'local_ip',
            'local_ip.raw',
            'mac_address',
            'machine_domain',
            'modified_timestamp',
            'os_version',
            'platform_id',
            'platform_name',
            'product_type_desc',
            'reduced_functionality_mode',
            'serial_number',
            'site_name',
            'status',
            'system_manufacturer',
            'system_product_name',
            'kernel_version',
        ]
    )
    return fields, sortable


HOST_FIELDS, HOST_SORTABLE = _build_fields()


def sort_key(field):
    """A sort key function for hosts on field (strings ignore case; IPs sort numerically)."""
    getter = HOST_FIELDS[field].getter
    kind = HOST_FIELDS[field].kind
    if field in ('local_ip', 'local_ip.raw', 'external_ip'):
        return lambda h: tuple(int(part) for part in getter(h).split('.'))
    if kind == 'time':
        return getter
    return lambda h: str(getter(h)).lower()
