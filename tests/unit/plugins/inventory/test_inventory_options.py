"""falcon_hosts option validation, FQL building and the cache key."""

import pytest

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconConfigError
from ansible_collections.secops.falcon.plugins.plugin_utils import _inventory_options as opts

CID = 'c1d0000000000000000000000000b002'


@pytest.mark.parametrize(
    'text, seconds', [('90s', 90), ('30m', 1800), ('12h', 43200), ('7d', 604800), ('2w', 1209600), (' 3d ', 259200)]
)
def test_durations(text, seconds):
    assert opts.duration_seconds('x', text) == seconds


@pytest.mark.parametrize('text', ['', 'a week', '0d', '-1d', '7', '7y', None, '1.5h'])
def test_bad_durations_name_the_value(text):
    with pytest.raises(FalconConfigError) as err:
        opts.duration_seconds('last_seen_within', text)
    assert 'last_seen_within' in str(err.value) and repr(text) in str(err.value)


def test_last_seen_fql_is_an_absolute_utc_time():
    assert opts.last_seen_fql(86400, now=1764633600) == "last_seen:>='2025-12-01T00:00:00Z'"


def test_combine_fql_keeps_each_part_whole():
    assert opts.combine_fql(None, '') is None
    assert opts.combine_fql("a:'1'", None) == "a:'1'"
    assert opts.combine_fql("a:'1',b:'2'", "c:'3'") == "(a:'1',b:'2')+(c:'3')"


def test_member_cids_forms():
    assert opts.member_cids_option(None) is None
    assert opts.member_cids_option('ALL') == 'all'
    console = CID.upper() + '-7F'
    assert opts.member_cids_option([console, CID]) == [CID]
    assert opts.member_cids_option('%s, %s' % (CID, 'c1d0000000000000000000000000b003')) == [
        CID,
        'c1d0000000000000000000000000b003',
    ]
    for bad in (['x' * 32], [CID + '-'], 42, [CID[:31]]):
        with pytest.raises(FalconConfigError):
            opts.member_cids_option(bad)


def test_prefixes_never_empty():
    assert opts.prefix_option('vars_prefix', 'falcon_') == 'falcon_'
    for bad in ('', None, '1x', 'a-b', 'a b'):
        with pytest.raises(FalconConfigError) as err:
            opts.prefix_option('vars_prefix', bad)
        assert 'reserved' in str(err.value)


def test_fields_and_builtin_groups():
    assert opts.fields_option(None, ('a',)) == ['a']
    assert opts.fields_option(['all'], ('a',)) is None
    assert opts.fields_option('hostname, meta.version', ()) == ['hostname', 'meta.version']
    with pytest.raises(FalconConfigError):
        opts.fields_option(['host name'], ())
    assert opts.builtin_groups_option([]) == []
    assert opts.builtin_groups_option(None) == list(opts.BUILTIN_GROUPS)
    with pytest.raises(FalconConfigError) as err:
        opts.builtin_groups_option(['platform', 'colour'])
    assert "'colour'" in str(err.value)


def test_cache_key_changes_with_everything_that_shapes_the_answer(settings_factory):
    settings = settings_factory()
    base = {
        'member_cids': None,
        'filter': None,
        'exclude_filter': None,
        'last_seen_within': None,
        'include_hidden': False,
        'fields': ['hostname'],
        'host_groups': True,
    }
    key = opts.cache_key(settings, base)
    assert key.startswith('secops.falcon.falcon_hosts_') and key == opts.cache_key(settings, dict(base))
    variants = [
        dict(base, member_cids=[CID]),
        dict(base, filter="x:'1'"),
        dict(base, exclude_filter="x:'1'"),
        dict(base, last_seen_within='7d'),
        dict(base, include_hidden=True),
        dict(base, fields=None),
        dict(base, host_groups=False),
    ]
    keys = set(opts.cache_key(settings, v) for v in variants)
    keys.add(opts.cache_key(settings_factory(member_cid=CID), base))
    keys.add(opts.cache_key(settings_factory(base_url='https://api.eu-1.crowdstrike.com'), base))
    keys.add(opts.cache_key(settings_factory(client_id='f' * 32), base))
    # Another secret never finds the entry, and the secret itself is never in the key.
    other = settings_factory(client_secret='AnotherSecret000000000000000000000000002')
    keys.add(opts.cache_key(other, base))
    assert key not in keys and len(keys) == 11
    assert settings.client_secret not in key
