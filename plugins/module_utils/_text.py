# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wording shared by the modules' messages (counts, shortened lists, API reasons), and option text. Internal use only."""

from __future__ import annotations

# Messages name at most this many values; the result lists hold them all.
SHOWN = 10


def stripped(value, missing=''):
    """value as text without surrounding blanks (str() of anything else); missing ('' unless given) for None."""
    return missing if value is None else str(value).strip()


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


def describe_items(pairs, limit: int = SHOWN) -> str:
    """Return 'label: text; label: text' for the first limit (label, text) pairs, then '; … (N in all)' if more."""
    pairs = list(pairs)
    text = '; '.join('%s: %s' % (label, value) for label, value in pairs[:limit])
    if len(pairs) > limit:
        text += '; … (%d in all)' % len(pairs)
    return text


def api_reason(code, message) -> str:
    """'<code>: <message>' for a result list (the message alone without a code)."""
    return '%s: %s' % (code, message) if code else str(message)
