"""Unit tests of the pagination helpers."""
import pytest

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconApiError, FalconConfigError
from ansible_collections.secops.falcon.plugins.module_utils._paging import batched, iter_offset, iter_scroll
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
            page = self.ids[start:start + limit]
            # Like the real API, the last page still carries a token.
            pagination = {'offset': 'tok-%d' % (start + len(page)), 'total': len(self.ids)}
        else:
            start = params['offset']
            page = self.ids[start:start + limit]
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


def test_scroll_walks_until_empty():
    client = PagedClient(IDS, scroll=True)
    assert list(iter_scroll(client, '/s', {'filter': 'x'}, page_size=10)) == IDS
    assert 'offset' not in client.calls[0]
    assert client.calls[1]['offset'] == 'tok-10'


def test_scroll_stops_on_empty_page_after_last_token():
    client = PagedClient(IDS[:10], scroll=True)
    client.ids = IDS[:10]
    got = list(iter_scroll(client, '/s', page_size=10))
    assert got == IDS[:10]


def test_scroll_limit():
    client = PagedClient(IDS, scroll=True)
    assert list(iter_scroll(client, '/s', page_size=10, limit=12)) == IDS[:12]
    assert [c['limit'] for c in client.calls] == [10, 2]


class StuckScrollClient:
    """A scroll endpoint that keeps answering a full page with the same offset token and no total."""

    def __init__(self):
        self.calls = 0

    def request(self, method, path, params=None, **_kwargs):
        self.calls += 1
        return FalconResponse(200, {'meta': {'pagination': {'offset': 'tok-stuck'}}, 'resources': ['a', 'b']})


def test_scroll_with_a_token_that_never_advances_fails_instead_of_looping():
    client = StuckScrollClient()
    with pytest.raises(FalconApiError, match='same scroll offset twice'):
        list(iter_scroll(client, '/s', page_size=2))
    assert client.calls == 2


def test_bad_limit():
    with pytest.raises(FalconConfigError):
        list(iter_offset(PagedClient(IDS), '/q', limit=-1))


def test_batched():
    assert list(batched(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(batched([], 3)) == []
    with pytest.raises(ValueError):
        list(batched([1], 0))
