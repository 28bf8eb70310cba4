"""falcon_hosts: the inventory cache (keys, lifetime) and MSSP fan-out over child tenants."""

import os
import time

from falcon_emulator.clients import MSSP_CHILD2_CID, MSSP_CHILD_CID, MSSP_PARENT_CLIENT
from falcon_emulator.mssp import checksum
from integration.inventory_cases.inventory_run import falcon_env, run_inventory, write_config


def _cache_options(cache_dir):
    """Options of a jsonfile inventory cache in cache_dir."""
    return {
        'cache': True,
        'cache_plugin': 'ansible.builtin.jsonfile',
        'cache_connection': str(cache_dir),
        'cache_timeout': 600,
    }


def _entries(cache_dir):
    """{file name: mtime} of the cache entries."""
    return dict((n, os.stat(os.path.join(str(cache_dir), n)).st_mtime_ns) for n in os.listdir(str(cache_dir)))


def test_a_cached_answer_makes_no_call_and_keeps_its_age(falcon_emulator, collections_root, tmp_path):
    cache = tmp_path / 'inv-cache'
    env = falcon_env(falcon_emulator, cache_dir=tmp_path / 'token-cache')
    config = write_config(tmp_path, 'cached', **_cache_options(cache))
    first = run_inventory(config, env, collections_root, tmp_path)
    assert first.rc == 0, first.explain()
    assert falcon_emulator.counters()['calls_total'] > 0
    written = _entries(cache)
    assert len(written) == 1
    time.sleep(1.1)  # a rewrite would show in the mtime
    falcon_emulator.reset_counters()
    second = run_inventory(config, env, collections_root, tmp_path)
    assert second.rc == 0, second.explain()
    assert second.hosts() == first.hosts()
    counters = falcon_emulator.counters()
    assert counters['calls_total'] == 0 and counters['token_requests_total'] == 0
    # Reading the entry did not rewrite it: it still expires cache_timeout after it was fetched.
    assert _entries(cache) == written
    other = run_inventory(
        write_config(tmp_path, 'linux', filter="platform_name:'Linux'", **_cache_options(cache)),
        env,
        collections_root,
        tmp_path,
    )
    assert other.rc == 0 and other.hosts() != first.hosts(), other.explain()
    assert falcon_emulator.counters()['calls_total'] > 0  # another filter is another key
    assert len(_entries(cache)) == 2
    # Once older than cache_timeout (the jsonfile plugin ages an entry by its mtime), the API is read again.
    entry = os.path.join(str(cache), list(written)[0])
    old = time.time() - 700
    os.utime(entry, (old, old))
    falcon_emulator.reset_counters()
    expired = run_inventory(config, env, collections_root, tmp_path)
    assert expired.rc == 0, expired.explain()
    assert falcon_emulator.counters()['calls_total'] > 0
    assert os.stat(entry).st_mtime > old + 600


def test_mssp_all_children_one_inventory_group_per_tenant(falcon_emulator, collections_root, tmp_path):
    env = falcon_env(falcon_emulator, MSSP_PARENT_CLIENT, cache_dir=tmp_path / 'token-cache')
    config = write_config(tmp_path, 'mssp', member_cids='all')
    done = run_inventory(config, env, collections_root, tmp_path)
    assert done.rc == 0, done.explain()
    hosts = done.hosts()
    for cid, name in ((MSSP_CHILD_CID, 'Contoso Retail'), (MSSP_CHILD2_CID, 'Fabrikam Health')):
        records = falcon_emulator.devices(cid)
        members = done.group('falcon_tenant_%s' % cid)
        assert sorted(hosts[m]['falcon_device_id'] for m in members) == sorted(r['device_id'] for r in records)
        assert all(hosts[m]['falcon_tenant_name'] == name and hosts[m]['falcon_member_cid'] == cid for m in members)
        # The same hostname in two tenants is two machines: both kept, qualified with the member CID.
        assert '%s_%s' % (records[0]['hostname'], cid) in hosts
    assert len(hosts) == len(falcon_emulator.devices(MSSP_CHILD_CID)) + len(falcon_emulator.devices(MSSP_CHILD2_CID))
    counters = falcon_emulator.counters()
    # One token for the parent (to list the children) and one per child.
    assert counters['token_requests'][MSSP_PARENT_CLIENT.client_id] == 3
    assert counters['calls']['GET /mssp/queries/children/v1'] == 1
    assert counters['calls']['POST /mssp/entities/children/GET/v2'] == 1
    assert counters['calls']['GET /devices/queries/devices-scroll/v1'] == 2
    falcon_emulator.reset_counters()
    again = run_inventory(config, env, collections_root, tmp_path)
    assert again.rc == 0 and again.hosts() == hosts, again.explain()
    assert falcon_emulator.counters()['token_requests_total'] == 0  # every child's token came from the token cache


def test_cache_keys_per_tenant(falcon_emulator, collections_root, tmp_path):
    cache = tmp_path / 'inv-cache'
    env = falcon_env(falcon_emulator, MSSP_PARENT_CLIENT, cache_dir=tmp_path / 'token-cache')
    # The console form of a CID (upper case, -XX checksum) is accepted and sent bare (API behaviour 9.6).
    first = write_config(
        tmp_path,
        'child1',
        member_cids=['%s-%s' % (MSSP_CHILD_CID.upper(), checksum(MSSP_CHILD_CID))],
        **_cache_options(cache),
    )
    second = write_config(tmp_path, 'child2', member_cids=[MSSP_CHILD2_CID], **_cache_options(cache))
    for _round in (1, 2):
        one = run_inventory(first, env, collections_root, tmp_path)
        two = run_inventory(second, env, collections_root, tmp_path)
        assert one.rc == 0 and two.rc == 0, one.explain() + two.explain()
        assert sorted(h['falcon_device_id'] for h in one.hosts().values()) == sorted(
            r['device_id'] for r in falcon_emulator.devices(MSSP_CHILD_CID)
        )
        assert sorted(h['falcon_device_id'] for h in two.hosts().values()) == sorted(
            r['device_id'] for r in falcon_emulator.devices(MSSP_CHILD2_CID)
        )
        assert len(_entries(cache)) == 2
        if _round == 1:
            falcon_emulator.reset_counters()
    assert falcon_emulator.counters()['calls_total'] == 0  # the second round came from the two cache entries
