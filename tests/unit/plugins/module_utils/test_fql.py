"""Unit tests of the FQL builders."""
from ansible_collections.secops.falcon.plugins.module_utils._fql import in_list, in_list_batches, quote


def test_quote_plain_value():
    assert quote('web-01') == "'web-01'"


def test_quote_escapes_quote_and_backslash():
    assert quote("o'brien\\pc") == "'o\\'brien\\\\pc'"


def test_quote_cannot_be_broken_out_of():
    # A value trying to close the literal and add its own clause stays one literal.
    literal = quote("x',platform_name:'Linux")
    assert literal == "'x\\',platform_name:\\'Linux'"


def test_in_list():
    assert in_list('hostname', ['a', "b'c"]) == "hostname:['a','b\\'c']"


def test_in_list_batches_respects_value_count():
    values = ['h%d' % i for i in range(7)]
    batches = list(in_list_batches('hostname', values, max_values=3))
    assert [b[1] for b in batches] == [values[0:3], values[3:6], values[6:]]
    assert batches[0][0] == "hostname:['h0','h1','h2']"


def test_in_list_batches_respects_length():
    values = ['x' * 40] * 10
    batches = list(in_list_batches('hostname', values, max_chars=100))
    assert all(len(fql) <= 100 for fql, _values in batches)
    assert sum(len(vals) for _fql, vals in batches) == 10
    assert len(batches) == 5


def test_in_list_batches_keeps_an_oversized_value_alone():
    batches = list(in_list_batches('hostname', ['y' * 200, 'z'], max_chars=50))
    assert [vals for _fql, vals in batches] == [['y' * 200], ['z']]


def test_in_list_batches_empty():
    assert not list(in_list_batches('hostname', []))
