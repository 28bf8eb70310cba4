# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FQL (Falcon Query Language) builders and the errors that name a filter. Internal use only: not a public API."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote_plus

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconApiError

if TYPE_CHECKING:  # names of the annotations only (no import at run time: no cycle, nothing for the targets)
    from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconError


# One filter travels in the query string of a GET, percent-encoded (a CJK character is 9 bytes there, a quote 3).
# 6000 bytes keep the request line well under the common 8 KiB limit of proxies and gateways.
MAX_FILTER_BYTES = 6000
# Hostnames are short, but a list of thousands still has to be split: this bounds the values per filter.
MAX_FILTER_VALUES = 500
# The answers the API gives to a filter it cannot use: 400 "Invalid filter", and on the devices scroll often 500
# (API behaviour 9.5: a wildcard on os_version, last_seen:'Last week').
FILTER_STATUSES = (400, 500)


def quote(value: str) -> str:
    """Return value as a single-quoted FQL string literal (backslash and quote escaped)."""
    text = str(value)
    # FQL string literals use backslash escapes, so escape the backslash first, then the quote.
    return "'" + text.replace('\\', '\\\\').replace("'", "\\'") + "'"


def encoded_size(text: str) -> int:
    """Return the bytes text takes in a query string (percent-encoded UTF-8, as requests sends it)."""
    return len(quote_plus(text))


def any_of(field: str, values: list[str]) -> str:
    """Return the FQL 'field is any of values' as OR'd single forms: field:'a',field:'b'.

    The single form is case-insensitive (a prefix match on text fields), the list form field:['a','b'] is exact and
    case-sensitive on the real API (API behaviour 9.2): callers that need exact names match the result themselves.
    """
    return ','.join('%s:%s' % (field, quote(v)) for v in values)


def any_of_batches(field, values, max_bytes=MAX_FILTER_BYTES, max_values=MAX_FILTER_VALUES):
    """Yield (filter, values) pairs covering values, each filter at most max_bytes once encoded and max_values wide."""
    batch = []
    size = 0
    comma = encoded_size(',')
    for value in values:
        cost = encoded_size('%s:%s' % (field, quote(value))) + (comma if batch else 0)
        if batch and (size + cost > max_bytes or len(batch) >= max_values):
            yield any_of(field, batch), batch
            batch = []
            size = 0
            cost -= comma
        batch.append(value)
        size += cost
    if batch:
        yield any_of(field, batch), batch


def filter_error(err: FalconError, fql: str) -> FalconError:
    """Return a FalconApiError naming the FQL filter when the API answered it 400 or 500, else err unchanged."""
    if not (isinstance(err, FalconApiError) and err.status in FILTER_STATUSES and fql):
        return err
    api = '; '.join(str(e.get('message')) for e in (err.errors or []) if isinstance(e, dict) and e.get('message'))
    if err.status == 400:
        text = 'The API rejected the FQL filter %r: %s' % (fql, api or err.message)
    else:
        # The transport already retried the read; a 500 that persists is how the scroll endpoint answers many bad
        # filters (API behaviour 9.5), so the filter is the first thing to check.
        text = (
            'The API answered HTTP 500 to the FQL filter %r even after retries: %s. The real API answers some '
            'filters it cannot evaluate this way (for example a wildcard on a non-text field or a date it cannot '
            'parse); check the filter' % (fql, api or err.message)
        )
    return FalconApiError(text, status=err.status, trace_id=err.trace_id, errors=err.errors)
