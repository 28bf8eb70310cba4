# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wording shared by the modules' messages (counts, shortened lists). Internal use only."""

from __future__ import annotations

# Messages name at most this many values; the result lists hold them all.
SHOWN = 10


def plural(count: int, word: str = 'host', plural_word: str | None = None) -> str:
    """Return '1 host' / '2 hosts' (or plural_word for irregular plurals)."""
    return '%d %s' % (count, word if count == 1 else (plural_word or word + 's'))


def shortlist(values: list, limit: int = SHOWN) -> str:
    """Return 'a, b, c' for the first limit values, then ', … (N in all)' when some were left out."""
    values = [str(v) for v in values]
    text = ', '.join(values[:limit])
    if len(values) > limit:
        text += ', … (%d in all)' % len(values)
    return text
