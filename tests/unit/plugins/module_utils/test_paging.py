"""Unit tests of the pagination helpers."""

import pytest

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconApiError, FalconConfigError
from ansible_collections.secops.falcon.plugins.module_utils._paging import batched, iter_offset, scroll_pages
from ansible_collections.secops.falcon.plugins.module_utils._response import FalconResponse


class PagedClient:
    """A client answering numeric-offset or scroll pages from a list of ids (records the params of each call)."""

    def __init__(self, ids, scroll=False, echo_start=False, omit_total=False):
        self.ids = ids
        self.scroll = scroll
        self.echo_start = echo_start
        self.omit_total = omit_total
        self.calls = []

    def request(self, method, path, params=None, **_kwargs):
        self.calls.append(dict(params))
        limit = params['limit']
        if self.scroll:
            start = int(params.get('offset', 'tok-0').split('-')[1])
            page = self.ids[start : start + limit]
            # Like the real API, the last page still carries a token.
            pagination = {'offset': 'tok-%d' % (start + len(page)), 'total': len(self.ids)}
        else:
            start = params['offset']
            page = self.ids[start : start + limit]
            pagination = {'offset': start if self.echo_start else start + len(page), 'limit': limit}
            if not self.omit_total:
                pagination['total'] = len(self.ids)
        body = {'meta': {'pagination': pagination}, 'resources': page or None, 'errors': []}
        return FalconResponse(200, body)


IDS = ['id%03d' % i for i in range(23)]


@pytest.mark.parametrize('kwargs', [{}, {'echo_start': True}, {'omit_total': True}])
def test_offset_walks_all_pages(kwargs):
    client = PagedClient(IDS, **kwargs)
    assert list(iter_offset(client, '/q', {'filter': 'x'}, page_size=5)) == IDS
    assert [c['offset'] for c in client.calls][:5] == [0, 5, 10, 15, 20]
    assert all(c['filter'] == 'x' for c in client.calls)


def test_offset_stops_at_total_without_extra_call():
    client = PagedClient(IDS)
    list(iter_offset(client, '/q', page_size=5))
    assert len(client.calls) == 5


def test_offset_limit():
    client = PagedClient(IDS)
    assert list(iter_offset(client, '/q', page_size=5, limit=7)) == IDS[:7]
    assert [c['limit'] for c in client.calls] == [5, 2]
    assert list(iter_offset(client, '/q', limit=0)) == []


def test_offset_empty():
    assert list(iter_offset(PagedClient([]), '/q')) == []


def scrolled(client, path, params=None, **kwargs):
    """Every resource scroll_pages reads."""
    return [item for response in scroll_pages(client, path, params, **kwargs) for item in response.resources]


def test_scroll_walks_until_total():
    client = PagedClient(IDS, scroll=True)
    assert scrolled(client, '/s', {'filter': 'x'}, page_size=10) == IDS
    assert 'offset' not in client.calls[0]
    assert client.calls[1]['offset'] == 'tok-10'
    assert len(client.calls) == 3  # the total is reached on page 3: no call for the empty page after it


def test_scroll_stops_on_empty_page_after_last_token():
    client = PagedClient(IDS[:10], scroll=True)
    client.omit_total = True
    assert scrolled(client, '/s', page_size=10) == IDS[:10]


def test_scroll_limit():
    client = PagedClient(IDS, scroll=True)
    assert scrolled(client, '/s', page_size=10, limit=12) == IDS[:12]
    assert [c['limit'] for c in client.calls] == [10, 2]


class ConstantTokenScroll:
    """The scroll as recorded (API behaviour 9.1): one token for the whole session, a server-side cursor, {total: 0,
    offset: ""} and no resources after the last page, no limit key. total_shown overrides the total on each page."""

    def __init__(self, ids, total_shown=None, empty_offset=True):
        self.ids = ids
        self.cursor = 0
        self.total_shown = total_shown
        self.empty_offset = empty_offset
        self.calls = []

    def request(self, method, path, params=None, **_kwargs):
        self.calls.append(dict(params))
        if self.calls[1:]:
            assert params['offset'] == 'DnF1ZXJ5VGhlbkZldGNo-constant'
        page = self.ids[self.cursor : self.cursor + params['limit']]
        self.cursor += len(page)
        if page:
            pagination = {
                'offset': 'DnF1ZXJ5VGhlbkZldGNo-constant',
                'expires_at': 1764590000000000000 + len(self.calls),
                'total': len(self.ids) if self.total_shown is None else self.total_shown,
            }
        else:
            pagination = {'total': 0, 'offset': '' if self.empty_offset else 'DnF1ZXJ5VGhlbkZldGNo-constant'}
        return FalconResponse(200, {'meta': {'pagination': pagination}, 'resources': page, 'errors': []})


def test_constant_token_reads_25000_in_three_calls():
    ids = ['d%05d' % i for i in range(25000)]
    client = ConstantTokenScroll(ids)
    assert scrolled(client, '/s', page_size=10000) == ids
    assert [c.get('offset') for c in client.calls] == [None] + ['DnF1ZXJ5VGhlbkZldGNo-constant'] * 2


def test_constant_token_with_an_overstated_total_stops_on_the_empty_page():
    # total says 40 but the cursor holds 23: the repeated token is never an error; the empty page ends it.
    client = ConstantTokenScroll(IDS, total_shown=40)
    assert scrolled(client, '/s', page_size=10) == IDS
    assert len(client.calls) == 4


def test_constant_token_stops_once_the_total_is_read():
    # The server would go on (it never sends offset ""), but the 23 announced hosts are read after 3 pages.
    client = ConstantTokenScroll(IDS * 10, total_shown=23, empty_offset=False)
    assert len(scrolled(client, '/s', page_size=10)) == 30
    assert len(client.calls) == 3


class GrowingTotalScroll:
    """A scroll whose total grows on every page (so it is never reached): only the page bound stops it."""

    def __init__(self):
        self.calls = 0

    def request(self, method, path, params=None, **_kwargs):
        self.calls += 1
        pagination = {'offset': 'tok', 'total': 20 + 100 * (self.calls - 1)}
        return FalconResponse(200, {'meta': {'pagination': pagination}, 'resources': ['x%d' % self.calls] * 10})


def test_page_count_is_bounded_by_ceil_total_over_size_plus_one():
    client = GrowingTotalScroll()
    list(scroll_pages(client, '/s', page_size=10))
    assert client.calls == 3  # ceil(20 / 10) + 1


class StuckScrollClient:
    """A scroll endpoint that keeps answering the same full page with the same offset token and no total."""

    def __init__(self):
        self.calls = 0

    def request(self, method, path, params=None, **_kwargs):
        self.calls += 1
        return FalconResponse(200, {'meta': {'pagination': {'offset': 'tok-stuck'}}, 'resources': ['a', 'b']})


def test_scroll_repeating_one_page_without_total_fails_instead_of_looping():
    client = StuckScrollClient()
    with pytest.raises(FalconApiError, match='same scroll page twice'):
        scrolled(client, '/s', page_size=2)
    assert client.calls == 2


def test_bad_limit():
    with pytest.raises(FalconConfigError):
        list(iter_offset(PagedClient(IDS), '/q', limit=-1))


def test_batched():
    assert list(batched(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(batched([], 3)) == []
    with pytest.raises(ValueError):
        list(batched([1], 0))
