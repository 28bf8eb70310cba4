"""Unauthenticated control endpoints under /_emulator/ for subprocesses (demo, bench, ansible-playbook)."""

import copy
import json

from .clients import ALL_CIDS, DEFAULT_CLIENT, normalise_cid
from .envelope import Response


def _json_body(request):
    """Parse an optional JSON object body; return (dict, error Response or None)."""
    if not request.body:
        return {}, None
    try:
        body = json.loads(request.body.decode('utf-8'))
    except (ValueError, UnicodeDecodeError) as err:
        return None, Response(400, {'error': 'invalid JSON body: %s' % err})
    if not isinstance(body, dict):
        return None, Response(400, {'error': 'the body must be a JSON object'})
    return body, None


def device_records(app, cid=None):
    """Current device records of a CID (settled first, so statuses are up to date)."""
    cid = normalise_cid(cid) or DEFAULT_CLIENT.cid
    if cid not in ALL_CIDS:
        raise ValueError('unknown CID %r; the emulator serves %s' % (cid, ', '.join(ALL_CIDS)))
    tenant = app.tenant(cid)
    with tenant.lock:
        tenant.settle(app.config.containment_delay)
        return [h.to_dict() for h in tenant.hosts]


def _known_tenant(app, cid):
    """The Tenant of a known CID (ValueError names an unknown one)."""
    cid_value = normalise_cid(cid) or DEFAULT_CLIENT.cid
    if cid_value not in ALL_CIDS:
        raise ValueError('unknown CID %r; the emulator serves %s' % (cid, ', '.join(ALL_CIDS)))
    return app.tenant(cid_value)


def alert_records(app, cid=None):
    """Current alert records of a CID, in creation order, as the API shows them under the current settings."""
    from .alert_store import alert_store  # pylint: disable=import-outside-toplevel

    tenant = _known_tenant(app, cid)
    with tenant.lock:
        return [a.shown(app.config) for a in alert_store(app, tenant).alerts]


def alert_comments(app, cid=None):
    """{composite id: comments append_comment wrote} of a CID (the API's records do not carry them)."""
    from .alert_store import alert_store  # pylint: disable=import-outside-toplevel

    tenant = _known_tenant(app, cid)
    with tenant.lock:
        return {a.composite_id: [c['comment'] for c in a.comments] for a in alert_store(app, tenant).alerts}


def add_alert(app, cid=None, device_id=None, severity=90, **fields):
    """Inject a new alert on a host of a CID (default: its first host); return its record as the API shows it.

    ValueError on bad input.
    """
    from .alert_store import alert_store  # pylint: disable=import-outside-toplevel

    tenant = _known_tenant(app, cid)
    with tenant.lock:
        tenant.settle(app.config.containment_delay)
        return alert_store(app, tenant).add(device_id=device_id, severity=severity, **fields).shown(app.config)


def installer_records(app, cid=None):
    """The installer records of a CID: the seeded ones newest version first (the endpoints' default order), then the
    injected ones."""
    from .installer_catalog import installer_catalog  # pylint: disable=import-outside-toplevel

    tenant = _known_tenant(app, cid)
    with tenant.lock:
        return [copy.deepcopy(i.record) for i in installer_catalog(tenant).installers]


def add_installer(app, cid=None, size=None, **fields):
    """Register an installer of `size` bytes (generated and streamed in chunks when downloaded, never held in
    memory); return its record. ValueError on bad input."""
    from .installer_catalog import installer_catalog  # pylint: disable=import-outside-toplevel

    tenant = _known_tenant(app, cid)
    with tenant.lock:
        return copy.deepcopy(installer_catalog(tenant).add(size, **fields).record)


def uninstall_token_audit(app, cid=None):
    """Every maintenance token reveal and rotation of a CID, oldest first:
    [{action, device_id, audit_message, client_id, timestamp}]."""
    from .uninstall_tokens import token_state  # pylint: disable=import-outside-toplevel

    tenant = _known_tenant(app, cid)
    with tenant.lock:
        return copy.deepcopy(token_state(app, tenant).audit)


def uninstall_token(app, device_id, cid=None):
    """The current maintenance token of a device (or 'MAINTENANCE': the bulk token) of a CID."""
    from .uninstall_tokens import token_state  # pylint: disable=import-outside-toplevel

    tenant = _known_tenant(app, cid)
    with tenant.lock:
        return token_state(app, tenant).token(device_id)


def apply_config(app, values):
    """Validate and apply run-time settings (the configure() keys)."""
    from .config import check_runtime  # pylint: disable=import-outside-toplevel

    check_runtime(values)
    for key, value in values.items():
        if key == 'faults':
            app.faults.set(value)
            app.cooldowns.clear('fault')  # cleared faults leave no 429 cooldown behind
        setattr(app.config, key, value)


def handle(app, request):
    """Dispatch /_emulator/* requests."""
    route = (request.method, request.path.rstrip('/'))
    if route == ('GET', '/_emulator/counters'):
        return Response(200, app.counters.snapshot())
    if route == ('POST', '/_emulator/reset'):
        body, error = _json_body(request)
        if error:
            return error
        if body.get('counters', True):
            app.counters.reset()
        if body.get('state', False):
            app.reset_state()
        return Response(200, {'reset': True})
    if route == ('GET', '/_emulator/config'):
        from .config import RUNTIME_KEYS  # pylint: disable=import-outside-toplevel

        return Response(200, {'config': {k: getattr(app.config, k) for k in sorted(RUNTIME_KEYS)}})
    if route == ('POST', '/_emulator/config'):
        body, error = _json_body(request)
        if error:
            return error
        try:
            apply_config(app, body)
        except ValueError as err:
            return Response(400, {'error': str(err)})
        return Response(
            200, {'config': {k: getattr(app.config, k) for k in sorted(body)}, 'faults': app.faults.describe()}
        )
    if route == ('POST', '/_emulator/revoke-all'):
        app.tokens.revoke_all()
        return Response(200, {'revoked': True})
    if route == ('GET', '/_emulator/devices'):
        try:
            return Response(200, {'devices': device_records(app, request.arg('cid'))})
        except ValueError as err:
            return Response(404, {'error': str(err)})
    if route == ('GET', '/_emulator/alerts'):
        try:
            return Response(200, {'alerts': alert_records(app, request.arg('cid'))})
        except ValueError as err:
            return Response(404, {'error': str(err)})
    if route == ('POST', '/_emulator/alerts'):
        body, error = _json_body(request)
        if error:
            return error
        try:
            return Response(200, {'alert': add_alert(app, **body)})
        except (ValueError, TypeError) as err:
            return Response(400, {'error': str(err)})
    if route == ('GET', '/_emulator/installers'):
        try:
            return Response(200, {'installers': installer_records(app, request.arg('cid'))})
        except ValueError as err:
            return Response(404, {'error': str(err)})
    if route == ('POST', '/_emulator/installers'):
        body, error = _json_body(request)
        if error:
            return error
        try:
            return Response(200, {'installer': add_installer(app, **body)})
        except (ValueError, TypeError) as err:
            return Response(400, {'error': str(err)})
    if route == ('GET', '/_emulator/uninstall-token-audit'):
        try:
            return Response(200, {'audit': uninstall_token_audit(app, request.arg('cid'))})
        except ValueError as err:
            return Response(404, {'error': str(err)})
    if route == ('GET', '/_emulator/faults'):
        return Response(200, {'faults': app.faults.describe()})
    return Response(404, {'error': 'unknown emulator control %s %s' % (request.method, request.path)})
