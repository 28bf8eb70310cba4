"""Maintenance (uninstall) tokens: device and bulk tokens, bulk rotation, the audit record and scope refusals."""

import re

import pytest
from falcon_emulator import Emulator, EmulatorConfig
from falcon_emulator.clients import DEFAULT_CLIENT, NOSCOPE_CLIENT, READONLY_CLIENT

REVEAL = '/policy/combined/reveal-uninstall-token/v1'
INCREMENT = '/policy/combined/increment-uninstall-token/v1'
AUDIT = 'secops.falcon sensor_install: upgrade host-00001 (ticket CHG-1)'


def _reveal(api, device_id, message=AUDIT):
    """POST reveal; assert 200; return resources."""
    reply = api.post(REVEAL, json={'audit_message': message, 'device_id': device_id})
    assert reply.status_code == 200, reply.text
    assert reply.json()['errors'] == []
    return reply.json()['resources']


def test_device_token_is_a_stable_secret(falcon_emulator, api):
    """A device's token: 40 hex characters, the same on every reveal, different per device, seed and CID."""
    first, second = [d['device_id'] for d in falcon_emulator.devices()[:2]]
    token = _reveal(api, first)
    assert len(token) == 1 and token[0]['device_id'] == first and token[0]['seed_id'] == 1
    value = token[0]['uninstall_token']
    assert re.match(r'^[0-9a-f]{40}$', value) and value == falcon_emulator.uninstall_token(first)
    assert _reveal(api, first)[0]['uninstall_token'] == value
    assert _reveal(api, second)[0]['uninstall_token'] != value
    other = Emulator(EmulatorConfig(hosts=50, seed=2))
    assert other.uninstall_token(first) != value
    assert first not in str(falcon_emulator.installers()) and value not in str(falcon_emulator.devices())


def test_bulk_token_and_rotation(falcon_emulator, api):
    """MAINTENANCE reveals the bulk token; increment replaces it (seed_id counts up) and leaves device tokens alone."""
    device = falcon_emulator.devices()[0]['device_id']
    device_token = _reveal(api, device)[0]['uninstall_token']
    bulk = _reveal(api, 'MAINTENANCE')[0]
    assert bulk['device_id'] == 'MAINTENANCE' and bulk['seed_id'] == 1
    assert re.match(r'^[0-9a-f]{40}$', bulk['uninstall_token']) and bulk['uninstall_token'] != device_token
    reply = api.post(INCREMENT, json={'audit_message': 'rotate after maintenance window'})
    assert reply.status_code == 200, reply.text
    rotated = reply.json()['resources'][0]
    assert rotated['device_id'] == 'MAINTENANCE' and rotated['seed_id'] == 2
    assert rotated['uninstall_token'] != bulk['uninstall_token']
    assert _reveal(api, 'MAINTENANCE')[0] == rotated
    assert _reveal(api, device)[0]['uninstall_token'] == device_token
    assert falcon_emulator.uninstall_token('MAINTENANCE') == rotated['uninstall_token']


def test_every_reveal_and_rotation_is_audited(falcon_emulator, api):
    """uninstall_token_audit() lists action, device, the audit_message as sent (None when absent) and the client."""
    device = falcon_emulator.devices()[3]['device_id']
    assert falcon_emulator.uninstall_token_audit() == []
    _reveal(api, device)
    _reveal(api, 'MAINTENANCE', message=None)
    api.post(INCREMENT, json={})
    audit = falcon_emulator.uninstall_token_audit()
    assert [(a['action'], a['device_id'], a['audit_message']) for a in audit] == [
        ('reveal', device, AUDIT),
        ('reveal', 'MAINTENANCE', None),
        ('increment', 'MAINTENANCE', None),
    ]
    assert {a['client_id'] for a in audit} == {DEFAULT_CLIENT.client_id}
    assert all(isinstance(a['timestamp'], float) for a in audit)
    falcon_emulator.reset_state()
    assert falcon_emulator.uninstall_token_audit() == []


def test_unknown_and_missing_device_ids(falcon_emulator, api):
    """An unknown device answers as device details do (200, no resource, nothing audited); a missing or empty
    device_id, a non-object body or a non-string audit_message is a 400."""
    assert _reveal(api, 'a' * 32) == []
    assert falcon_emulator.uninstall_token_audit() == []
    for body in ({'audit_message': 'x'}, {'device_id': ''}, {'device_id': 7}, ['MAINTENANCE']):
        reply = api.post(REVEAL, json=body)
        assert reply.status_code == 400, body
        assert reply.json()['errors'][0]['code'] == 400
    bad = api.post(REVEAL, json={'device_id': 'MAINTENANCE', 'audit_message': 5})
    assert bad.status_code == 400 and 'audit_message' in bad.json()['errors'][0]['message']
    assert api.post(INCREMENT, json={'audit_message': ['x']}).status_code == 400
    assert falcon_emulator.uninstall_token_audit() == []


@pytest.mark.parametrize('client', [READONLY_CLIENT, NOSCOPE_CLIENT])
def test_tokens_need_the_write_scope(falcon_emulator, api_for, client):
    """Without sensor-update-policies:write (the read-only client has only :read) both routes answer 403."""
    api = api_for(falcon_emulator, client)
    for path, body in ((REVEAL, {'device_id': 'MAINTENANCE', 'audit_message': 'x'}), (INCREMENT, {})):
        reply = api.post(path, json=body)
        assert reply.status_code == 403
        assert reply.json()['errors'][0]['message'] == 'access denied, scope not permitted'
        assert 'resources' not in reply.json()
    assert falcon_emulator.uninstall_token_audit() == []
