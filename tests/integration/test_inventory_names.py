"""falcon_hosts host names: hostname-less hosts behind one NAT address stay apart; re-imaged duplicates."""

from integration.inventory_cases.inventory_run import falcon_env, run_inventory, write_config

NAT = '203.0.113.77'


def _edit(emulator, edits):
    """Apply {host index: {attribute: value}} to the emulator's hosts; return their device ids."""
    tenant = emulator.app.tenant()
    with tenant.lock:
        for index, values in edits.items():
            for key, value in values.items():
                setattr(tenant.hosts[index], key, value)
        tenant.changed()
    return [tenant.hosts[i].device_id for i in edits]


def test_hostname_less_hosts_behind_one_nat_address_stay_apart(falcon_emulator, collections_root, tmp_path):
    ids = _edit(falcon_emulator, dict((i, {'hostname': '', 'external_ip': NAT}) for i in (0, 1, 2)))
    env = falcon_env(falcon_emulator)
    default = run_inventory(write_config(tmp_path, 'default'), env, collections_root, tmp_path)
    assert default.rc == 0, default.explain()
    # No usable hostname: the device id names each of them.
    assert set(ids) <= set(default.hosts())
    assert len(default.hosts()) == len(falcon_emulator.devices())
    nat = run_inventory(
        write_config(tmp_path, 'nat', hostnames=['hostname', 'external_ip'], ansible_host_from='external_ip'),
        env,
        collections_root,
        tmp_path,
    )
    assert nat.rc == 0, nat.explain()
    names = ['%s_%s' % (NAT, i) for i in ids]
    assert set(names) <= set(nat.hosts())
    assert len(nat.hosts()) == len(falcon_emulator.devices())
    assert all(nat.hosts()[n]['ansible_host'] == NAT for n in names)
    assert 'share the name %s' % NAT in nat.stderr
    assert nat.group('falcon_duplicates') == []  # different machines, not re-imaged ones


def test_duplicate_hostnames_newest_suffix_or_fail(falcon_emulator, collections_root, tmp_path):
    tenant = falcon_emulator.app.tenant()
    name, seen = tenant.hosts[0].hostname, tenant.hosts[0].last_seen
    newest, older = _edit(falcon_emulator, {0: {}, 1: {'hostname': name, 'last_seen': seen - 86400}})
    env = falcon_env(falcon_emulator)
    kept = run_inventory(write_config(tmp_path, 'newest', duplicates='newest'), env, collections_root, tmp_path)
    assert kept.rc == 0, kept.explain()
    assert kept.hosts()[name]['falcon_device_id'] == newest
    assert kept.hosts()[name]['falcon_duplicate_device_ids'] == [older]
    assert older not in [h['falcon_device_id'] for h in kept.hosts().values()]
    assert kept.group('falcon_duplicates') == [name]
    assert 'share the hostname %s' % name in kept.stderr
    suffixed = run_inventory(write_config(tmp_path, 'suffix', duplicates='suffix'), env, collections_root, tmp_path)
    assert suffixed.rc == 0, suffixed.explain()
    assert suffixed.hosts()['%s_%s' % (name, older)]['falcon_device_id'] == older
    assert suffixed.group('falcon_duplicates') == sorted([name, '%s_%s' % (name, older)])
    failed = run_inventory(write_config(tmp_path, 'fail', duplicates='fail'), env, collections_root, tmp_path)
    assert failed.rc != 0
    assert 'share the hostname %s' % name in failed.stderr and older in failed.stderr
    assert 'Traceback' not in failed.output


def test_hostnames_templates_and_fields(falcon_emulator, collections_root, tmp_path):
    config = write_config(
        tmp_path,
        'tmpl',
        hostnames=['{{ falcon_hostname | lower }}.corp', 'device_id'],
        ansible_host_from='{{ falcon_mac_address }}',
    )
    done = run_inventory(config, falcon_env(falcon_emulator), collections_root, tmp_path)
    assert done.rc == 0, done.explain()
    records = falcon_emulator.devices()
    assert sorted(done.hosts()) == sorted('%s.corp' % r['hostname'].lower() for r in records)
    first = records[0]
    assert done.hosts()['%s.corp' % first['hostname'].lower()]['ansible_host'] == first['mac_address']


def _impostor_setup(emulator, **impostor):
    """Host 0 is dc01, enrolled a year ago; host 1 reports DC01 and was seen more recently. Returns both records."""
    tenant = emulator.app.tenant()
    holder = tenant.hosts[0]
    now = holder.last_seen
    values = {'hostname': 'DC01', 'platform': holder.platform, 'first_seen': now - 86400, 'last_seen': now}
    values.update(impostor)
    _edit(emulator, {0: {'hostname': 'dc01', 'first_seen': now - 365 * 86400, 'last_seen': now - 3600}, 1: values})
    records = dict((r['device_id'], r) for r in emulator.devices())
    return records[tenant.hosts[0].device_id], records[tenant.hosts[1].device_id]


def test_an_impostor_seen_later_never_takes_the_name_or_the_address(falcon_emulator, collections_root, tmp_path):
    original, impostor = _impostor_setup(falcon_emulator)
    assert original['serial_number'] != impostor['serial_number'] and original['local_ip'] != impostor['local_ip']
    done = run_inventory(write_config(tmp_path, 'default'), falcon_env(falcon_emulator), collections_root, tmp_path)
    assert done.rc == 0, done.explain()
    hosts = done.hosts()
    assert hosts['dc01']['falcon_device_id'] == original['device_id']
    assert hosts['dc01']['ansible_host'] == original['local_ip']
    apart = 'DC01~%s' % impostor['device_id'][:8]
    assert hosts[apart]['falcon_device_id'] == impostor['device_id']
    assert hosts[apart]['falcon_name_held_by'] == original['device_id']
    assert 'ansible_host' not in hosts[apart]
    assert not [h for h in hosts.values() if h.get('ansible_host') == impostor['local_ip']]
    assert sorted(done.group('falcon_duplicates')) == sorted(['dc01', apart])
    assert 'share the hostname' in done.stderr


def test_a_stale_machine_passes_its_name_to_its_reimage(falcon_emulator, collections_root, tmp_path):
    tenant = falcon_emulator.app.tenant()
    old_seen = tenant.hosts[0].last_seen - 30 * 86400
    # Same platform and serial number (the emulator derives the serial from rnd): the same machine, re-imaged.
    old, new = _impostor_setup(falcon_emulator, rnd=tenant.hosts[0].rnd)
    _edit(falcon_emulator, {0: {'last_seen': old_seen}})
    assert old['serial_number'] == new['serial_number']
    done = run_inventory(write_config(tmp_path, 'default'), falcon_env(falcon_emulator), collections_root, tmp_path)
    assert done.rc == 0, done.explain()
    hosts = done.hosts()
    assert hosts['DC01']['falcon_device_id'] == new['device_id']
    assert hosts['DC01']['ansible_host'] == new['local_ip']
    assert hosts['DC01']['falcon_duplicate_device_ids'] == [old['device_id']]
    assert old['device_id'] not in [h['falcon_device_id'] for h in hosts.values()]
