"""Built-in groups: names Ansible accepts, each kind switchable."""

from ansible_collections.secops.falcon.plugins.plugin_utils._inventory_groups import (
    builtin_groups,
    parse_time,
    safe_group_name,
)
from ansible_collections.secops.falcon.plugins.plugin_utils._inventory_options import BUILTIN_GROUPS

RECORD = {
    'device_id': 'a' * 32,
    'platform_name': 'Windows',
    'product_type_desc': 'Domain Controller',
    'status': 'contained',
    'tags': ['FalconGroupingTags/PCI-DSS', 'SensorGroupingTags/dmz', 'odd tag'],
    'groups': ['g1', 'g2'],
    'reduced_functionality_mode': 'yes',
    'last_seen': '2026-01-01T00:00:00Z',
}


def test_safe_group_names():
    assert safe_group_name('falcon_host_group_Production Servers') == 'falcon_host_group_production_servers'
    assert safe_group_name('9lives') == '_9lives'
    assert safe_group_name("{{ lookup('pipe', 'id') }}") == "lookup_pipe_id"


def test_every_kind():
    groups = builtin_groups(
        RECORD,
        BUILTIN_GROUPS,
        'falcon_',
        group_names={'g1': 'Finance'},
        stale_before=parse_time('2026-06-01T00:00:00Z'),
        duplicate=True,
        tenant='c1d0',
    )
    assert groups == [
        'falcon_platform_windows',
        'falcon_product_type_domain_controller',
        'falcon_containment_contained',
        'falcon_tag_pci_dss',
        'falcon_sensor_tag_dmz',
        'falcon_tag_odd_tag',
        'falcon_host_group_finance',
        'falcon_reduced_functionality_mode',
        'falcon_stale',
        'falcon_duplicates',
        'falcon_tenant_c1d0',
    ]


def test_kinds_switch_off_and_fresh_hosts_are_not_stale():
    assert builtin_groups(RECORD, [], 'falcon_') == []
    fresh = dict(RECORD, last_seen='2026-12-01T00:00:00Z', reduced_functionality_mode='no')
    assert (
        builtin_groups(
            fresh, ['stale', 'reduced_functionality_mode'], 'x_', stale_before=parse_time('2026-11-01T00:00:00Z')
        )
        == []
    )
    assert builtin_groups(dict(RECORD, last_seen=None), ['stale'], 'x_', stale_before=0) == ['x_stale']
    assert parse_time('2026-11-30T10:00:00.123Z') == parse_time('2026-11-30T10:00:00Z')
