"""Unit tests of the falcon_maintenance_token lookup (HTTP faked at the requests Session, as for falcon_cloud)."""

import getpass
import socket

import pytest
from ansible.errors import AnsibleLookupError
from ansible.plugins.loader import lookup_loader

from ansible_collections.secops.falcon.plugins.module_utils._errors import MASK, scrub
from ansible_collections.secops.falcon.plugins.plugin_utils import _core_compat

REVEAL = '/policy/combined/reveal-uninstall-token/v1'
DEVICE_A = '0123456789abcdef0123456789abcdef'
DEVICE_B = 'fedcba9876543210fedcba9876543210'
TOKEN_A = 'a1b2c3d4e5f60718293a4b5c6d7e8f9001122334'
TOKEN_B = 'b1b2c3d4e5f60718293a4b5c6d7e8f9001122335'
BULK_TOKEN = 'c1b2c3d4e5f60718293a4b5c6d7e8f9001122336'
TOKENS = {DEVICE_A: TOKEN_A, DEVICE_B: TOKEN_B, 'MAINTENANCE': BULK_TOKEN}
PLAY_VARS = {'ansible_play_name': 'Upgrade sensors', 'inventory_hostname': 'web-1'}


@pytest.fixture
def lookup():
    plugin = lookup_loader.get('secops.falcon.falcon_maintenance_token')
    assert plugin is not None
    return plugin


@pytest.fixture
def creds(fake, cache_dir):
    """The connection options of every call."""
    return dict(client_id=fake.CLIENT_ID, client_secret=fake.CLIENT_SECRET, token_cache_dir=cache_dir)


def reveal_answer(fake, tokens=None):
    """A handler for the reveal route that answers as the API does: resources[0] = {device_id, seed_id, token}."""
    tokens = TOKENS if tokens is None else tokens

    def answer(call):
        device_id = call.kwargs['json']['device_id']
        if device_id not in tokens:
            return fake.make_response(200, fake.api_body([]))
        record = {'device_id': device_id, 'seed_id': 1, 'uninstall_token': tokens[device_id]}
        return fake.make_response(200, fake.api_body([record]))

    return answer


def bodies(session):
    """The JSON bodies of the reveal requests made."""
    return [c.kwargs['json'] for c in session.calls_to(REVEAL)]


def test_one_token_per_term_in_order_with_one_request_per_device(lookup, session, fake, creds):
    session.add(REVEAL, reveal_answer(fake))
    result = lookup.run([DEVICE_B, DEVICE_A.upper(), DEVICE_B], dict(PLAY_VARS), **creds)
    assert result == [TOKEN_B, TOKEN_A, TOKEN_B]
    # Lower case on the wire; a repeated id is asked once.
    assert [b['device_id'] for b in bodies(session)] == [DEVICE_B, DEVICE_A]
    call = session.calls_to(REVEAL)[0]
    assert call.method == 'POST' and call.headers['Authorization'].startswith('Bearer ')


def test_tokens_are_unsafe_and_registered_as_secrets(lookup, session, fake, creds):
    from ansible.utils.unsafe_proxy import AnsibleUnsafe, AnsibleUnsafeText

    session.add(REVEAL, reveal_answer(fake))
    result = lookup.run([DEVICE_A], {}, **creds)
    assert result == [TOKEN_A]
    if isinstance(AnsibleUnsafeText('x'), AnsibleUnsafe):  # 2.16 to 2.18 mark unsafe by type
        assert isinstance(result[0], AnsibleUnsafe)
    else:  # 2.19+: data tagging, a value is a template only when trusted
        from ansible._internal._datatag._tags import TrustedAsTemplate  # pylint: disable=import-error

        assert not TrustedAsTemplate.is_tagged_on(result[0])
    assert scrub('the token is %s.' % TOKEN_A) == 'the token is %s.' % MASK


def test_a_list_term_counts_as_its_items(lookup, session, fake, creds):
    session.add(REVEAL, reveal_answer(fake))
    assert lookup.run([[DEVICE_A, DEVICE_B]], {}, **creds) == [TOKEN_A, TOKEN_B]


def test_bulk_token(lookup, session, fake, creds):
    session.add(REVEAL, reveal_answer(fake))
    assert lookup.run([], dict(PLAY_VARS), bulk=True, **creds) == [BULK_TOKEN]
    assert [b['device_id'] for b in bodies(session)] == ['MAINTENANCE']


def test_default_audit_message_names_the_automation_play_host_and_user(lookup, session, fake, creds):
    session.add(REVEAL, reveal_answer(fake))
    lookup.run([DEVICE_A], dict(PLAY_VARS), **creds)
    expected = "secops.falcon falcon_maintenance_token: play 'Upgrade sensors' host 'web-1' by %s@%s" % (
        getpass.getuser(),
        socket.gethostname(),
    )
    assert bodies(session)[0]['audit_message'] == expected


def test_default_audit_message_without_play_variables(lookup, session, fake, creds):
    session.add(REVEAL, reveal_answer(fake))
    lookup.run([DEVICE_A], {}, **creds)
    message = bodies(session)[0]['audit_message']
    assert message == 'secops.falcon falcon_maintenance_token: by %s@%s' % (getpass.getuser(), socket.gethostname())


def test_default_audit_message_is_one_short_line(lookup, session, fake, creds):
    session.add(REVEAL, reveal_answer(fake))
    variables = {'ansible_play_name': 'Line one\nline\ttwo\x00' + 'x' * 200, 'inventory_hostname': 'h\r\n1'}
    lookup.run([DEVICE_A], variables, **creds)
    message = bodies(session)[0]['audit_message']
    assert message.isprintable() and '\n' not in message
    assert "play 'Line one line two " in message and "host 'h 1'" in message
    play = message.split("play '", 1)[1].split("'", 1)[0]
    assert len(play) == 64 and play.endswith('...')


def test_default_audit_message_never_holds_a_secret(lookup, session, fake, creds):
    session.add(REVEAL, reveal_answer(fake))
    lookup.run([DEVICE_A], {}, **creds)  # TOKEN_A is now a registered secret
    lookup.run([DEVICE_B], {'ansible_play_name': 'play %s' % TOKEN_A}, **creds)
    message = bodies(session)[1]['audit_message']
    assert TOKEN_A not in message and MASK in message
    assert fake.CLIENT_SECRET not in message


def test_audit_message_option_and_variable(lookup, session, fake, creds):
    session.add(REVEAL, reveal_answer(fake))
    lookup.run([DEVICE_A], dict(PLAY_VARS), audit_message='CHG-1\nsensor upgrade', **creds)
    variables = dict(PLAY_VARS, falcon_maintenance_token_audit_message='CHG-2 from a variable')
    lookup.run([DEVICE_A], variables, **creds)
    lookup.run([DEVICE_A], dict(PLAY_VARS), audit_message='', **creds)
    messages = [b['audit_message'] for b in bodies(session)]
    assert messages[0] == 'CHG-1 sensor upgrade'
    assert messages[1] == 'CHG-2 from a variable'
    assert messages[2].startswith("secops.falcon falcon_maintenance_token: play 'Upgrade sensors' host 'web-1' by ")


@pytest.mark.parametrize(
    'terms, named',
    [
        (['0123'], "'0123'"),
        ([DEVICE_A + '\n'], repr(DEVICE_A + '\n')),
        ([DEVICE_A, 'g' * 32], "'%s'" % ('g' * 32)),
        ([12345], '12345'),
    ],
)
def test_malformed_device_ids_fail_before_any_request(lookup, session, creds, terms, named):
    with pytest.raises(AnsibleLookupError) as info:
        lookup.run(terms, {}, **creds)
    assert named in str(info.value) and '32 hexadecimal characters' in str(info.value)
    assert session.calls == []


def test_maintenance_as_a_term_points_to_bulk(lookup, session, creds):
    with pytest.raises(AnsibleLookupError, match=r"'MAINTENANCE'.*set bulk=true"):
        lookup.run(['MAINTENANCE'], {}, **creds)
    assert session.calls == []


def test_bulk_with_device_ids_is_refused(lookup, session, creds):
    with pytest.raises(AnsibleLookupError, match='bulk=true .* takes no device id, but 1 were given'):
        lookup.run([DEVICE_A], {}, bulk=True, **creds)
    assert session.calls == []


def test_no_device_id_and_no_bulk_is_refused(lookup, session, creds):
    with pytest.raises(AnsibleLookupError, match='No device id given.*bulk=true'):
        lookup.run([], {}, **creds)
    assert session.calls == []


def test_unknown_device_names_the_id(lookup, session, fake, creds):
    session.add(REVEAL, reveal_answer(fake, tokens={}))
    with pytest.raises(AnsibleLookupError) as info:
        lookup.run([DEVICE_A], {}, **creds)
    text = str(info.value)
    assert 'no maintenance token for device id %s' % DEVICE_A in text and 'no host of this CID' in text
    assert 'trace id trace-0001' in text


def test_no_bulk_token(lookup, session, fake, creds):
    session.add(REVEAL, reveal_answer(fake, tokens={}))
    with pytest.raises(AnsibleLookupError, match='no bulk maintenance token'):
        lookup.run([], {}, bulk=True, **creds)


def test_an_answer_for_another_device_is_not_taken(lookup, session, fake, creds):
    record = {'device_id': DEVICE_B, 'seed_id': 1, 'uninstall_token': TOKEN_B}
    session.add(REVEAL, fake.make_response(200, fake.api_body([record])))
    with pytest.raises(AnsibleLookupError, match='device id %s' % DEVICE_A):
        lookup.run([DEVICE_A], {}, **creds)


def test_an_answer_without_device_id_is_the_one_asked_for(lookup, session, fake, creds):
    session.add(REVEAL, fake.make_response(200, fake.api_body([{'uninstall_token': TOKEN_A}])))
    assert lookup.run([DEVICE_A], {}, **creds) == [TOKEN_A]


def test_api_refusal_names_the_device_and_the_api_message(lookup, session, fake, creds):
    errors = [{'code': 400, 'message': 'Invalid device id'}]
    session.add(REVEAL, fake.make_response(400, fake.api_body(errors=errors)))
    with pytest.raises(AnsibleLookupError) as info:
        lookup.run([DEVICE_A], {}, **creds)
    text = str(info.value)
    assert text.startswith('Could not reveal the maintenance token of device id %s: ' % DEVICE_A)
    assert 'Invalid device id' in text and 'HTTP 400' in text and text.count('trace id') == 1


def test_missing_scope_names_it(lookup, session, fake, creds):
    errors = [{'code': 403, 'message': 'access denied, scope not permitted'}]
    session.add(REVEAL, fake.make_response(403, {'meta': {'trace_id': 't-403'}, 'errors': errors}))
    with pytest.raises(AnsibleLookupError) as info:
        lookup.run([], {}, bulk=True, **creds)
    text = str(info.value)
    assert text.startswith('Could not reveal the bulk maintenance token: ')
    assert 'sensor-update-policies:write (Sensor update policies: Write)' in text and 'HTTP 403' in text


def test_an_earlier_token_never_shows_in_a_later_error(lookup, session, fake, creds):
    """The API (or a proxy) echoing a token in an error: the message masks every token this process revealed."""
    session.add(REVEAL, reveal_answer(fake))
    assert lookup.run([DEVICE_A], {}, **creds) == [TOKEN_A]
    session.routes[REVEAL] = [fake.make_response(500, fake.api_body(errors=[{'code': 500, 'message': TOKEN_A}]))]
    with pytest.raises(AnsibleLookupError) as info:
        lookup.run([DEVICE_B], {}, retries=0, **creds)
    assert TOKEN_A not in str(info.value) and MASK in str(info.value)


def test_a_server_error_is_retried(lookup, session, fake, creds, sleeps):
    session.add(REVEAL, fake.make_response(503, fake.api_body()), reveal_answer(fake))
    assert lookup.run([DEVICE_A], {}, **creds) == [TOKEN_A]
    assert len(session.calls_to(REVEAL)) == 2 and len(sleeps) == 1


def test_connection_options_from_variables(lookup, session, fake, cache_dir):
    session.add(REVEAL, reveal_answer(fake))
    variables = {
        'falcon_client_id': fake.CLIENT_ID,
        'falcon_client_secret': fake.CLIENT_SECRET,
        'falcon_token_cache_dir': cache_dir,
    }
    assert lookup.run([DEVICE_A], variables) == [TOKEN_A]


def test_without_credentials(lookup, session):
    with pytest.raises(AnsibleLookupError, match='client_id and client_secret'):
        lookup.run([DEVICE_A], {})
    assert session.calls == []


def test_below_the_floor_the_lookup_refuses_before_any_request(lookup, session, monkeypatch, creds):
    monkeypatch.setattr(_core_compat, 'CORE_VERSION', '2.15.13')
    with pytest.raises(AnsibleLookupError, match=r'needs ansible-core 2\.16 or newer'):
        lookup.run([DEVICE_A], {}, **creds)
    assert session.calls == []
