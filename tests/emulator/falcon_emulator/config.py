"""Emulator settings: one dataclass, validated once, changeable at run time through configure()."""

import dataclasses
from typing import Any, Dict, List, Optional

# Cloud names in the order the listeners are opened (--port N gives us-1 port N, the next cloud N+1, ...).
CLOUDS = ('us-1', 'us-2', 'us-3', 'eu-1', 'us-gov-1', 'us-gov-2')
GOV_CLOUDS = frozenset(['us-gov-1', 'us-gov-2'])
REGION_HEADER_MODES = ('auto', 'always', 'never')
SCROLL_TOKEN_MODES = ('constant', 'rotating')
FQL_TEXT_MATCH_MODES = ('recorded', 'exact')
POLICY_FILTER_MODES = ('recorded', 'lenient')
ACTION_PARTIAL_STATUSES = (400, 207, 409)
SCROLL_EXPIRED_STATUSES = (400, 404, 500)
SCROLL_BAD_FILTER_STATUSES = (500, 400)
CREDENTIAL_STATUSES = (400, 401, 403)
ACTIONS = ('contain', 'lift_containment', 'hide_host', 'unhide_host', 'detection_suppress', 'detection_unsuppress')
# Per-call id caps of devices-actions. contain/lift: 100, as CrowdStrike's Falcon-Toolkit batches them
# (API behaviour 9.4; the real maximum is UNVERIFIED); hide/unhide: 100 (PSFalcon, ansible #465); detection_*: 500
# (PSFalcon).
DEFAULT_ACTION_MAX_IDS = {
    'contain': 100,
    'lift_containment': 100,
    'hide_host': 100,
    'unhide_host': 100,
    'detection_suppress': 500,
    'detection_unsuppress': 500,
}
MAX_HOSTS = 100000

# Keys that configure() / POST /_emulator/config may change while the emulator runs.
RUNTIME_KEYS = frozenset(
    [
        'containment_delay',
        'token_lifetime',
        'faults',
        'token_rate_limit',
        'api_rate_limit',
        'scroll_ttl',
        'region_header',
        'bad_credentials_status',
        'action_max_ids',
        'scroll_token_mode',
        'scroll_expired_status',
        'fql_text_match',
        'policy_filters',
        'action_partial_status',
        'scroll_bad_filter_status',
        'unknown_client_status',
        'rate_limit_retry_grace',
        'alert_comments_field',
        'alert_extra_fields',
    ]
)
# Settings that must be one of a few values: name -> allowed values.
CHOICES = {
    'region_header': REGION_HEADER_MODES,
    'scroll_token_mode': SCROLL_TOKEN_MODES,
    'fql_text_match': FQL_TEXT_MATCH_MODES,
    'policy_filters': POLICY_FILTER_MODES,
    'action_partial_status': ACTION_PARTIAL_STATUSES,
    'scroll_expired_status': SCROLL_EXPIRED_STATUSES,
    'scroll_bad_filter_status': SCROLL_BAD_FILTER_STATUSES,
    'bad_credentials_status': CREDENTIAL_STATUSES,
    'unknown_client_status': CREDENTIAL_STATUSES,
}


@dataclasses.dataclass
class EmulatorConfig:
    """Everything the emulator can be told; defaults follow the real API where it is known."""

    hosts: int = 50
    seed: int = 1
    containment_delay: float = 1.0
    token_lifetime: int = 1799
    # /oauth2/token allows 300 requests a minute per source address (API behaviour 9.5, J1 HARs and gofalcon #364).
    token_rate_limit: Optional[int] = 300
    api_rate_limit: Optional[int] = 6000
    tls: bool = False
    scroll_ttl: float = 120.0
    # 'constant': one token per scroll session, the same string on every page, a server-side cursor (API behaviour 9.1).
    # 'rotating': a new token on every page (the guess of API behaviour 4.2).
    scroll_token_mode: str = 'constant'
    # Status of an unknown or expired scroll token: UNVERIFIED (an Elasticsearch scroll id behind device-api);
    # 400 is what the API answers for other bad parameters.
    scroll_expired_status: int = 400
    # 'recorded': field:'v' is a case-insensitive prefix match on text fields, field:['a','b'] exact and
    # case-sensitive, '*x' works, '*x*' matches nothing, !~ is refused (API behaviour 9.2). 'exact': the older guess.
    fql_text_match: str = 'recorded'
    # 'recorded': name is not filterable on sensor-update, only platform_default policies match a plain name
    # filter elsewhere, an unknown field gives 200 with nothing, sort by platform_name gives 500 (API behaviour 9.3).
    policy_filters: str = 'recorded'
    # HTTP status of a devices-actions batch that accepted some hosts and refused others: UNVERIFIED
    # (API behaviour 9.4).
    action_partial_status: int = 400
    # A bad filter on devices-scroll "usually" answered 500 (API behaviour 9.5, falconpy #1253).
    scroll_bad_filter_status: int = 500
    # An unknown client id answers 400 'Failed to generate access token for clientID=...' (API behaviour 9.5).
    unknown_client_status: int = 400
    # A retry that comes back at X-Ratelimit-Retryafter but less than this many seconds after it meets another 429
    # (API behaviour 9.5, J1 CrowdStrikeApiGateway.ts); 0 turns this off.
    rate_limit_retry_grace: float = 1.0
    # 'auto' omits X-Cs-Region on 201 token answers to FalconPy: it would otherwise swap a custom base_url for the
    # real cloud's URL (API behaviour safety note). Our own client sends another User-Agent and gets the header.
    region_header: str = 'auto'
    # A wrong secret for a known client id (API behaviour 1.1, 9.5).
    bad_credentials_status: int = 403
    # Per-call id caps of devices-actions: a dict action_name -> int (actions left out keep their default), one int
    # for every action, or None (no cap). Over the cap the whole batch is refused with 400.
    action_max_ids: Optional[Any] = dataclasses.field(default_factory=lambda: dict(DEFAULT_ACTION_MAX_IDS))
    # The spec's alert record (DetectsExternalAlert, API behaviour 9.8) has no comments field; True adds one (not the
    # API).
    alert_comments_field: bool = False
    # The spec's alert record has none of alert_store.EXTRA_FIELDS (device block, filename, filepath, cmdline,
    # user_name, seen, falcon_host_link); True shows them in every alert answer (not the API). FQL reads them either way.
    alert_extra_fields: bool = False
    faults: List[Dict[str, Any]] = dataclasses.field(default_factory=list)
    bind: str = '127.0.0.1'
    port: int = 0

    def validate(self):
        """Raise ValueError naming the bad value and what is allowed."""
        if not isinstance(self.hosts, int) or not 0 <= self.hosts <= MAX_HOSTS:
            raise ValueError('hosts must be an integer from 0 to %d, got %r' % (MAX_HOSTS, self.hosts))
        check_runtime(dataclasses.asdict(self))
        if not isinstance(self.port, int) or not (self.port == 0 or 1 <= self.port <= 65535 - len(CLOUDS)):
            raise ValueError('port must be 0 (ephemeral) or 1..%d, got %r' % (65535 - len(CLOUDS), self.port))
        return self


def _number(name, value, minimum, allow_none=False):
    """Check one numeric setting."""
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
        raise ValueError(
            '%s must be a number >= %s%s, got %r' % (name, minimum, ' or null' if allow_none else '', value)
        )


def _check_action_max_ids(value):
    """action_max_ids: None, a positive int, or a dict of known action names -> positive int."""
    if value is None:
        return
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(ACTIONS))
        if unknown:
            raise ValueError(
                'action_max_ids: unknown action(s) %s; allowed: %s' % (', '.join(map(str, unknown)), ', '.join(ACTIONS))
            )
        for action, cap in value.items():
            _number('action_max_ids[%s]' % action, cap, 1)
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(
            'action_max_ids must be a dict of action_name -> int, one int >= 1, or null, got %r' % (value,)
        )


def action_cap(config, action):
    """The per-call id cap of an action under config.action_max_ids (None = no cap)."""
    value = config.action_max_ids
    if value is None:
        return None
    if isinstance(value, dict):
        return value.get(action, DEFAULT_ACTION_MAX_IDS.get(action))
    return value


def check_runtime(values):
    """Validate the run-time keys present in values (a dict)."""
    unknown = sorted(set(values) - RUNTIME_KEYS - {f.name for f in dataclasses.fields(EmulatorConfig)})
    if unknown:
        raise ValueError(
            'unknown emulator setting(s) %s; allowed: %s' % (', '.join(unknown), ', '.join(sorted(RUNTIME_KEYS)))
        )
    if 'containment_delay' in values:
        _number('containment_delay', values['containment_delay'], 0)
    if 'token_lifetime' in values:
        _number('token_lifetime', values['token_lifetime'], 1)
    if 'scroll_ttl' in values:
        _number('scroll_ttl', values['scroll_ttl'], 0)
    if 'token_rate_limit' in values:
        _number('token_rate_limit', values['token_rate_limit'], 1, allow_none=True)
    if 'api_rate_limit' in values:
        _number('api_rate_limit', values['api_rate_limit'], 1, allow_none=True)
    if 'rate_limit_retry_grace' in values:
        _number('rate_limit_retry_grace', values['rate_limit_retry_grace'], 0)
    if 'alert_comments_field' in values and not isinstance(values['alert_comments_field'], bool):
        raise ValueError('alert_comments_field must be true or false, got %r' % (values['alert_comments_field'],))
    if 'alert_extra_fields' in values and not isinstance(values['alert_extra_fields'], bool):
        raise ValueError('alert_extra_fields must be true or false, got %r' % (values['alert_extra_fields'],))
    for name, allowed in CHOICES.items():
        if name in values and (isinstance(values[name], bool) or values[name] not in allowed):
            raise ValueError('%s must be one of %s, got %r' % (name, ', '.join(str(a) for a in allowed), values[name]))
    if 'action_max_ids' in values:
        _check_action_max_ids(values['action_max_ids'])
    if 'faults' in values:
        from .faults import parse_faults  # pylint: disable=import-outside-toplevel

        parse_faults(values['faults'])
