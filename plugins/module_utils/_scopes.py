# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which API scope each endpoint needs, so a 403 can name it (as the Falcon console spells it). Internal use only.

The gateway's 403 says only "access denied, scope not permitted" (API behaviour 6.3): without the scope's name a user
of a scoped API client cannot tell which permission to add.
"""

import re

# Scope -> its name in the console's API client page.
SCOPE_NAMES = {
    'devices:read': 'Hosts: Read',
    'devices:write': 'Hosts: Write',
    'host-group:read': 'Host groups: Read',
    'host-group:write': 'Host groups: Write',
    'alerts:read': 'Alerts: Read',
    'alerts:write': 'Alerts: Write',
    'prevention-policies:read': 'Prevention policies: Read',
    'prevention-policies:write': 'Prevention policies: Write',
    'sensor-update-policies:read': 'Sensor update policies: Read',
    'sensor-update-policies:write': 'Sensor update policies: Write',
    'device-control-policies:read': 'Device control policies: Read',
    'device-control-policies:write': 'Device control policies: Write',
    'firewall-management:read': 'Firewall management: Read',
    'firewall-management:write': 'Firewall management: Write',
    'response-policies:read': 'Response policies: Read',
    'response-policies:write': 'Response policies: Write',
    'cspm-registration:read': 'CSPM registration: Read',
    'cspm-registration:write': 'CSPM registration: Write',
    'mssp:read': 'Flight Control: Read',
    'sensor-installers:read': 'Sensor download: Read',
}

# (path pattern, scope family): the first match wins, so the more specific paths come first.
_FAMILIES = (
    (re.compile(r'^/devices/(queries|combined|entities)/host-group'), 'host-group'),
    (re.compile(r'^/devices/'), 'devices'),
    (re.compile(r'^/alerts/'), 'alerts'),
    (re.compile(r'^/policy/[a-z]+/prevention'), 'prevention-policies'),
    (re.compile(r'^/policy/[a-z]+/sensor-update'), 'sensor-update-policies'),
    # The maintenance token is a secret of the sensor update policies: revealing one needs their write scope.
    (re.compile(r'^/policy/combined/(reveal|increment)-uninstall-token/'), 'sensor-update-policies'),
    (re.compile(r'^/sensors/(combined|queries|entities)/(installers|download-installer)'), 'sensor-installers'),
    (re.compile(r'^/policy/[a-z]+/device-control'), 'device-control-policies'),
    (re.compile(r'^/policy/[a-z]+/firewall'), 'firewall-management'),
    (re.compile(r'^/policy/[a-z]+/response'), 'response-policies'),
    (re.compile(r'^/settings/entities/policy'), 'cspm-registration'),
    (re.compile(r'^/mssp/'), 'mssp'),
)

# Calls that only read although their method is not GET: they take ids or a query in a body (spec `security`).
_BODY_READS = (
    ('POST', re.compile(r'^/devices/entities/devices/v')),
    ('POST', re.compile(r'^/alerts/entities/alerts/v')),
    ('POST', re.compile(r'^/alerts/aggregates/')),
    ('POST', re.compile(r'^/alerts/combined/alerts/v')),
    ('POST', re.compile(r'^/mssp/entities/children/GET/')),
)


def _is_write(method, path):
    """True when method on path changes something (it needs the family's write scope)."""
    if method in ('GET', 'HEAD'):
        return False
    return not any(method == want and pattern.match(path) for want, pattern in _BODY_READS)


def scope_for(method, path):
    """Return the API scope (for example devices:write) that method on path needs, or None when unknown."""
    method = (method or '').upper()
    path = (path or '').split('?', 1)[0]
    for pattern, family in _FAMILIES:
        if pattern.match(path):
            return '%s:%s' % (family, 'write' if _is_write(method, path) else 'read')
    return None


def describe_scope(scope):
    """Return 'devices:write (Hosts: Write)', or the scope alone when its console name is unknown."""
    name = SCOPE_NAMES.get(scope)
    return '%s (%s)' % (scope, name) if name else scope


def missing_scope_hint(method, path, status):
    """The hint for a 403 of method on path: the scope the API client needs; None for other answers."""
    if status != 403:
        return None
    scope = scope_for(method, path)
    if scope is None:
        return None
    return 'The API client needs the API scope %s: add it to the API client in the Falcon console.' % describe_scope(
        scope
    )
