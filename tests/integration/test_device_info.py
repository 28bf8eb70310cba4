"""falcon_device_info through the real ansible-playbook against the emulator: selectors, errors, call counts."""

from falcon_emulator.clients import NOSCOPE_CLIENT
from play_results import by_label, calls, connection

SCROLL = 'GET /devices/queries/devices-scroll/v1'
QUERY = 'GET /devices/queries/devices/v1'
DETAILS = 'POST /devices/entities/devices/v2'


def test_selectors_and_errors(falcon_emulator, run_playbook):
    """ids, hostnames, filter, sort, limit, fields and check mode, with the connection from module_defaults."""
    devices = falcon_emulator.devices()
    ids = [devices[7]['device_id'], devices[2]['device_id']]
    names = [devices[3]['hostname'].upper(), devices[4]['hostname']]
    linux = sorted((d['hostname'] for d in devices if d['platform_name'] == 'Linux'), reverse=True)
    unknown = '0' * 32
    cases = [
        {'label': 'all', 'fields': ['hostname', 'status']},
        {'label': 'ids', 'ids': ids + [unknown]},
        {'label': 'hostnames', 'hostnames': names + ["o'brien-pc"], 'fields': ['hostname']},
        {
            'label': 'filter',
            'fql': "platform_name:'Linux'",
            'sort': 'hostname.desc',
            'fields': ['hostname', 'platform_name'],
        },
        {'label': 'limit', 'limit': 5, 'sort': 'hostname.asc', 'fields': ['hostname']},
        {'label': 'check mode', 'ids': ids[:1], 'check_mode': True},
        {'label': 'typo field', 'ids': ids[:1], 'fields': ['hostnme']},
        {'label': 'bad filter', 'fql': "platform:'Linux'"},
        {'label': 'malformed id', 'ids': [ids[0], 'xyz']},
        {'label': 'sort with ids', 'ids': ids, 'sort': 'hostname.asc'},
        {
            'label': 'no scope',
            'ids': ids,
            'client_id': NOSCOPE_CLIENT.client_id,
            'client_secret': NOSCOPE_CLIENT.client_secret,
        },
    ]
    run = run_playbook('device_info_cases', {}, extra_vars=dict(connection(falcon_emulator), cases=cases))
    results = by_label(run)

    every = results['all']
    assert every['failed'] is False and every['changed'] is False
    assert every['total'] == 50 and len(every['devices']) == 50 and every['not_found'] == []
    assert all(set(d) == {'device_id', 'hostname', 'status'} for d in every['devices'])
    assert every['msg'] == 'Found 50 hosts.'

    by_id = results['ids']
    assert [d['device_id'] for d in by_id['devices']] == ids
    assert by_id['devices'][0] == devices[7]
    assert by_id['not_found'] == [unknown] and by_id['total'] == 2
    assert unknown in by_id['msg']

    by_name = results['hostnames']
    # Found whatever the case asked; returned as Falcon stores them (Windows hostnames upper case in the seed).
    assert sorted(d['hostname'] for d in by_name['devices']) == sorted([devices[3]['hostname'], devices[4]['hostname']])
    assert by_name['not_found'] == ["o'brien-pc"]

    assert [d['hostname'] for d in results['filter']['devices']] == linux
    assert results['filter']['total'] == len(linux)

    limited = results['limit']
    # The API sorts text ignoring case (HOST-00001, host-00002, ...).
    assert [d['hostname'] for d in limited['devices']] == sorted((d['hostname'] for d in devices), key=str.lower)[:5]
    assert limited['total'] == 50
    assert limited['msg'] == 'Found 5 hosts of 50 matching (limit 5).'

    checked = results['check mode']
    assert checked['failed'] is False and checked['changed'] is False and checked['devices'][0]['device_id'] == ids[0]

    assert results['typo field']['devices'] == [{'device_id': ids[0]}]
    assert "No returned device has the field(s) hostnme" in run.stdout + run.stderr

    # The scroll endpoint answers many bad filters with 500 (API behaviour 9.5): retried as a read, then reported by
    # name.
    bad = results['bad filter']
    assert bad['failed'] is True and bad['status'] == 500
    assert "The API answered HTTP 500 to the FQL filter \"platform:'Linux'\" even after retries" in bad['msg']

    assert results['malformed id']['failed'] is True and "'xyz'" in results['malformed id']['msg']
    assert results['sort with ids']['failed'] is True and 'mutually exclusive' in results['sort with ids']['msg']

    denied = results['no scope']
    assert denied['failed'] is True and denied['status'] == 403
    assert 'scope' in denied['msg'] and 'HTTP 403' in denied['msg']


def test_ten_thousand_hosts_in_the_fewest_calls(emulator_factory, run_playbook):
    """The whole fleet of 10,000: 1 scroll call and 2 detail calls of 5,000; a limit of 5,000: 1 plain query call."""
    emulator = emulator_factory(hosts=10000)
    cases = [
        {'label': 'fleet', 'fields': ['hostname']},
        {'label': 'first 5000', 'limit': 5000, 'fields': ['hostname']},
    ]
    results = by_label(run_playbook('device_info_cases', {}, extra_vars=dict(connection(emulator), cases=cases)))
    fleet = results['fleet']
    assert fleet['total'] == 10000 and len(fleet['devices']) == 10000
    assert len(set(d['device_id'] for d in fleet['devices'])) == 10000
    assert len(results['first 5000']['devices']) == 5000 and results['first 5000']['total'] == 10000
    # fleet: 1 scroll + 2 details; first 5000: 1 plain query + 1 details.
    assert calls(emulator, SCROLL) == 1
    assert calls(emulator, QUERY) == 1
    assert calls(emulator, DETAILS) == 3
