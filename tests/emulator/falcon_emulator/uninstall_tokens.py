"""Maintenance (uninstall) tokens: reveal a device's or the bulk token, rotate the bulk token (scope
sensor-update-policies:write).

Paths and bodies follow FalconPy 1.6.6 (`_endpoint/_sensor_update_policies.py`: revealUninstallToken,
incrementUninstallToken); the answer follows the spec's uninstall_token.RespV1: resources[0] =
{device_id, seed_id, uninstall_token} (seed_id is required there; what it counts is UNVERIFIED: here the bulk token's
rotation number, 1 for device tokens).

- device_id "MAINTENANCE" reveals the bulk token; increment-uninstall-token replaces it (the answer carries the new
  one; the increment answer's shape is UNVERIFIED, the 2023 spec has no such path).
- Tokens are secrets: deterministic per (seed, CID, device) and per bulk rotation, 40 hex characters (the real
  format is UNVERIFIED), never equal to anything else the emulator shows.
- An unknown device id answers as the device details do for unknown ids (hosts.py): 200 with no resource.
- Every successful reveal and rotation is recorded with its audit_message (the modules must send one naming the
  automation): Emulator.uninstall_token_audit().
"""

import hashlib
import hmac
import time

from .envelope import ApiError, ok

SOURCE = 'sensor-update-policies'  # error answers name the service; policy answers carry no powered_by (J1 HAR)
BULK = 'MAINTENANCE'


class TokenState:
    """One tenant's bulk token rotation and audit log (callers hold tenant.lock)."""

    def __init__(self, tenant, seed):
        self.key = ('uninstall-token:%s:%s' % (seed, tenant.cid)).encode('utf-8')
        self.bulk_seed = 1
        self.audit = []

    def token(self, device_id):
        """The current token of a device, or of the bulk token."""
        subject = 'bulk:%d' % self.bulk_seed if device_id == BULK else 'device:%s' % device_id
        return hmac.new(self.key, subject.encode('utf-8'), hashlib.sha256).hexdigest()[:40]

    def resource(self, device_id):
        """The uninstall_token.UninstallTokenV1 record."""
        seed_id = self.bulk_seed if device_id == BULK else 1
        return {'device_id': device_id, 'seed_id': seed_id, 'uninstall_token': self.token(device_id)}

    def record(self, request, action, device_id, audit_message):
        """Remember one reveal or rotation."""
        self.audit.append(
            {
                'action': action,
                'device_id': device_id,
                'audit_message': audit_message,
                'client_id': request.token.client.client_id if request.token is not None else None,
                'timestamp': time.time(),
            }
        )


def token_state(app, tenant):
    """The TokenState of a tenant, made on first use (tenant.lock must be held)."""
    state = tenant.__dict__.get('uninstall_tokens')
    if state is None:
        state = tenant.__dict__['uninstall_tokens'] = TokenState(tenant, app.config.seed)
    return state


def _body(request):
    """The JSON object body and its audit_message (a string or absent/null)."""
    body = request.json()
    if not isinstance(body, dict):
        raise ApiError(400, 'The request body must be a JSON object', powered_by=SOURCE)
    message = body.get('audit_message')
    if message is not None and not isinstance(message, str):
        raise ApiError(400, 'audit_message must be a string', powered_by=SOURCE)
    return body, message


def reveal_token(app, request, tenant):
    """POST /policy/combined/reveal-uninstall-token/v1 {"audit_message", "device_id"}."""
    body, message = _body(request)
    device_id = body.get('device_id')
    if not isinstance(device_id, str) or not device_id.strip():
        raise ApiError(400, 'device_id is required: a device id, or MAINTENANCE for the bulk token', powered_by=SOURCE)
    state = token_state(app, tenant)
    if device_id != BULK and device_id not in tenant.by_id:
        return ok(request, [], None)
    state.record(request, 'reveal', device_id, message)
    return ok(request, [state.resource(device_id)], None)


def increment_token(app, request, tenant):
    """POST /policy/combined/increment-uninstall-token/v1 {"audit_message"}: a new bulk token."""
    _body_value, message = _body(request)
    state = token_state(app, tenant)
    state.bulk_seed += 1
    state.record(request, 'increment', BULK, message)
    return ok(request, [state.resource(BULK)], None)


ROUTES = {
    ('POST', '/policy/combined/reveal-uninstall-token/v1'): (reveal_token, 'sensor-update-policies:write'),
    ('POST', '/policy/combined/increment-uninstall-token/v1'): (increment_token, 'sensor-update-policies:write'),
}
