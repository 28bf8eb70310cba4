# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of the ids users pass (host, policy and CSPM policy ids), in one place. Internal use only."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconConfigError

if TYPE_CHECKING:  # names of the annotations only (no import at run time: no cycle, nothing for the targets)
    from collections.abc import Iterable


# Full matches only: with re.match and '$', 'abc...\n' would pass (a trailing newline from a file or a YAML block).
HEX32_RE = re.compile(r'[0-9a-fA-F]{32}')
CSPM_POLICY_ID_RE = re.compile(r'[0-9]+')
HEX32_EXAMPLE = '0123456789abcdef' * 2
# How many malformed ids an error names: enough to see the mistake, not a screen of 20,000.
NAMED_BAD_IDS = 5


def unique(values: Iterable[str]) -> list[str]:
    """Return values without duplicates, keeping the first occurrence's order."""
    seen = set()
    out = []
    for value in values:
        if value not in seen:
            seen.add(value)
            out.append(value)
    return out


def is_hex32(value: object) -> bool:
    """True when value is exactly 32 hexadecimal characters (nothing before or after)."""
    return isinstance(value, str) and HEX32_RE.fullmatch(value) is not None


def validate_hex32_ids(ids: list, what: str) -> list[str]:
    """Return ids lowercased and de-duplicated (order kept); FalconConfigError names every malformed one."""
    bad = [i for i in ids if not is_hex32(i)]
    if bad:
        named = ', '.join(repr(b) for b in bad[:NAMED_BAD_IDS])
        if len(bad) > NAMED_BAD_IDS:
            named += ' and %d more (%d of the %d given are malformed)' % (len(bad) - NAMED_BAD_IDS, len(bad), len(ids))
        raise FalconConfigError(
            'Invalid %s %s: each must be exactly 32 hexadecimal characters (e.g. %s).' % (what, named, HEX32_EXAMPLE)
        )
    return unique(i.lower() for i in ids)


def validate_cspm_policy_id(value):
    """Return a CSPM policy id as its digits (e.g. '257'); FalconConfigError for anything else."""
    text = value if isinstance(value, str) else str(value)
    if isinstance(value, bool) or CSPM_POLICY_ID_RE.fullmatch(text) is None:
        raise FalconConfigError('Invalid CSPM policy_id %r: it must be a number, e.g. 257.' % (value,))
    return text
