"""Unit tests of the shared message wording: counts, shortened lists, described items, API reasons."""

from ansible_collections.secops.falcon.plugins.module_utils._text import api_reason, describe_items, plural, shortlist


def test_plural_regular_and_irregular():
    assert plural(1, 'alert') == '1 alert' and plural(2, 'alert') == '2 alerts' and plural(0) == '0 hosts'
    assert plural(3, 'requested alert') == '3 requested alerts'
    assert plural(2, 'policy', 'policies') == '2 policies'


def test_shortlist_ends_with_the_count_when_cut():
    assert shortlist(['a', 'b']) == 'a, b'
    assert shortlist(range(12)) == '0, 1, 2, 3, 4, 5, 6, 7, 8, 9, … (12 in all)'


def test_describe_items_names_the_first_ten_then_the_count():
    assert describe_items([]) == ''
    assert describe_items([('a', 'x'), ('b', 'y')]) == 'a: x; b: y'
    pairs = [('id-%02d' % i, 'refused') for i in range(12)]
    text = describe_items(pairs)
    assert text.startswith('id-00: refused; id-01: refused;')
    assert text.endswith('id-09: refused; … (12 in all)') and 'id-10' not in text
    assert describe_items(iter(pairs), limit=2) == 'id-00: refused; id-01: refused; … (12 in all)'


def test_describe_items_at_the_limit_has_no_tail():
    assert describe_items([('id', 'r')] * 10).count('id: r') == 10
    assert 'in all' not in describe_items([('id', 'r')] * 10)


def test_api_reason_with_and_without_a_code():
    assert api_reason(403, 'access denied') == '403: access denied'
    assert api_reason('E1', 'bad id') == 'E1: bad id'
    assert api_reason(None, 'no code') == 'no code' and api_reason(0, 'zero') == 'zero' and api_reason('', 7) == '7'
