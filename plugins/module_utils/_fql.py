# -*- coding: utf-8 -*-
# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FQL (Falcon Query Language) builders. Internal use only: not a public API of the collection."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# One filter travels in the query string of a GET; keep it well under common 8 KiB URL limits once percent-encoded.
MAX_FILTER_CHARS = 4000
# Hostnames are short, but a list of thousands still has to be split: this bounds the values per filter.
MAX_FILTER_VALUES = 500


def quote(value):
    """Return value as a single-quoted FQL string literal (backslash and quote escaped)."""
    text = str(value)
    # FQL string literals use backslash escapes, so escape the backslash first, then the quote.
    return "'" + text.replace('\\', '\\\\').replace("'", "\\'") + "'"


def in_list(field, values):
    """Return an FQL "field is any of values" expression: field:['a','b']."""
    return '%s:[%s]' % (field, ','.join(quote(v) for v in values))


def in_list_batches(field, values, max_chars=MAX_FILTER_CHARS, max_values=MAX_FILTER_VALUES):
    """Yield (filter, values) pairs covering values, each filter at most max_chars long and max_values wide."""
    batch = []
    size = len(field) + 3  # field + ':[' + ']'
    for value in values:
        cost = len(quote(value)) + 1  # the literal plus its comma
        if batch and (size + cost > max_chars or len(batch) >= max_values):
            yield in_list(field, batch), batch
            batch = []
            size = len(field) + 3
        batch.append(value)
        size += cost
    if batch:
        yield in_list(field, batch), batch
