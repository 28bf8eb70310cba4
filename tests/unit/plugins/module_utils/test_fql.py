"""Unit tests of the FQL builders and of the errors that name a filter."""

from urllib.parse import urlencode

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconApiError
from ansible_collections.secops.falcon.plugins.module_utils._fql import (
    MAX_FILTER_BYTES,
    any_of,
    any_of_batches,
    encoded_size,
    filter_error,
    quote,
)


def test_quote_plain_value():
    assert quote('web-01') == "'web-01'"


def test_quote_escapes_quote_and_backslash():
    assert quote("o'brien\\pc") == "'o\\'brien\\\\pc'"


def test_quote_cannot_be_broken_out_of():
    # A value trying to close the literal and add its own clause stays one literal.
    literal = quote("x',platform_name:'Linux")
    assert literal == "'x\\',platform_name:\\'Linux'"


def test_any_of_ors_single_forms():
    # The single form is the case-insensitive one on the real API (API behaviour 9.2); the list form is case-sensitive.
    assert any_of('hostname', ['a', "b'c"]) == "hostname:'a',hostname:'b\\'c'"


def test_any_of_batches_respects_value_count():
    values = ['h%d' % i for i in range(7)]
    batches = list(any_of_batches('hostname', values, max_values=3))
    assert [b[1] for b in batches] == [values[0:3], values[3:6], values[6:]]
    assert batches[0][0] == "hostname:'h0',hostname:'h1',hostname:'h2'"


def test_any_of_batches_counts_encoded_bytes():
    values = ['x' * 40] * 10
    batches = list(any_of_batches('hostname', values, max_bytes=200))
    assert all(encoded_size(fql) <= 200 for fql, _values in batches)
    assert sum(len(vals) for _fql, vals in batches) == 10


def test_cjk_names_stay_under_the_byte_limit_as_requests_encodes_them():
    # 306 CJK names: sized in characters, one filter would be about 18 KB once percent-encoded (issue 10 #17).
    names = ['東京サーバー%03d' % i for i in range(306)]
    batches = list(any_of_batches('hostname', names))
    assert len(batches) > 1
    assert sum(len(vals) for _fql, vals in batches) == 306
    for fql, _vals in batches:
        assert len(urlencode({'filter': fql})) - len('filter=') <= MAX_FILTER_BYTES


def test_hundreds_of_ascii_names_fit_few_filters():
    names = ['host-%05d' % i for i in range(300)]
    assert len(list(any_of_batches('hostname', names))) == 2


def test_any_of_batches_keeps_an_oversized_value_alone():
    batches = list(any_of_batches('hostname', ['y' * 200, 'z'], max_bytes=50))
    assert [vals for _fql, vals in batches] == [['y' * 200], ['z']]


def test_any_of_batches_empty():
    assert not list(any_of_batches('hostname', []))


def test_filter_error_names_the_filter_on_400_and_500_only():
    bad = FalconApiError('GET /x failed', status=400, errors=[{'code': 400, 'message': 'Invalid filter'}])
    assert "The API rejected the FQL filter \"a:'b'\": Invalid filter" in str(filter_error(bad, "a:'b'"))
    server = FalconApiError(
        'GET /x failed after 4 attempts', status=500, errors=[{'code': 500, 'message': 'internal error'}]
    )
    text = str(filter_error(server, "os_version:'*10*'"))
    assert "HTTP 500 to the FQL filter \"os_version:'*10*'\" even after retries" in text and 'check the filter' in text
    denied = FalconApiError('GET /x failed', status=403)
    assert filter_error(denied, "a:'b'") is denied
    assert filter_error(bad, None) is bad
