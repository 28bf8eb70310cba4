"""Emulator settings: one dataclass, validated once, changeable at run time through configure()."""
import dataclasses
from typing import Any, Dict, List, Optional

# Cloud names in the order the listeners are opened (--port N gives us-1 port N, the next cloud N+1, ...).
CLOUDS = ('us-1', 'us-2', 'us-3', 'eu-1', 'us-gov-1', 'us-gov-2')
GOV_CLOUDS = frozenset(['us-gov-1', 'us-gov-2'])
REGION_HEADER_MODES = ('auto', 'always', 'never')
MAX_HOSTS = 100000

# Keys that configure() / POST /_emulator/config may change while the emulator runs.
RUNTIME_KEYS = frozenset([
    'containment_delay', 'token_lifetime', 'faults', 'token_rate_limit', 'api_rate_limit', 'scroll_ttl',
    'region_header', 'bad_credentials_status', 'action_max_ids',
])


@dataclasses.dataclass
class EmulatorConfig:
    """Everything the emulator can be told; defaults follow the real API where it is known."""

    hosts: int = 50
    seed: int = 1
    containment_delay: float = 1.0
    token_lifetime: int = 1799
    token_rate_limit: Optional[int] = None
    api_rate_limit: Optional[int] = 6000
    tls: bool = False
    scroll_ttl: float = 120.0
    # 'auto' omits X-Cs-Region on 201 token answers to FalconPy: it would otherwise swap a custom base_url for the
    # real cloud's URL (NOTES safety note). Our own client sends another User-Agent and gets the header.
    region_header: str = 'auto'
    bad_credentials_status: int = 403
    # Per-call id caps of devices-actions (PSFalcon's limits; the spec has no maxItems). None disables the check.
    action_max_ids: Optional[Dict[str, int]] = dataclasses.field(default_factory=lambda: {
        'contain': 500, 'lift_containment': 500, 'hide_host': 100, 'unhide_host': 100,
        'detection_suppress': 500, 'detection_unsuppress': 500})
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
        raise ValueError('%s must be a number >= %s%s, got %r' % (name, minimum, ' or null' if allow_none else '', value))


def check_runtime(values):
    """Validate the run-time keys present in values (a dict)."""
    unknown = sorted(set(values) - RUNTIME_KEYS - {f.name for f in dataclasses.fields(EmulatorConfig)})
    if unknown:
        raise ValueError('unknown emulator setting(s) %s; allowed: %s' % (', '.join(unknown), ', '.join(sorted(RUNTIME_KEYS))))
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
    if 'region_header' in values and values['region_header'] not in REGION_HEADER_MODES:
        raise ValueError('region_header must be one of %s, got %r' % (', '.join(REGION_HEADER_MODES), values['region_header']))
    if 'bad_credentials_status' in values and values['bad_credentials_status'] not in (400, 401, 403):
        raise ValueError('bad_credentials_status must be 400, 401 or 403, got %r' % (values['bad_credentials_status'],))
    if 'action_max_ids' in values and values['action_max_ids'] is not None and not isinstance(values['action_max_ids'], dict):
        raise ValueError('action_max_ids must be a dict of action_name -> int, or null')
    if 'faults' in values:
        from .faults import parse_faults  # pylint: disable=import-outside-toplevel
        parse_faults(values['faults'])
