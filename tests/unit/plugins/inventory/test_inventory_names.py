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
    named, warnings = assign_names([old, new], ['hostname', 'device_id'], _no_templates, duplicates='newest')
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


NOW = 1796000000  # 2026-11-30
DAY = 86400


def _iso(seconds):
    import time

    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(seconds))


def _machine(aid, hostname, first_seen, last_seen, serial='PF0001', platform='Windows'):
    """A device with first/last seen times (epoch seconds), platform and serial number."""
    extra = {'first_seen': _iso(first_seen), 'platform_name': platform}
    if serial is not None:
        extra['serial_number'] = serial
    return _device(aid, hostname, _iso(last_seen), **extra)


def _names(named):
    return dict((d.name, (d.record['device_id'], d.held_by, d.skipped)) for d in named)


def test_an_impostor_seen_later_never_takes_the_name_by_default():
    dc = _machine('a', 'dc01', NOW - 300 * DAY, NOW - 3600, serial='PF0001')
    impostor = _machine('b', 'DC01', NOW - 2 * DAY, NOW - 60, serial='PF9999')
    named, warnings = assign_names([impostor, dc], ['hostname', 'device_id'], _no_templates, stale_before=NOW - 7 * DAY)
    assert _names(named) == {
        'dc01': ('a' * 32, None, []),
        'DC01~bbbbbbbb': ('b' * 32, 'a' * 32, []),
    }
    assert 'without ansible_host' in warnings[0]


def test_an_impostor_with_the_same_serial_does_not_take_a_name_that_is_not_stale():
    dc = _machine('a', 'dc01', NOW - 300 * DAY, NOW - 3600)
    twin = _machine('b', 'dc01', NOW - 2 * DAY, NOW - 60)
    named, _warnings = assign_names([dc, twin], ['hostname'], _no_templates, stale_before=NOW - 7 * DAY)
    assert _names(named)['dc01'][0] == 'a' * 32 and _names(named)['dc01~bbbbbbbb'][1] == 'a' * 32


def test_a_stale_holder_passes_the_name_to_the_same_machine_only():
    old = _machine('a', 'dc01', NOW - 300 * DAY, NOW - 30 * DAY)
    reimaged = _machine('b', 'dc01', NOW - 20 * DAY, NOW - 60)
    other = _machine('c', 'dc01', NOW - 10 * DAY, NOW - 30, serial='PF7777')
    named, warnings = assign_names([old, reimaged, other], ['hostname'], _no_templates, stale_before=NOW - 7 * DAY)
    assert _names(named) == {
        'dc01': ('b' * 32, None, ['a' * 32]),
        'dc01~cccccccc': ('c' * 32, 'b' * 32, []),
    }
    assert any('replaced the stale' in w for w in warnings)


@pytest.mark.parametrize(
    'change', [{'serial': None}, {'serial': ''}, {'platform': 'Linux'}, {'serial': 'PF0002'}], ids=str
)
def test_a_missing_or_different_platform_or_serial_never_agrees(change):
    old = _machine('a', 'dc01', NOW - 300 * DAY, NOW - 30 * DAY, serial=change.get('serial', 'PF0001'))
    values = dict(serial='PF0001', platform=change.get('platform', 'Windows'))
    new = _machine('b', 'dc01', NOW - 20 * DAY, NOW - 60, **values)
    named, _warnings = assign_names([old, new], ['hostname'], _no_templates, stale_before=NOW - 7 * DAY)
    assert _names(named)['dc01'][0] == 'a' * 32 and 'dc01~bbbbbbbb' in _names(named)


def test_a_suffixed_name_already_in_use_takes_the_whole_device_id():
    dc = _machine('a', 'dc01', NOW - 300 * DAY, NOW - 3600)
    impostor = _machine('b', 'dc01', NOW - 2 * DAY, NOW - 60, serial='X')
    squatter = _machine('c', 'dc01~bbbbbbbb', NOW - 2 * DAY, NOW - 60)
    named, _warnings = assign_names([dc, impostor, squatter], ['hostname'], _no_templates, stale_before=NOW - 7 * DAY)
    assert sorted(_names(named)) == sorted(['dc01', 'dc01~' + 'b' * 32, 'dc01~bbbbbbbb'])
    assert _names(named)['dc01~bbbbbbbb'][0] == 'c' * 32
