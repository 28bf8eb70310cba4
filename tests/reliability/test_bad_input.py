"""Bad input: every mistake gets a clear error naming the bad value (and what is allowed), never a traceback.

One ansible-playbook run (steps.yml) tries every case; the emulator's counters of each case show whether anything
was sent before the mistake was caught.
"""

from reliability_steps import ACTION, DETAILS, step

UNKNOWN_ID = 'f' * 32


def huge_unknown_ids(count):
    """count well-formed ids that no emulated host has."""
    return ['%032x' % (0xFEED << 100 | i) for i in range(count)]


CASES = [
    # label, module, args, fragments of the message (None: the step must succeed)
    (
        'malformed ids',
        'device_info',
        {'ids': ['not-an-id', '0123']},
        ["'not-an-id'", "'0123'", '32 hexadecimal characters'],
    ),
    ('contain malformed id', 'host_contain', {'ids': ['zz' * 16]}, ["'%s'" % ('zz' * 16), '32 hexadecimal characters']),
    ('unknown id', 'device_info', {'ids': [UNKNOWN_ID]}, None),
    ('contain unknown id', 'host_contain', {'ids': [UNKNOWN_ID]}, [UNKNOWN_ID, 'not found', 'Nothing was sent']),
    (
        'invalid cloud',
        'device_info',
        {'cloud': 'us-9'},
        ['cloud', 'us-9', 'us-1, us-2, us-3, eu-1, us-gov-1, us-gov-2'],
    ),
    ('invalid cloud lookup', 'lookup_cloud', {'term': 'mars-1'}, ["'mars-1'", 'us-1, us-2, us-3, eu-1']),
    (
        'http to a remote host',
        'device_info',
        {'base_url': 'http://falcon.example.com'},
        ["'http://falcon.example.com'", 'plain http to a non-loopback host', 'Use https'],
    ),
    (
        'http to a remote host, lookup',
        'lookup_cloud',
        {'term': 'autodiscover', 'options': {'base_url': 'http://falcon.example.com'}},
        ["'http://falcon.example.com'", 'plain http to a non-loopback host'],
    ),
    (
        'not a URL scheme',
        'device_info',
        {'base_url': 'ftp://127.0.0.1/x'},
        ["'ftp://127.0.0.1/x'", 'not a valid URL', 'https://'],
    ),
    ('empty ids', 'device_info', {'ids': []}, None),
    ('contain empty ids', 'host_contain', {'ids': []}, None),
    ('contain without selector', 'host_contain', {}, ['Select the hosts with ids, hostnames or filter']),
    ('contain blank filter', 'host_contain', {'filter': '  '}, ['filter is empty']),
    (
        'contain more than max_hosts',
        'host_contain',
        {'filter': "platform_name:['Windows','Mac','Linux']"},
        ['matches 50 hosts', 'max_hosts=25', 'nothing was sent'],
    ),
    (
        'contain 30 ids over max_hosts',
        'host_contain',
        {'ids': huge_unknown_ids(30)},
        ['lists 30 host ids', 'max_hosts=25', 'nothing was sent'],
    ),
    ('huge id list', 'device_info', {'ids': huge_unknown_ids(12000)}, None),
    # The devices scroll answers bad filters with 500 (API behaviour 9.5): retried as a read, then reported naming the
    # filter.
    (
        'invalid FQL',
        'device_info',
        {'filter': 'hostname:'},
        ["'hostname:'", 'HTTP 500 to the FQL filter', 'check the filter'],
    ),
    (
        'unknown FQL field',
        'device_info',
        {'filter': "no_such_field:'x'"},
        ['no_such_field', 'HTTP 500 to the FQL filter'],
    ),
    ('contain invalid FQL', 'host_contain', {'filter': "hostname:'a"}, ["hostname:'a", 'HTTP 500 to the FQL filter']),
    ('invalid sort', 'device_info', {'sort': 'hostname.sideways'}, ["'hostname.sideways'", 'HTTP 400']),
    ('limit not a number', 'device_info', {'limit': 'abc'}, ['limit', 'abc', 'int']),
    ('limit zero', 'device_info', {'limit': 0}, ['limit', 'got 0']),
    ('timeout zero', 'device_info', {'timeout': 0}, ['timeout', '1 to 600', 'got 0']),
    ('retries too many', 'device_info', {'retries': 99}, ['retries', '0 to 10', 'got 99']),
    (
        'validate_certs not a boolean',
        'device_info',
        {'validate_certs': 'maybe'},
        ['validate_certs', "'maybe'", 'boolean'],
    ),
    ('ids as a dict', 'device_info', {'ids': {'a': 1}}, ["'ids'", 'dict', 'list']),
    ('member_cid not a CID', 'device_info', {'member_cid': 'not a cid!'}, ["'not a cid!'", 'not a CID']),
    (
        'invalid policy type',
        'policy_info',
        {'policy_type': 'bogus'},
        ['policy_type', 'bogus', 'prevention, sensor_update'],
    ),
    (
        'invalid state',
        'host_contain',
        {'ids': [UNKNOWN_ID], 'state': 'isolated'},
        ['state', 'isolated', 'contained, lifted'],
    ),
    ('max_hosts zero', 'host_contain', {'ids': [UNKNOWN_ID], 'max_hosts': 0}, ['max_hosts', 'got 0']),
    (
        'two selectors',
        'device_info',
        {'ids': [UNKNOWN_ID], 'filter': "hostname:'x'"},
        ['mutually exclusive', 'ids', 'filter'],
    ),
    ('cache dir is a file', 'device_info', {'token_cache_dir': '/etc/hostname'}, ['/etc/hostname', 'not a directory']),
]


def test_bad_input_gets_a_clear_error(falcon_emulator, run_steps):
    """Each bad value is named in a one-line error; good-but-empty input succeeds; the network is never touched early."""
    steps = run_steps(falcon_emulator, [step(label, module, args) for label, module, args, _fragments in CASES])
    for label, _module, _args, fragments in CASES:
        result = steps.result(label)
        if fragments is None:
            assert not result.get('failed'), (label, result.get('msg'))
            continue
        assert result.get('failed') is True, (label, result)
        msg = result['msg']
        for fragment in fragments:
            assert fragment in msg, (label, fragment, msg)

    # Option mistakes are caught before any request (not even a token request).
    for label in (
        'malformed ids',
        'invalid cloud',
        'http to a remote host',
        'not a URL scheme',
        'timeout zero',
        'contain without selector',
        'contain blank filter',
        'contain 30 ids over max_hosts',
        'member_cid not a CID',
    ):
        assert steps.by_label[label]['counters']['calls_total'] == 0, label
    # The run_steps fixture also proved that no process of the play tried to resolve falcon.example.com.

    assert steps.result('unknown id')['not_found'] == [UNKNOWN_ID]
    assert steps.result('empty ids')['devices'] == [] and steps.result('empty ids')['total'] == 0
    assert steps.result('contain empty ids')['changed'] is False
    assert 'nothing to do' in steps.result('contain empty ids')['msg']
    huge = steps.result('huge id list')
    assert len(huge['not_found']) == 12000 and huge['devices'] == []
    assert steps.calls('huge id list', DETAILS) == 3  # 5000 ids per details call
    assert steps.result('invalid cloud lookup')['value'] is None
    for label in ('contain unknown id', 'contain more than max_hosts', 'contain invalid FQL'):
        assert steps.calls(label, ACTION) == 0, label
