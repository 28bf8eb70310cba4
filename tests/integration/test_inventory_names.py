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
    kept = run_inventory(write_config(tmp_path, 'newest'), env, collections_root, tmp_path)
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
