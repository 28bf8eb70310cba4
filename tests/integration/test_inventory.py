"""secops.falcon.falcon_hosts through the real ansible-inventory and ansible-playbook against the emulator."""

import calendar
import time

from integration.inventory_cases.inventory_run import counted, falcon_env, run_inventory, run_play, write_config

SCROLL = 'GET /devices/queries/devices-scroll/v1'
DETAILS = 'POST /devices/entities/devices/v2'
HOST_GROUPS = 'GET /devices/combined/host-groups/v1'


def _epoch(text):
    """Epoch seconds of an API time."""
    return calendar.timegm(time.strptime(text[:19], '%Y-%m-%dT%H:%M:%S'))


def test_the_fleet_in_the_builtin_groups(falcon_emulator, collections_root, tmp_path):
    config = write_config(tmp_path, 'prod')
    done = run_inventory(config, falcon_env(falcon_emulator, cache_dir=tmp_path / 'tc'), collections_root, tmp_path)
    assert done.rc == 0, done.explain()
    records = falcon_emulator.devices()
    hosts = done.hosts()
    assert sorted(hosts) == sorted(r['hostname'] for r in records)
    by_name = dict((r['hostname'], r) for r in records)
    for name, hostvars in hosts.items():
        assert hostvars['falcon_device_id'] == by_name[name]['device_id']
        assert hostvars['ansible_host'] == by_name[name]['local_ip']
    for platform in ('Windows', 'Mac', 'Linux'):
        expected = sorted(r['hostname'] for r in records if r['platform_name'] == platform)
        assert done.group('falcon_platform_%s' % platform.lower()) == expected
    assert done.group('falcon_containment_normal') == sorted(by_name)
    servers = sorted(r['hostname'] for r in records if r['product_type_desc'] == 'Server')
    assert servers and done.group('falcon_product_type_server') == servers
    pci = sorted(r['hostname'] for r in records if 'FalconGroupingTags/PCI' in r['tags'])
    assert pci and done.group('falcon_tag_pci') == pci
    groups = dict((g['id'], g['name']) for g in falcon_emulator.app.tenant().groups)
    finance_id = [gid for gid, name in groups.items() if name == 'Finance'][0]
    finance = sorted(r['hostname'] for r in records if finance_id in r['groups'])
    assert finance and done.group('falcon_host_group_finance') == finance
    assert hosts[finance[0]]['falcon_host_group_names'].count('Finance') == 1
    stale = sorted(r['hostname'] for r in records if _epoch(r['last_seen']) < time.time() - 7 * 86400)
    assert stale and done.group('falcon_stale') == stale
    # One token, one scroll page, one details batch, one host-group page.
    counters = falcon_emulator.counters()
    assert counters['token_requests_total'] == 1
    assert (counters['calls'][SCROLL], counters['calls'][DETAILS], counters['calls'][HOST_GROUPS]) == (1, 1, 1)


def test_selection_options(falcon_emulator, collections_root, tmp_path):
    config = write_config(
        tmp_path,
        'linux',
        filter="platform_name:'Linux'",
        exclude_filter="tags:'FalconGroupingTags/Production'",
        last_seen_within='7d',
        fields=['hostname', 'status'],
        builtin_groups=['platform'],
    )
    done = run_inventory(config, falcon_env(falcon_emulator), collections_root, tmp_path)
    assert done.rc == 0, done.explain()
    now = time.time()
    expected = sorted(
        r['hostname']
        for r in falcon_emulator.devices()
        if r['platform_name'] == 'Linux'
        and 'FalconGroupingTags/Production' not in r['tags']
        and _epoch(r['last_seen']) >= now - 7 * 86400 - 60
    )
    assert expected and sorted(done.hosts()) == expected
    first = done.hosts()[expected[0]]
    assert sorted(k for k in first if k.startswith('falcon_')) == ['falcon_hostname', 'falcon_status']
    assert set(done.data) - {'_meta', 'ungrouped'} == {'all', 'falcon_platform_linux'}
    assert counted(falcon_emulator, 'GET /devices/combined/host-groups') == 0  # host groups switched off: not read


def test_hidden_hosts_only_when_asked(falcon_emulator, collections_root, tmp_path):
    tenant = falcon_emulator.app.tenant()
    with tenant.lock:
        tenant.hosts[0].hidden = True
        tenant.changed()
    hidden = tenant.hosts[0].hostname
    plain = run_inventory(write_config(tmp_path, 'plain'), falcon_env(falcon_emulator), collections_root, tmp_path)
    assert plain.rc == 0 and hidden not in plain.hosts(), plain.explain()
    both = run_inventory(
        write_config(tmp_path, 'hidden', include_hidden=True), falcon_env(falcon_emulator), collections_root, tmp_path
    )
    assert both.rc == 0 and both.hosts()[hidden]['falcon_host_hidden_status'] == 'hidden', both.explain()
    assert len(both.hosts()) == len(plain.hosts()) + 1


def test_one_token_for_inventory_and_play(falcon_emulator, collections_root, tmp_path):
    cache = tmp_path / 'token-cache'
    config = write_config(tmp_path, 'prod')
    run = run_play(
        'inventory_play.yml',
        config,
        falcon_env(falcon_emulator, cache_dir=cache),
        collections_root,
        tmp_path,
        extra_vars={'target': 'falcon_platform_linux'},
    )
    assert run.rc == 0 and run.results, run.explain()
    linux = sorted(r['hostname'] for r in falcon_emulator.devices() if r['platform_name'] == 'Linux')
    assert sorted(run.results['hosts']) == linux
    assert [i['devices'][0]['hostname'] for i in run.results['info']] == run.results['hosts']
    results = run.results
    assert results['check1']['changed'] is True and results['real1']['changed'] is True
    assert results['check2']['changed'] is False and results['real2']['changed'] is False
    counters = falcon_emulator.counters()
    # The inventory parse minted the only token; every module task reused it through the shared cache.
    assert counters['token_requests_total'] == 1
    assert counters['calls'][DETAILS] >= 1 + len(linux)


def test_50000_hosts_within_the_call_budget(emulator_factory, collections_root, tmp_path):
    hosts = 50000
    emulator = emulator_factory(hosts=hosts)
    config = write_config(tmp_path, 'big', fields=['hostname', 'platform_name'])
    done = run_inventory(config, falcon_env(emulator), collections_root, tmp_path, args=('--graph',))
    assert done.rc == 0, done.explain()
    assert done.stdout.count('|--host-') >= hosts
    counters = emulator.counters()
    # ceil(50000 / 10000) scroll pages + ceil(50000 / 5000) details batches + one host-group page, one token.
    assert counters['calls'][SCROLL] == 5
    assert counters['calls'][DETAILS] == 10
    assert counters['calls'][HOST_GROUPS] == 1
    assert counters['calls_total'] == 5 + 10 + 1 + 1
    assert counters['token_requests_total'] == 1


def test_connection_options_from_templates_and_ansible_cfg(falcon_emulator, collections_root, tmp_path):
    from falcon_emulator.clients import DEFAULT_CLIENT  # pylint: disable=import-outside-toplevel

    cfg = tmp_path / 'ansible.cfg'
    cfg.write_text('[secops_falcon]\nclient_id = %s\nbase_url = %s\n' % (DEFAULT_CLIENT.client_id, falcon_emulator.url))
    # The secret comes from a lookup in the inventory file, the rest from ansible.cfg: no FALCON_* variable at all.
    config = write_config(tmp_path, 'templated', client_secret="{{ lookup('ansible.builtin.env', 'VAULTED_SECRET') }}")
    done = run_inventory(
        config,
        {},
        collections_root,
        tmp_path,
        extra_env={'ANSIBLE_CONFIG': str(cfg), 'VAULTED_SECRET': DEFAULT_CLIENT.client_secret},
    )
    assert done.rc == 0, done.explain()
    assert len(done.hosts()) == len(falcon_emulator.devices())
    assert falcon_emulator.counters()['token_requests'] == {DEFAULT_CLIENT.client_id: 1}
    assert DEFAULT_CLIENT.client_secret not in done.output
