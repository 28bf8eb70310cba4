"""Credentials and scopes as a new user meets them (issue 19 item 10), with real ansible-playbook runs.

client_id and client_secret swapped: refused before any token request, the secret never shown.

The secret is 40 letters and digits, the id 32 hex: a module, the falcon_cloud lookup and the falcon_hosts inventory
each say the two may be swapped, and neither value appears anywhere in ansible-playbook's or ansible-inventory's
output, at the default verbosity or at -vvv. A scoped API client's 403 names the scope it lacks.
"""

import os

import pytest
from falcon_emulator.clients import DEFAULT_CLIENT, NOSCOPE_CLIENT, READONLY_CLIENT
from integration.inventory_cases.inventory_run import run_inventory, write_config
from playbook_runner import run_playbook

PLAY = """
- name: Swapped credentials
  hosts: localhost
  gather_facts: false
  tasks:
    - name: A module
      secops.falcon.falcon_device_info:
        limit: 1
      ignore_errors: true

    - name: The token module
      secops.falcon.falcon_token:
      ignore_errors: true

    - name: The lookup
      ansible.builtin.debug:
        msg: "{{ lookup('secops.falcon.falcon_cloud', 'autodiscover') }}"
      ignore_errors: true
"""


def swapped_env(emulator):
    """FALCON_* variables with the id and the secret of the default client exchanged."""
    return {
        'FALCON_CLIENT_ID': DEFAULT_CLIENT.client_secret,
        'FALCON_CLIENT_SECRET': DEFAULT_CLIENT.client_id,
        'FALCON_BASE_URL': emulator.url,
    }


def assert_hidden(output):
    """Neither credential, nor the first characters of the secret, is anywhere in output."""
    assert DEFAULT_CLIENT.client_secret not in output
    assert DEFAULT_CLIENT.client_secret[:12] not in output
    assert 'Traceback' not in output


@pytest.mark.parametrize('verbosity', [(), ('-vvv',)], ids=['default', 'vvv'])
def test_playbook_says_swapped_and_never_shows_the_secret(falcon_emulator, collections_root, tmp_path, verbosity):
    playbook = os.path.join(str(tmp_path), 'swapped.yml')
    with open(playbook, 'w', encoding='utf-8') as handle:
        handle.write(PLAY)
    done = run_playbook(playbook, swapped_env(falcon_emulator), collections_root, tmp_path, cli_args=verbosity)
    assert done.rc == 0, done.explain()
    # Each of the three tasks failed with the message, before asking the API for a token.
    assert done.output.count('client_id and client_secret may be swapped') >= 3, done.explain()
    assert falcon_emulator.counters()['token_requests_total'] == 0
    assert_hidden(done.output)


def test_inventory_says_swapped_and_never_shows_the_secret(falcon_emulator, collections_root, tmp_path):
    done = run_inventory(write_config(tmp_path, 'swapped'), swapped_env(falcon_emulator), collections_root, tmp_path)
    assert done.rc != 0
    assert 'may be swapped' in done.stderr, done.explain()
    assert falcon_emulator.counters()['token_requests_total'] == 0
    assert_hidden(done.output)


SCOPED_PLAY = """
- name: A scoped API client
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Contain with a read-only client
      secops.falcon.falcon_host_contain:
        ids: ["{{ device_id }}"]
        client_id: "{{ readonly_id }}"
        client_secret: "{{ readonly_secret }}"
      register: contain
      ignore_errors: true

    - name: Read hosts with a client without scopes
      secops.falcon.falcon_device_info:
        limit: 1
      register: read
      ignore_errors: true

    - name: Check the messages
      ansible.builtin.assert:
        that:
          - contain is failed
          - "'devices:write (Hosts: Write)' in contain.msg"
          - read is failed
          - "'devices:read (Hosts: Read)' in read.msg"
"""


def test_a_403_names_the_scope_the_module_needs(falcon_emulator, collections_root, tmp_path):
    playbook = os.path.join(str(tmp_path), 'scoped.yml')
    with open(playbook, 'w', encoding='utf-8') as handle:
        handle.write(SCOPED_PLAY)
    env = {
        'FALCON_CLIENT_ID': NOSCOPE_CLIENT.client_id,
        'FALCON_CLIENT_SECRET': NOSCOPE_CLIENT.client_secret,
        'FALCON_BASE_URL': falcon_emulator.url,
    }
    extra = {
        'device_id': falcon_emulator.devices()[0]['device_id'],
        'readonly_id': READONLY_CLIENT.client_id,
        'readonly_secret': READONLY_CLIENT.client_secret,
    }
    done = run_playbook(playbook, env, collections_root, tmp_path, extra_vars=extra)
    assert done.rc == 0, done.explain()
    assert READONLY_CLIENT.client_secret not in done.output and NOSCOPE_CLIENT.client_secret not in done.output
