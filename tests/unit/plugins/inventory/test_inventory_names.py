"""Host names: preferences, fallbacks that never merge devices, duplicates, tenants."""

import pytest

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconConfigError
from ansible_collections.secops.falcon.plugins.plugin_utils._inventory_names import assign_names, first_name


def _device(aid, hostname='', last_seen='2026-11-30T10:00:00Z', **extra):
    """A device record."""
    record = {'device_id': aid * 32 if len(aid) == 1 else aid, 'hostname': hostname, 'last_seen': last_seen}
    record.update(extra)
    return record


def _no_templates(entry, record):
    raise AssertionError('no template expected: %s' % entry)


def test_first_usable_preference_wins_and_device_id_is_the_last_resort():
    assert first_name(_device('a', 'web-1'), ['hostname', 'device_id'], _no_templates) == ('web-1', 0)
    assert first_name(_device('a', '  '), ['hostname', 'local_ip'], _no_templates) == ('a' * 32, 2)
    assert first_name(_device('a', meta={'version': 7}), ['meta.version'], _no_templates) == ('7', 0)
    assert first_name(_device('a', tags=['x']), ['tags', 'hostname'], _no_templates) == ('a' * 32, 2)
    rendered = first_name(_device('a', 'WEB'), ['{{ x }}'], lambda entry, record: record['hostname'].lower())
    assert rendered == ('web', 0)


def test_nat_fallback_collisions_keep_every_device():
    devices = [_device(c, external_ip='203.0.113.7') for c in 'abc']
    named, warnings = assign_names(devices, ['hostname', 'external_ip'], _no_templates)
    assert sorted(d.name for d in named) == sorted('203.0.113.7_%s' % (c * 32) for c in 'abc')
    assert not any(d.duplicate for d in named)
    assert 'NAT' in warnings[0]


def test_duplicates_newest_suffix_fail():
    old = _device('a', 'WEB-1', '2026-11-01T00:00:00Z')
    new = _device('b', 'web-1', '2026-11-30T00:00:00Z')
    named, warnings = assign_names([old, new], ['hostname', 'device_id'], _no_templates)
    assert [(d.name, d.record['device_id'], d.duplicate, d.skipped) for d in named] == [
        ('web-1', 'b' * 32, True, ['a' * 32])
    ]
    assert 're-imaged' in warnings[0]
    named, _warnings = assign_names([old, new], ['hostname'], _no_templates, duplicates='suffix')
    assert sorted(d.name for d in named) == sorted(['web-1', 'web-1_' + 'a' * 32])
    assert all(d.duplicate for d in named)
    with pytest.raises(FalconConfigError) as err:
        assign_names([old, new], ['hostname'], _no_templates, duplicates='fail')
    assert 'a' * 32 in str(err.value) and 'b' * 32 in str(err.value)


def test_a_real_hostname_keeps_its_name_beside_a_fallback_that_collides():
    real = _device('a', '10.0.0.5')
    nameless = _device('b', local_ip='10.0.0.5')
    named, _warnings = assign_names([real, nameless], ['hostname', 'local_ip'], _no_templates)
    assert sorted(d.name for d in named) == ['10.0.0.5', '10.0.0.5_' + 'b' * 32]


def test_the_same_hostname_in_two_tenants_is_two_hosts():
    first, second = _device('a', 'web-1'), _device('b', 'web-1')
    tenants = {id(first): 'c1', id(second): 'c2'}
    named, warnings = assign_names([first, second], ['hostname'], _no_templates, tenant_of=lambda r: tenants[id(r)])
    assert sorted(d.name for d in named) == ['web-1_c1', 'web-1_c2']
    assert not any(d.duplicate for d in named) and 'member CID' in warnings[0]
