"""Unit tests of the on-disk token cache: keying, encryption at rest, file modes, unsafe dirs, expiry, single flight."""

import errno
import multiprocessing
import os
import stat
import time

import pytest

from ansible_collections.secops.falcon.plugins.module_utils import _token_cache
from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconConfigError
from ansible_collections.secops.falcon.plugins.module_utils._token import RENEW_WINDOW, Token
from ansible_collections.secops.falcon.plugins.module_utils._token_cache import (
    MemoryTokenStore,
    TokenCache,
    decrypt_entry,
    encrypt_entry,
    entry_name,
    open_token_store,
    prepare_cache_dir,
)

SECRET = 'CacheTestSecret000000000000000000000001'
OTHER_SECRET = 'CacheTestSecret000000000000000000000002'
START = 'https://api.crowdstrike.com'


def name_for(secret=SECRET, start=START, cloud='autodiscover', client_id='id1', member_cid=None):
    return entry_name(secret, start, cloud, client_id, member_cid)


def cache(directory, secret=SECRET, **kwargs):
    return TokenCache(directory, secret, name_for(secret=secret, **kwargs), lock_wait=5)


def minter(tokens, lifetime=1799, age=0):
    """A mint function that issues tok-1, tok-2 ... (issued age seconds ago) and counts calls."""

    def mint():
        tokens.append('tok-%d-%s' % (len(tokens) + 1, 'x' * 20))
        return Token(
            tokens[-1],
            'https://api.eu-1.crowdstrike.com',
            cloud='eu-1',
            expires_in=lifetime,
            issued_at=time.time() - age,
        )

    return mint


# -- keying ------------------------------------------------------------------------------------------------------------


def test_entry_name_depends_on_every_part_and_hides_them():
    base = name_for()
    assert len(base) == 64
    variants = [
        name_for(secret=OTHER_SECRET),
        name_for(start='https://x'),
        name_for(cloud='eu-1'),
        name_for(client_id='id2'),
        name_for(member_cid='c1d0000000000000000000000000b002'),
    ]
    assert len(set(variants + [base])) == len(variants) + 1
    assert SECRET not in base and 'id1' not in base


def test_wrong_secret_never_finds_the_cached_token(cache_dir):
    issued = []
    right = cache(cache_dir)
    token, minted = right.get_or_mint(minter(issued))
    assert minted and right.peek().access_token == token.access_token
    wrong = cache(cache_dir, secret=OTHER_SECRET)
    assert wrong.peek() is None
    # Even pointed at the right file, the other secret cannot open the entry.
    forged = TokenCache(cache_dir, OTHER_SECRET, right.name, lock_wait=5)
    assert forged.peek() is None
    again, minted = forged.get_or_mint(minter(issued))
    assert minted and again.access_token != token.access_token


def test_member_cid_gets_its_own_entry(cache_dir):
    issued = []
    cache(cache_dir).get_or_mint(minter(issued))
    assert cache(cache_dir, member_cid='c1d0000000000000000000000000b002').peek() is None


# -- encryption at rest and file modes -------------------------------------------------------------------------------


def test_entry_is_encrypted_and_private(cache_dir):
    issued = []
    store = cache(cache_dir)
    token = store.get_or_mint(minter(issued))[0]
    raw = open(store.path, 'rb').read()
    assert token.access_token.encode() not in raw
    assert SECRET.encode() not in raw
    assert b'eu-1' not in raw  # the whole entry is sealed, not just the token
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(store.lock_path).st_mode) == 0o600
    assert decrypt_entry(SECRET, store.name, raw).access_token == token.access_token
    leftovers = [f for f in os.listdir(cache_dir) if f.endswith('.tmp')]
    assert leftovers == []


def test_entry_bound_to_its_name():
    token = Token('t' * 30, START)
    data = encrypt_entry(SECRET, 'a' * 64, token)
    with pytest.raises(ValueError):
        decrypt_entry(SECRET, 'b' * 64, data)
    with pytest.raises(ValueError):
        decrypt_entry(OTHER_SECRET, 'a' * 64, data)


def test_new_cache_dir_is_0700(tmp_path):
    path = str(tmp_path / 'a' / 'b')
    assert prepare_cache_dir(path) == path
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o700


@pytest.mark.parametrize('mode', [0o770, 0o702, 0o777])
def test_writable_by_others_is_refused_naming_the_dir(tmp_path, mode):
    path = tmp_path / 'shared'
    path.mkdir()
    os.chmod(str(path), mode)
    with pytest.raises(FalconConfigError) as info:
        prepare_cache_dir(str(path))
    assert str(path) in str(info.value) and 'writable by group or others' in str(info.value)


def test_readable_but_not_writable_by_others_is_accepted(tmp_path):
    path = tmp_path / 'readable'
    path.mkdir()
    os.chmod(str(path), 0o755)
    assert prepare_cache_dir(str(path)) == str(path)


def test_dir_of_another_user_is_refused(tmp_path, monkeypatch):
    path = tmp_path / 'theirs'
    path.mkdir(mode=0o700)
    os.chmod(str(path), 0o700)
    try:
        os.chown(str(path), 65534, -1)  # only root can give a directory away, and not in a namespace without uid 65534
    except OSError:
        monkeypatch.setattr(
            _token_cache.os, 'geteuid', lambda: os.stat(str(path)).st_uid + 1
        )  # pretend to be someone else
    with pytest.raises(FalconConfigError) as info:
        prepare_cache_dir(str(path))
    assert str(path) in str(info.value) and 'owned by uid' in str(info.value)


def test_file_in_place_of_dir_is_refused(tmp_path):
    path = tmp_path / 'file'
    path.write_text('x')
    with pytest.raises(FalconConfigError, match='not a directory'):
        prepare_cache_dir(str(path))


def test_entry_readable_by_others_is_ignored_and_replaced(cache_dir):
    issued = []
    store = cache(cache_dir)
    store.get_or_mint(minter(issued))
    os.chmod(store.path, 0o644)
    assert store.peek() is None
    store.get_or_mint(minter(issued))
    assert len(issued) == 2
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600


# -- corrupt entries ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    'damage',
    [
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: b'',  # empty
        lambda data: b'not json at all',
        lambda data: data.replace(b'"ciphertext": "', b'"ciphertext": "AAAA'),  # tampered
        lambda data: b'{"format": 1}',
        lambda data: os.urandom(70000),  # far too large
    ],
)
def test_corrupt_entry_is_a_miss_and_is_replaced(cache_dir, damage):
    issued = []
    store = cache(cache_dir)
    store.get_or_mint(minter(issued))
    with open(store.path, 'rb') as handle:
        data = handle.read()
    with open(store.path, 'wb') as handle:
        handle.write(damage(data))
    assert store.peek() is None
    token, minted = store.get_or_mint(minter(issued))
    assert minted and token.access_token == issued[-1]
    assert store.peek().access_token == issued[-1]


# -- expiry ------------------------------------------------------------------------------------------------------------


def test_token_renewed_inside_the_window(cache_dir):
    issued = []
    store = cache(cache_dir)
    store.get_or_mint(minter(issued, lifetime=RENEW_WINDOW + 30))
    assert store.get_or_mint(minter(issued))[1] is False
    store.get_or_mint(minter(issued, age=1799 - RENEW_WINDOW + 1), reject=issued[-1])
    # Less than the renew window left: a new token is issued, and the stale one is still visible as stale.
    assert store.peek() is None
    assert store.peek(include_stale=True).access_token == issued[-1]
    token, minted = store.get_or_mint(minter(issued))
    assert minted and token.access_token == issued[-1] and len(issued) == 3


def test_an_expired_cached_token_is_never_returned_even_as_stale(cache_dir):
    """include_stale means 'inside the renew window', not 'expired': an expired token would only earn a 401."""
    issued = []
    store = cache(cache_dir)
    store.get_or_mint(minter(issued, age=1800))  # expired a second ago
    assert store.peek() is None
    assert store.peek(include_stale=True) is None


def test_token_fresh_arithmetic():
    now = time.time()
    token = Token('t' * 20, START, expires_in=1799, issued_at=now)
    assert token.fresh(now + 1799 - RENEW_WINDOW - 1)
    assert not token.fresh(now + 1799 - RENEW_WINDOW)
    assert token.remaining(now + 1800) < 0


def test_short_lived_token_is_fresh_for_half_its_life():
    now = time.time()
    token = Token('t' * 20, START, expires_in=60, issued_at=now)
    assert token.fresh(now + 29)
    assert not token.fresh(now + 30)


def test_reject_forces_a_new_token(cache_dir):
    issued = []
    store = cache(cache_dir)
    first = store.get_or_mint(minter(issued))[0]
    second, minted = store.get_or_mint(minter(issued), reject=first.access_token)
    assert minted and second.access_token != first.access_token
    assert store.peek().access_token == second.access_token


def test_evict_only_the_named_token(cache_dir):
    issued = []
    store = cache(cache_dir)
    token = store.get_or_mint(minter(issued))[0]
    assert store.evict('some-other-token') is False
    assert store.peek() is not None
    assert store.evict(token.access_token) is True
    assert store.peek() is None
    assert store.evict() is False


def test_memory_store_is_per_instance():
    issued = []
    store = MemoryTokenStore()
    store.get_or_mint(minter(issued))
    assert store.get_or_mint(minter(issued))[1] is False
    assert MemoryTokenStore().peek() is None
    store.evict()
    assert store.peek() is None


# -- store selection ---------------------------------------------------------------------------------------------------


def test_open_token_store(settings_factory):
    warnings = []
    assert isinstance(open_token_store(settings_factory(), warnings.append), TokenCache)
    assert isinstance(open_token_store(settings_factory(token_cache=False), warnings.append), MemoryTokenStore)
    assert warnings == []


def test_without_cryptography_tokens_stay_in_process_with_a_warning(settings_factory, monkeypatch):
    monkeypatch.setattr(_token_cache, 'HAS_CRYPTOGRAPHY', False)
    warnings = []
    assert isinstance(open_token_store(settings_factory(), warnings.append), MemoryTokenStore)
    assert len(warnings) == 1 and 'cryptography' in warnings[0]


def test_unwritable_dir_warns_but_token_is_usable(cache_dir):
    warnings = []
    store = TokenCache(cache_dir, SECRET, name_for(), lock_wait=1, warn=warnings.append)
    store.directory = os.path.join(cache_dir, 'gone')  # the temporary file cannot be created there
    token, minted = store.get_or_mint(minter([]))
    assert minted and token.access_token
    assert any('Could not write' in w for w in warnings)


# -- single flight across processes ------------------------------------------------------------------------------------


def _racer(directory, counter_path, barrier, results):
    """One process: wait for the others, then get a token (minting takes 0.3 s and is counted in a file)."""
    store = TokenCache(directory, SECRET, name_for(), lock_wait=30)

    def mint():
        with open(counter_path, 'a') as handle:
            handle.write('1')
        time.sleep(0.3)
        return Token('tok-%d-%s' % (os.getpid(), 'y' * 20), START, cloud='us-1')

    barrier.wait()
    token, minted = store.get_or_mint(mint)
    results.put((token.access_token, minted))


def test_single_flight_across_processes(cache_dir, tmp_path):
    ctx = multiprocessing.get_context('fork')
    racers = 8
    barrier = ctx.Barrier(racers)
    results = ctx.Queue()
    counter = str(tmp_path / 'mints')
    procs = [ctx.Process(target=_racer, args=(cache_dir, counter, barrier, results)) for _racer_index in range(racers)]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=60) for _proc in procs]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    assert open(counter).read() == '1'
    assert len({token for token, _minted in outcomes}) == 1
    assert sorted(minted for _token, minted in outcomes) == [False] * (racers - 1) + [True]


def test_lock_wait_gives_up_with_a_warning(cache_dir):
    import fcntl

    warnings = []
    store = TokenCache(cache_dir, SECRET, name_for(), lock_wait=0.2, warn=warnings.append)
    fd = os.open(store.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    ready_r, ready_w = os.pipe()
    holder = os.fork()
    if holder == 0:  # pragma: no cover - child holds the lock for a while
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(ready_w, b'1')
        time.sleep(30)
        os._exit(0)
    try:
        assert os.read(ready_r, 1) == b'1'  # the child holds the lock now
        token, minted = store.get_or_mint(minter([]))
        assert minted and token.access_token
        assert any('Waited' in w for w in warnings)
    finally:
        os.kill(holder, 9)
        os.waitpid(holder, 0)
        for handle in (fd, ready_r, ready_w):
            os.close(handle)


def test_temp_files_of_killed_writers_are_swept(cache_dir):
    store = cache(cache_dir)
    stale = os.path.join(cache_dir, '.%s.4242.AAAA.tmp' % store.name)
    recent = os.path.join(cache_dir, '.%s.4243.BBBB.tmp' % store.name)
    for path in (stale, recent):
        with open(path, 'wb') as handle:
            handle.write(b'half a write')
    old = time.time() - 3600
    os.utime(stale, (old, old))
    store.get_or_mint(minter([]))
    assert not os.path.exists(stale)
    assert os.path.exists(recent)  # may still belong to a live writer
    assert store.peek() is not None


def test_a_file_system_without_locks_warns_instead_of_failing(cache_dir, monkeypatch):
    def no_locks(fd, operation):
        raise OSError(errno.ENOLCK, 'No locks available')

    monkeypatch.setattr(_token_cache.fcntl, 'flock', no_locks)
    warnings = []
    store = TokenCache(cache_dir, SECRET, name_for(), lock_wait=5, warn=warnings.append)
    token, minted = store.get_or_mint(minter([]))
    assert minted and token.access_token
    assert any('Could not lock the token cache' in w for w in warnings)


# -- a FIFO where an entry belongs -------------------------------------------------------------------------------------


@pytest.fixture
def hang_guard():
    """Fail (instead of hanging the suite) when the code under test blocks for more than 10 s."""
    import signal

    def alarm(_signum, _frame):
        # Not an OSError (TimeoutError is one): the cache's own OSError handling must not swallow it.
        pytest.fail('blocked: the token cache waited on a FIFO')

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(10)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize('suffix', [_token_cache.ENTRY_SUFFIX, _token_cache.LOCK_SUFFIX])
def test_a_fifo_at_an_entry_path_never_hangs(cache_dir, hang_guard, suffix):  # pylint: disable=unused-argument
    warnings = []
    store = TokenCache(cache_dir, SECRET, name_for(), lock_wait=1, warn=warnings.append)
    os.mkfifo(os.path.join(cache_dir, name_for() + suffix), 0o600)
    assert store.peek() is None
    token, minted = store.get_or_mint(minter([]))
    assert minted and token.access_token
    assert any('is not a regular file' in w for w in warnings)
    if suffix == _token_cache.ENTRY_SUFFIX:
        # The token was stored over the FIFO: the next task finds it.
        assert stat.S_ISREG(os.lstat(store.path).st_mode)
        assert store.peek().access_token == token.access_token
