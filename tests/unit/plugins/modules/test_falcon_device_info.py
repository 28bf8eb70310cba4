"""Unit tests of falcon_device_info: selectors, projection, messages and option errors (HTTP faked at the Session)."""

import json

import pytest

from ansible_collections.secops.falcon.plugins.modules import falcon_device_info

QUERY = '/devices/queries/devices/v1'
SCROLL = '/devices/queries/devices-scroll/v1'
DETAILS = '/devices/entities/devices/v2'


def aid(number):
    """A well-formed device id."""
    return '%032x' % number


def record(number):
    """A small device record."""
    return {'device_id': aid(number), 'hostname': 'host-%d' % number, 'status': 'normal', 'platform_name': 'Linux'}


@pytest.fixture
def session(session, fake):
    """The shared FakeSession (conftest: token, and every FalconClient of the module gets it), answering details."""
    records = dict((aid(i), record(i)) for i in range(10))
    session.add(
        DETAILS,
        lambda call: fake.make_response(
            200, fake.api_body([records[i] for i in call.kwargs['json']['ids'] if i in records])
        ),
    )
    return session


@pytest.fixture
def run(module_runner):
    """Run falcon_device_info with args; return the result dict."""

    def runner(**args):
        return module_runner(falcon_device_info, **args)[0]

    return runner


def scroll_page(fake, ids, total):
    return fake.make_response(200, fake.api_body(ids, pagination={'offset': 'tok', 'total': total}))


def test_ids_in_order_with_not_found(session, run):
    result = run(ids=[aid(3), aid(1), aid(77)], check_mode=True)
    assert result['changed'] is False and not result.get('failed')
    assert result['devices'] == [record(3), record(1)]
    assert result['total'] == 2 and result['not_found'] == [aid(77)]
    assert result['msg'] == 'Found 2 hosts (1 requested id not found: %s).' % aid(77)
    assert not session.calls_to(SCROLL)


def test_all_hosts_with_fields(fake, session, run):
    session.add(SCROLL, scroll_page(fake, [aid(i) for i in range(10)], 10))
    result = run(fields=['hostname', 'status'])
    assert result['devices'][0] == {'device_id': aid(0), 'hostname': 'host-0', 'status': 'normal'}
    assert result['total'] == 10 and result['msg'] == 'Found 10 hosts.'
    assert 'filter' not in session.calls_to(SCROLL)[0].kwargs['params']


def test_limit_reports_the_full_match_count(fake, session, run):
    session.add(QUERY, fake.make_response(200, fake.api_body([aid(0), aid(1)], pagination={'offset': 2, 'total': 10})))
    result = run(filter="platform_name:'Linux'", sort='hostname.asc', limit=2)
    assert [d['device_id'] for d in result['devices']] == [aid(0), aid(1)]
    assert result['total'] == 10 and result['msg'] == 'Found 2 hosts of 10 matching (limit 2).'
    assert session.calls_to(QUERY)[0].kwargs['params']['sort'] == 'hostname.asc'


def test_hostnames_not_found(fake, session, run):
    session.add(SCROLL, scroll_page(fake, [aid(4)], 1))
    result = run(hostnames=['HOST-4', 'gone'])
    assert [d['hostname'] for d in result['devices']] == ['host-4']
    assert result['not_found'] == ['gone'] and result['msg'] == 'Found 1 host (1 requested hostname not found: gone).'


def test_unknown_field_warns(session, run):
    result = run(ids=[aid(1)], fields=['hostnme'])
    assert result['devices'] == [{'device_id': aid(1)}]
    texts = [w['event']['msg'] if isinstance(w, dict) else w for w in result['warnings']]
    assert any('hostnme' in t for t in texts)


@pytest.mark.parametrize(
    'args, text',
    [
        ({'ids': [aid(1)], 'sort': 'hostname.asc'}, 'mutually exclusive'),
        ({'hostnames': ['a'], 'limit': 3}, 'mutually exclusive'),
        ({'ids': [aid(1)], 'filter': "a:'b'"}, 'mutually exclusive'),
        ({'limit': 0}, 'limit must be a positive number, got 0.'),
        ({'ids': ['12']}, "Invalid host id '12'"),
        ({'ids': [aid(1) + '\n']}, "Invalid host id '%s\\n'" % aid(1)),
        ({'filter': '   '}, "filter '   ' is blank; give an FQL filter, or leave filter out to select every host."),
        ({'hostnames': ['*']}, "Invalid hostname '*': hostnames are matched exactly"),
    ],
)
def test_bad_options_fail_clearly(session, run, args, text):
    result = run(**args)
    assert result['failed'] is True and text in result['msg']
    assert not session.calls_to(DETAILS) and not session.calls_to(SCROLL)


def test_many_not_found_are_cut_at_ten_with_the_count(fake, session, run):
    missing = [aid(100 + i) for i in range(12)]
    result = run(ids=[aid(1)] + missing)
    assert result['not_found'] == missing
    assert result['msg'] == 'Found 1 host (12 requested ids not found: %s, … (12 in all)).' % ', '.join(missing[:10])


def test_mixed_case_hostnames_are_found_with_single_form_filters(fake, session, run):
    session.add(SCROLL, scroll_page(fake, [aid(3), aid(4)], 2))
    result = run(hostnames=['HOST-3', 'host-4'])
    assert sorted(d['hostname'] for d in result['devices']) == ['host-3', 'host-4'] and result['not_found'] == []
    assert session.calls_to(SCROLL)[0].kwargs['params']['filter'] == "hostname:'HOST-3',hostname:'host-4'"


def test_api_error_carries_status_and_trace_id(fake, session, run):
    body = {
        'meta': {'trace_id': 'trace-403'},
        'errors': [{'code': 403, 'message': 'access denied, scope not permitted'}],
    }
    session.add(SCROLL, fake.make_response(403, body))
    result = run()
    assert result['failed'] is True and result['status'] == 403 and result['trace_id'] == 'trace-403'
    assert 'access denied, scope not permitted' in result['msg']
    assert result['api_errors'] == [{'code': 403, 'message': 'access denied, scope not permitted'}]


def test_a_value_of_the_wrong_type_is_named_on_every_core(run):
    """ansible-core before 2.19 names only the type it got: the module adds the value (the option is not no_log)."""
    result = run(limit='abc')
    assert result['failed'] is True
    assert "argument 'limit'" in result['msg'] and 'int' in result['msg'] and "'abc'" in result['msg']


def test_a_secret_of_the_wrong_type_is_never_shown(run):
    result = run(client_secret=['Secret-in-a-list-000000000000000000000001'])
    assert result['failed'] is True
    assert 'Secret-in-a-list' not in json.dumps(result)
