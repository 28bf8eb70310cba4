"""Unit-test helpers: a scripted stand-in for the requests Session (the one seam), and sleep/cache fixtures."""

import contextlib
import json
import os
import types

import pytest
import requests
from env_guard import clear_with_monkeypatch
from requests.structures import CaseInsensitiveDict

CLIENT_ID = '0123456789abcdef0123456789abcdef'
CLIENT_SECRET = 'UnitTestSecret0000000000000000000000000001'
BASE = 'https://api.crowdstrike.com'
EU_BASE = 'https://api.eu-1.crowdstrike.com'


class FakeSocket:
    """The connection's socket: records the read timeouts the client sets."""

    def __init__(self):
        self.timeouts = []

    def settimeout(self, seconds):
        self.timeouts.append(seconds)


class FakeStream:
    """A streamed body (urllib3's HTTPResponse as requests leaves it with stream=True): read1 hands out chunks.

    on_read(n) runs before the n-th read (0-based), e.g. to move the test clock; after the chunks it returns b''.
    """

    def __init__(self, chunks, on_read=None):
        self.chunks = list(chunks)
        self.on_read = on_read
        self.reads = 0
        self.closed = False
        self.connection = types.SimpleNamespace(sock=FakeSocket())

    def read1(self, amt=None, decode_content=None):  # pylint: disable=unused-argument
        if self.on_read is not None:
            self.on_read(self.reads)
        self.reads += 1
        return self.chunks.pop(0) if self.chunks else b''

    def close(self):
        self.closed = True

    def release_conn(self):
        pass


def make_response(status=200, body=None, headers=None, url='https://api.crowdstrike.com/', text=None, stream=None):
    """A real requests.Response with this status, JSON body (or raw text) and headers; stream: a FakeStream body."""
    response = requests.Response()
    response.status_code = status
    if stream is not None:
        response.raw = stream
        response.headers = CaseInsensitiveDict(headers or {})
        response.url = url
        return response
    if text is not None:
        response._content = text.encode('utf-8')  # pylint: disable=protected-access
    elif body is None:
        response._content = b''  # pylint: disable=protected-access
    else:
        response._content = json.dumps(body).encode('utf-8')  # pylint: disable=protected-access
    response._content_consumed = True  # pylint: disable=protected-access
    response.headers = CaseInsensitiveDict(headers or {})
    if body is not None and 'Content-Type' not in response.headers:
        response.headers['Content-Type'] = 'application/json'
    response.url = url
    return response


def token_response(token='tok-0000000001-abcdefghijklmnop', expires_in=1799, headers=None, url=BASE + '/oauth2/token'):
    """A 201 from /oauth2/token."""
    return make_response(
        201, {'access_token': token, 'token_type': 'bearer', 'expires_in': expires_in}, headers=headers, url=url
    )


def api_body(resources=None, errors=None, pagination=None, trace_id='trace-0001'):
    """The standard envelope."""
    meta = {'query_time': 0.01, 'powered_by': 'device-api', 'trace_id': trace_id}
    if pagination is not None:
        meta['pagination'] = pagination
    return {'meta': meta, 'resources': resources if resources is not None else [], 'errors': errors or []}


def paged(items, limit=500, offset=None, total=None):
    """A 200 holding items, with offset pagination: offset past these items and total their count unless given."""
    pagination = {
        'offset': len(items) if offset is None else offset,
        'limit': limit,
        'total': len(items) if total is None else total,
    }
    return make_response(200, api_body(items, pagination=pagination))


class Call:
    """One request the client made."""

    def __init__(self, method, url, kwargs):
        self.method = method
        self.url = url
        self.kwargs = kwargs

    @property
    def path(self):
        return requests.utils.urlparse(self.url).path

    @property
    def form(self):
        return self.kwargs.get('data') or {}

    @property
    def headers(self):
        return self.kwargs.get('headers') or {}

    def __repr__(self):
        return 'Call(%s %s)' % (self.method, self.url)


class FakeSession:
    """Stands in for requests.Session: answers from per-path queues (the last answer repeats) or a handler."""

    def __init__(self, routes=None, handler=None):
        self.routes = {k: list(v) if isinstance(v, list) else [v] for k, v in (routes or {}).items()}
        self.handler = handler
        self.calls = []
        self.headers = CaseInsensitiveDict()
        self.proxies = {}
        self.verify = True
        self.trust_env = True

    def add(self, path, *answers):
        """Queue answers (Responses or exceptions) for path."""
        self.routes.setdefault(path, []).extend(answers)
        return self

    def request(self, method, url, **kwargs):
        call = Call(method, url, kwargs)
        self.calls.append(call)
        if self.handler is not None:
            answer = self.handler(call)
        else:
            queue = self.routes.get(call.path)
            if not queue:
                raise AssertionError('unexpected request %s %s' % (method, url))
            answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, BaseException):
            raise answer
        if callable(answer):
            answer = answer(call)
        if answer.url in (None, '', 'https://api.crowdstrike.com/'):
            answer.url = url
        if answer.raw is None and answer._content is not False:  # pylint: disable=protected-access
            # A Response built with _content only: let the client's stream=True reading (iter_content) serve it.
            answer._content_consumed = True  # pylint: disable=protected-access
        return answer

    def calls_to(self, path):
        return [c for c in self.calls if c.path == path]

    def close(self):
        pass


@pytest.fixture(autouse=True)
def _private_cache_home(tmp_path, monkeypatch):
    """Keep every unit test's default token cache (and FALCON_* settings) away from the real user's."""
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'xdg-cache'))
    clear_with_monkeypatch(monkeypatch, os.environ)


@pytest.fixture(autouse=True)
def _target_side_context(request, monkeypatch):
    """Run module and module_utils tests as target-side code, even after a lookup test imported controller code.

    On ansible-core 2.19+, importing any controller module (ansible.plugins, ansible.errors) sets
    ansible.module_utils._internal.is_controller for the whole process; module warnings then go to the controller display
    instead of the module result. ansible-test runs the two kinds in separate processes; plain pytest runs them in one.
    Older cores have no such switch.
    """
    parts = request.node.path.parts
    if 'modules' in parts or 'module_utils' in parts:
        try:
            from ansible.module_utils import _internal
        except ImportError:  # ansible-core 2.16 and 2.17
            return
        if hasattr(_internal, 'is_controller'):  # 2.18 has the package but not the switch
            monkeypatch.setattr(_internal, 'is_controller', False)


@pytest.fixture
def sleeps(monkeypatch):
    """Record (instead of doing) the HTTP client's sleeps; returns the list of waits."""
    from ansible_collections.secops.falcon.plugins.module_utils import _http

    waits = []
    monkeypatch.setattr(_http, '_sleep', waits.append)
    return waits


@pytest.fixture
def cache_dir(tmp_path):
    """A private (0700) token cache directory."""
    path = tmp_path / 'cache'
    path.mkdir(mode=0o700)
    os.chmod(str(path), 0o700)
    return str(path)


@pytest.fixture
def settings_factory(cache_dir):
    """Build ConnectionSettings with test credentials and the private cache dir; keyword arguments override."""
    from ansible_collections.secops.falcon.plugins.module_utils._options import ConnectionSettings

    def build(**overrides):
        options = dict(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, token_cache_dir=cache_dir)
        options.update(overrides)
        return ConnectionSettings.from_options(options)

    return build


@pytest.fixture
def fake():
    """The fake-HTTP helpers: FakeSession, make_response, token_response, api_body, paged and the test credentials."""
    return types.SimpleNamespace(
        FakeSession=FakeSession,
        FakeStream=FakeStream,
        make_response=make_response,
        token_response=token_response,
        api_body=api_body,
        paged=paged,
        CLIENT_ID=CLIENT_ID,
        CLIENT_SECRET=CLIENT_SECRET,
        BASE=BASE,
        EU_BASE=EU_BASE,
    )


def patch_module_args(args):
    """A context that hands a module's main() these arguments, as AnsiballZ would, on every ansible-core."""
    try:
        from ansible.module_utils.testing import patch_module_args as core_patch  # ansible-core 2.19+
    except ImportError:  # 2.16 to 2.18: main() reads the JSON payload from basic._ANSIBLE_ARGS
        return _patched_ansible_args(args)
    return core_patch(args)


@pytest.fixture
def module_args():
    """patch_module_args: a context handing a module's main() its arguments, on every ansible-core."""
    return patch_module_args


@contextlib.contextmanager
def _patched_ansible_args(args):
    from ansible.module_utils import basic

    saved = basic._ANSIBLE_ARGS
    basic._ANSIBLE_ARGS = json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode('utf-8')
    try:
        yield
    finally:
        basic._ANSIBLE_ARGS = saved


@pytest.fixture
def module_runner(fake, cache_dir, capsys):
    """Run a module's main() with args plus the test credentials and cache dir; return (result dict, raw stdout).

    credentials=False leaves client_id/client_secret out; token_cache_dir=None leaves it out so the
    FALCON_TOKEN_CACHE_DIR fallback applies.
    """

    def runner(module, check_mode=False, diff=False, credentials=True, **args):
        if credentials:
            args.setdefault('client_id', fake.CLIENT_ID)
            args.setdefault('client_secret', fake.CLIENT_SECRET)
        args.setdefault('token_cache_dir', cache_dir)
        if args['token_cache_dir'] is None:
            del args['token_cache_dir']
        if check_mode:
            args['_ansible_check_mode'] = True
        if diff:
            args['_ansible_diff'] = True
        with patch_module_args(args), pytest.raises(SystemExit):
            module.main()
        out = capsys.readouterr().out
        return json.loads(out), out

    return runner


@pytest.fixture
def session(fake, monkeypatch):
    """A FakeSession that already answers the token request; every FalconClient built without a session of its own
    (a module's, a lookup's) gets it, through requests.Session. Add routes with session.add(path, answer, ...); a test
    file may override it, and an override named session may take this one as its argument to add to it."""
    from ansible_collections.secops.falcon.plugins.module_utils import _http

    stand_in = fake.FakeSession().add('/oauth2/token', fake.token_response())
    monkeypatch.setattr(_http.requests, 'Session', lambda: stand_in)
    return stand_in


@pytest.fixture
def client(session, settings_factory):
    """A FalconClient over the fake session."""
    from ansible_collections.secops.falcon.plugins.module_utils._http import FalconClient

    return FalconClient(settings_factory(), session=session)
