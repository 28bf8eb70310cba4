"""POST /devices/entities/devices-actions/v2: contain, lift, hide/unhide, detection (un)suppress
(API behaviour 4.4, 9.4)."""

import time

from .config import ACTIONS, action_cap
from .envelope import ApiError, ok
from .params import ids_body, unique

DEVICE_API = 'device-api'


def _apply(host, action, now):
    """Apply one action to one host; return None on success or (code, message) for a per-host error."""
    aid = host.device_id
    if action == 'contain':
        if host.status in ('contained', 'containment_pending'):
            return 409, 'Device %s is already contained or containment is pending (status %s)' % (aid, host.status)
        host.status, host.pending_since = 'containment_pending', now
    elif action == 'lift_containment':
        if host.status in ('normal', 'lift_containment_pending'):
            return 409, 'Device %s is not contained or lifting is already pending (status %s)' % (aid, host.status)
        host.status, host.pending_since = 'lift_containment_pending', now
    elif action in ('hide_host', 'unhide_host'):
        want = action == 'hide_host'
        if host.hidden == want:
            return 409, 'Device %s is already %s' % (aid, 'hidden' if want else 'visible')
        host.hidden = want
    else:
        want = action == 'detection_suppress'
        if host.suppressed == want:
            return 409, 'Detections of device %s are already %s' % (aid, 'suppressed' if want else 'unsuppressed')
        host.suppressed = want
    host.modified = now
    return None


def perform_action(app, request, tenant):
    """POST /devices/entities/devices-actions/v2?action_name=..: 202 only when every host was accepted
    (API behaviour 9.4)."""
    action = request.arg('action_name')
    if action not in ACTIONS:
        raise ApiError(
            400, "Invalid action_name '%s'; allowed: %s" % (action, ', '.join(ACTIONS)), powered_by=DEVICE_API
        )
    cap = action_cap(app.config, action)
    # Over the cap the whole batch is refused with 400 and nothing is done (the real maximum is UNVERIFIED).
    _body, ids = ids_body(request, cap if cap is not None else 10**9, DEVICE_API)
    now = time.time()
    done, errors = [], []
    for aid in unique(ids):
        host = tenant.by_id.get(aid)
        if host is None:
            errors.append({'code': 404, 'message': 'Device %s was not found' % aid, 'id': aid})
            continue
        problem = _apply(host, action, now)
        if problem:
            errors.append({'code': problem[0], 'message': problem[1], 'id': aid})
        else:
            done.append({'id': aid, 'path': ''})
            if host.pending_since is not None and host.status.endswith('_pending'):
                tenant.pending.add(aid)
    if done:
        tenant.changed()
        # A mixed batch answers a non-202 status that still lists the accepted hosts (Falcon-Toolkit reads it as
        # partial success); which status is UNVERIFIED, so it is action_partial_status (400 by default).
        status = app.config.action_partial_status if errors else 202
        return ok(request, done, DEVICE_API, status=status, errors=errors, writes=len(done))
    raise ApiError(errors[0]['code'], errors[0]['message'], powered_by=DEVICE_API, errors=errors, resources=[])
