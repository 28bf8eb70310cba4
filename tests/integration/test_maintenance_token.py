"""The falcon_maintenance_token lookup through the real ansible-playbook against the emulator.

Three inventory hosts, each with its Falcon device id (as the falcon_hosts inventory gives it), get their own
maintenance token with set_fact and no_log, the bulk token is read once, several tokens at once with query(); a
malformed id, an unknown device and an API client without sensor-update-policies:write fail with messages naming
what is wrong. The tokens are compared with the emulator's own, and the audit log it kept names the play and host.
"""

import os

from falcon_emulator.clients import DEFAULT_CLIENT, READONLY_CLIENT
from playbook_runner import device_inventory, run_playbook

UNKNOWN_DEVICE = '0' * 31 + '1'
PLAY_NAME = 'Maintenance tokens of the inventory hosts'

PLAY = (
    """
- name: %s
  hosts: falcon
  gather_facts: false
  tasks:
    - name: Get this host's maintenance token
      ansible.builtin.set_fact:
        host_token: "{{ lookup('secops.falcon.falcon_maintenance_token', falcon_device_id) }}"
      no_log: true

    - name: Get the bulk maintenance token once
      ansible.builtin.set_fact:
        bulk_token: "{{ lookup('secops.falcon.falcon_maintenance_token', bulk=true, audit_message='CHG-7 bulk') }}"
      no_log: true
      run_once: true

    - name: Get every host's token at once
      ansible.builtin.set_fact:
        all_tokens: "{{ query('secops.falcon.falcon_maintenance_token', device_ids) }}"
      vars:
        device_ids: "{{ groups['falcon'] | map('extract', hostvars, 'falcon_device_id') | list }}"
      no_log: true
      run_once: true

    - name: A malformed device id
      ansible.builtin.set_fact:
        nothing: "{{ lookup('secops.falcon.falcon_maintenance_token', 'MAINTENANCE') }}"
      register: malformed
      ignore_errors: true
      run_once: true

    - name: A device no host has
      ansible.builtin.set_fact:
        nothing: "{{ lookup('secops.falcon.falcon_maintenance_token', unknown_device) }}"
      register: unknown
      ignore_errors: true
      run_once: true

    - name: An API client without sensor-update-policies:write
      ansible.builtin.set_fact:
        nothing: "{{ lookup('secops.falcon.falcon_maintenance_token', bulk=true, client_id=readonly_id,
                     client_secret=readonly_secret) }}"
      register: unscoped
      ignore_errors: true
      run_once: true

    - name: Save the results for the test
      ansible.builtin.copy:
        content: "{{ {'host_tokens': dict(groups['falcon'] | zip(groups['falcon'] | map('extract', hostvars, 'host_token'))),
                      'bulk_token': bulk_token, 'all_tokens': all_tokens,
                      'malformed': malformed, 'unknown': unknown, 'unscoped': unscoped} | to_json }}"
        dest: "{{ result_file }}"
        mode: "0600"
      delegate_to: localhost
      run_once: true
      no_log: true
"""
    % PLAY_NAME
)


def test_host_and_bulk_tokens_and_their_errors(falcon_emulator, emulator_env, collections_root, tmp_path):
    devices = falcon_emulator.devices()[:3]
    playbook = os.path.join(str(tmp_path), 'maintenance_token.yml')
    with open(playbook, 'w', encoding='utf-8') as handle:
        handle.write(PLAY)
    extra = {
        'unknown_device': UNKNOWN_DEVICE,
        'readonly_id': READONLY_CLIENT.client_id,
        'readonly_secret': READONLY_CLIENT.client_secret,
    }
    run = run_playbook(
        playbook,
        emulator_env,
        collections_root,
        tmp_path,
        extra_vars=extra,
        inventory=device_inventory(tmp_path, devices),
    )
    assert run.rc == 0, run.explain()
    assert 'Traceback' not in run.output and run.dns_refused == [], run.explain()
    results = run.results

    # Each host got its own device's token, the bulk token is the CID's, query() kept the order of the terms.
    expected = {d['hostname']: falcon_emulator.uninstall_token(d['device_id']) for d in devices}
    assert results['host_tokens'] == expected
    assert len(set(expected.values())) == 3
    assert results['bulk_token'] == falcon_emulator.uninstall_token('MAINTENANCE')
    assert results['all_tokens'] == [expected[d['hostname']] for d in devices]

    def failure(name):
        result = results[name]
        assert result['failed'] is True, (name, result)
        return result['msg']

    assert "Invalid device id 'MAINTENANCE'" in failure('malformed') and 'set bulk=true' in failure('malformed')
    assert 'no maintenance token for device id %s' % UNKNOWN_DEVICE in failure('unknown')
    assert 'sensor-update-policies:write (Sensor update policies: Write)' in failure('unscoped')

    # No token or secret on the screen, although the errors were shown.
    shown = run.output
    assert 'Invalid device id' in shown
    for token in list(expected.values()) + [results['bulk_token']]:
        assert token not in shown and token[:16] not in shown
    assert DEFAULT_CLIENT.client_secret not in shown and READONLY_CLIENT.client_secret not in shown

    # The audit log: one reveal per host with its play and host, the bulk reveal with the message given, and one per
    # device of the query(); nothing for the malformed id (refused before any request), the unknown one or the refusal.
    audit = falcon_emulator.uninstall_token_audit()
    reveals = [(a['device_id'], a['audit_message']) for a in audit]
    assert len(reveals) == 3 + 1 + 3, reveals
    for device in devices:
        mine = "secops.falcon falcon_maintenance_token: play '%s' host '%s' by " % (PLAY_NAME, device['hostname'])
        messages = [m for d, m in reveals if d == device['device_id']]
        assert len(messages) == 2 and any(m.startswith(mine) for m in messages), messages
    assert ('MAINTENANCE', 'CHG-7 bulk') in reveals
    assert {a['client_id'] for a in audit} == {DEFAULT_CLIENT.client_id}
