# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Token cache on the machine that runs the task: one token per credentials, shared by tasks, hosts and forks.

Internal use only. Entry name = HMAC-SHA256(key=client secret, start URL, cloud, client id, member CID), so a caller
with another secret never finds the entry; the value is AES-256-GCM encrypted with a key derived (HKDF-SHA256) from
the secret; directory 0700, files 0600 written atomically; an fcntl lock per entry gives single flight (one process
issues the token, the others wait on the lock and reuse it).
"""

import base64
import contextlib
import errno
import hashlib
import hmac
import json
import os
import stat
import time

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconConfigError
from ansible_collections.secops.falcon.plugins.module_utils._file_trust import untrusted_reason
from ansible_collections.secops.falcon.plugins.module_utils._token import Token

# Temporary files of an entry older than this were left by a killed writer.
STALE_TEMP_SECONDS = 60

try:
    import fcntl

    HAS_FCNTL = True
except ImportError:  # pragma: no cover - not POSIX
    HAS_FCNTL = False

try:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - exercised by a unit test that hides the library
    HAS_CRYPTOGRAPHY = False

ENTRY_FORMAT = 1
ENTRY_SUFFIX = '.token'
LOCK_SUFFIX = '.lock'
KDF_INFO = b'secops.falcon token cache v1'
# An entry is a few hundred bytes; anything far larger is not ours.
MAX_ENTRY_BYTES = 65536
LOCK_POLL_SECONDS = 0.02
# Never follow a symlink at an entry path; never block opening one (a FIFO there would hang the task).
_NOFOLLOW = getattr(os, 'O_NOFOLLOW', 0)
_NONBLOCK = getattr(os, 'O_NONBLOCK', 0)


def entry_name(secret, start_url, cloud, client_id, member_cid):
    """The entry's file stem: HMAC-SHA256 keyed by the client secret over where and who (no secret in the name)."""
    message = '\n'.join(
        ['secops.falcon token cache v1', start_url or '', cloud or '', client_id or '', member_cid or '']
    )
    return hmac.new(secret.encode('utf-8'), message.encode('utf-8'), hashlib.sha256).hexdigest()


def prepare_cache_dir(path):
    """Create path (0700) if needed and return it; FalconConfigError if another user owns it or others may write to it."""
    path = os.path.abspath(os.path.expanduser(path))
    if not os.path.isdir(path):
        if os.path.lexists(path):
            raise FalconConfigError(
                'token_cache_dir %s exists and is not a directory: choose a directory for the token cache.' % path
            )
        try:
            os.makedirs(path, 0o700)
            os.chmod(path, 0o700)
        except OSError as exc:
            if exc.errno != errno.EEXIST:
                raise FalconConfigError(
                    'Cannot create token_cache_dir %s: %s. Choose a writable directory (token_cache_dir or '
                    'FALCON_TOKEN_CACHE_DIR) or set token_cache: false.' % (path, exc.strerror or exc)
                )
    try:
        info = os.stat(path)
    except OSError as exc:
        raise FalconConfigError('Cannot use token_cache_dir %s: %s.' % (path, exc.strerror or exc))
    if not stat.S_ISDIR(info.st_mode):
        raise FalconConfigError('token_cache_dir %s is not a directory.' % path)
    problem = untrusted_reason(info, 'token_cache_dir', path, 'this task')
    if problem and info.st_uid != os.geteuid():
        raise FalconConfigError(
            '%s: refusing to keep tokens in a directory another user controls. Use a directory of your own '
            '(token_cache_dir or FALCON_TOKEN_CACHE_DIR) or set token_cache: false.' % problem
        )
    if problem:
        raise FalconConfigError(
            '%s: refusing to keep tokens there. Run chmod 700 on it or choose another directory.' % problem
        )
    return path


def _b64(data):
    """Base64 text of bytes."""
    return base64.b64encode(data).decode('ascii')


def _derive_key(secret, salt):
    """A 256-bit key from the client secret (HKDF: the secret is a long random string, a slow KDF would add nothing)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=KDF_INFO).derive(secret.encode('utf-8'))


def encrypt_entry(secret, name, token):
    """Return the bytes of an encrypted entry for token (the entry name is bound in as associated data)."""
    salt, nonce = os.urandom(16), os.urandom(12)
    plain = json.dumps(token.to_dict(), sort_keys=True).encode('utf-8')
    sealed = AESGCM(_derive_key(secret, salt)).encrypt(nonce, plain, name.encode('ascii'))
    doc = {
        'format': ENTRY_FORMAT,
        'kdf': 'HKDF-SHA256',
        'cipher': 'AES-256-GCM',
        'salt': _b64(salt),
        'nonce': _b64(nonce),
        'ciphertext': _b64(sealed),
    }
    return json.dumps(doc, sort_keys=True).encode('ascii')


def decrypt_entry(secret, name, data):
    """Return the Token in an entry's bytes; ValueError for anything corrupt, truncated or sealed with another secret."""
    try:
        doc = json.loads(data.decode('ascii'))
        if not isinstance(doc, dict) or doc.get('format') != ENTRY_FORMAT:
            raise ValueError('unknown entry format')
        salt = base64.b64decode(doc['salt'], validate=True)
        nonce = base64.b64decode(doc['nonce'], validate=True)
        sealed = base64.b64decode(doc['ciphertext'], validate=True)
        plain = AESGCM(_derive_key(secret, salt)).decrypt(nonce, sealed, name.encode('ascii'))
        return Token.from_dict(json.loads(plain.decode('utf-8')), source='cache')
    except (InvalidTag, KeyError, TypeError, UnicodeDecodeError, AttributeError) as exc:
        raise ValueError('unreadable token cache entry: %s' % type(exc).__name__)


def warm_up():
    """Derive a key and seal a few bytes once, with throw-away values, so that OpenSSL's one-time set-up of HKDF and
    AES-GCM is done in this process. The in-process path calls it in Ansible's main process before the workers fork:
    each worker then reads its cached token without that set-up (about 1 ms of CPU a task)."""
    if HAS_CRYPTOGRAPHY:
        AESGCM(_derive_key('warm-up', b'\0' * 16)).encrypt(b'\0' * 12, b'warm-up', None)


def _usable(token, include_stale=False):
    """token if it has more than the renew window of life left (or any life, with include_stale), else None."""
    if token is None:
        return None
    if token.fresh() or (include_stale and token.remaining() > 0):
        return token
    return None


class MemoryTokenStore:
    """Tokens kept by this process only (token_cache: false, or no cryptography): one token per task."""

    def __init__(self):
        self._token = None

    def peek(self, include_stale=False):
        """The fresh token of this process (any unexpired one with include_stale), or None."""
        return _usable(self._token, include_stale)

    def get_or_mint(self, mint, reject=None):
        """Return (token, minted): the fresh token unless it is reject, else a new one from mint()."""
        token = self.peek()
        if token is not None and token.access_token != reject:
            return token, False
        self._token = mint()
        return self._token, True

    def evict(self, access_token=None):
        """Forget the token (only if it is access_token, when given)."""
        if self._token is not None and (access_token is None or self._token.access_token == access_token):
            self._token = None


class TokenCache:
    """The on-disk store of one entry (one set of credentials), with single flight under an fcntl lock."""

    def __init__(self, directory, secret, name, lock_wait=60.0, warn=None):
        self.directory = directory
        self.name = name
        self.path = os.path.join(directory, name + ENTRY_SUFFIX)
        self.lock_path = os.path.join(directory, name + LOCK_SUFFIX)
        self.lock_wait = lock_wait
        self._secret = secret
        self._warn = warn or (lambda msg: None)
        self._warned = set()

    def _warn_once(self, msg):
        """Warn about msg once per store (the entry is read several times per task)."""
        if msg not in self._warned:
            self._warned.add(msg)
            self._warn(msg)

    def peek(self, include_stale=False):
        """The fresh cached token (any unexpired one with include_stale), or None; a corrupt entry is a miss."""
        return _usable(self._read(), include_stale)

    def get_or_mint(self, mint, reject=None):
        """Return (token, minted): a fresh cached token other than reject, else one minted under the lock and stored."""
        token = self.peek()
        if token is not None and token.access_token != reject:
            return token, False
        with self._locked():
            # Another process may have issued a token while we waited for the lock: reuse it (single flight).
            token = self.peek()
            if token is not None and token.access_token != reject:
                return token, False
            token = mint()
            self._write(token)
        return token, True

    def evict(self, access_token=None):
        """Remove the entry (only if it holds access_token, when given; a corrupt entry always goes)."""
        with self._locked():
            if access_token is not None:
                current = self._read()
                if current is not None and current.access_token != access_token:
                    return False
            try:
                os.unlink(self.path)
            except OSError as exc:
                if exc.errno != errno.ENOENT:
                    self._warn('Could not remove the token cache entry in %s: %s.' % (self.directory, exc.strerror))
                return False
        return True

    def _read(self):
        """The Token in the entry, or None when absent, unsafe, corrupt or sealed with another secret."""
        try:
            # O_NONBLOCK: opening a FIFO planted at the entry's path would otherwise wait forever for a writer.
            fd = os.open(self.path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
        except OSError:
            return None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                self._warn_once(
                    'The token cache entry %s is not a regular file: it is ignored (and replaced when a token '
                    'is stored).' % self.path
                )
                return None
            # Only a regular file of ours that nobody else can read: anything else is ignored and replaced.
            if info.st_uid != os.geteuid() or info.st_mode & 0o077:
                return None
            data = os.read(fd, MAX_ENTRY_BYTES + 1)
        except OSError:
            return None
        finally:
            os.close(fd)
        if len(data) > MAX_ENTRY_BYTES:
            return None
        try:
            return decrypt_entry(self._secret, self.name, data)
        except ValueError:
            return None

    def _sweep_temp_files(self, now=None):
        """Remove this entry's temporary files left by a process killed between write and rename."""
        now = time.time() if now is None else now
        prefix = '.%s.' % self.name
        try:
            names = os.listdir(self.directory)
        except OSError:
            return
        for name in names:
            if not (name.startswith(prefix) and name.endswith('.tmp')):
                continue
            path = os.path.join(self.directory, name)
            with contextlib.suppress(OSError):
                # A writer takes well under a second; an older file has no owner any more.
                if now - os.lstat(path).st_mtime > STALE_TEMP_SECONDS:
                    os.unlink(path)

    def _write(self, token):
        """Store token atomically (temporary 0600 file, fsync, rename); a failure only warns: the token still works."""
        self._sweep_temp_files()
        tmp = os.path.join(
            self.directory, '.%s.%d.%s.tmp' % (self.name, os.getpid(), base64.b32encode(os.urandom(5)).decode())
        )
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
            try:
                os.fchmod(fd, 0o600)
                os.write(fd, encrypt_entry(self._secret, self.name, token))
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self.path)
        except OSError as exc:
            self._warn(
                'Could not write the token cache entry in %s (%s): the token is used for this task only.'
                % (self.directory, exc.strerror or exc)
            )
            with contextlib.suppress(OSError):
                os.unlink(tmp)

    @contextlib.contextmanager
    def _locked(self):
        """Hold the entry's exclusive lock (waiting at most lock_wait; after that, go on without it and warn)."""
        if not HAS_FCNTL:
            yield False
            return
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _NONBLOCK, 0o600)
        except OSError as exc:
            self._warn(
                'Could not open the token cache lock in %s (%s): tokens may be issued more than once.'
                % (self.directory, exc.strerror or exc)
            )
            yield False
            return
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            self._warn_once(
                'The token cache lock %s is not a regular file: tokens may be issued more than once.' % self.lock_path
            )
            yield False
            return
        try:
            deadline = time.monotonic() + self.lock_wait
            locked = False
            while not locked:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    locked = True
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                        # e.g. ENOLCK on a network file system: no lock to be had, so do without it as below.
                        self._warn(
                            'Could not lock the token cache in %s (%s): issuing a token without the lock.'
                            % (self.directory, exc.strerror or exc)
                        )
                        break
                    if time.monotonic() >= deadline:
                        self._warn(
                            'Waited %.0f s for the token cache lock in %s: issuing a token without it.'
                            % (self.lock_wait, self.directory)
                        )
                        break
                    time.sleep(LOCK_POLL_SECONDS)
            yield locked
        finally:
            # Closing the descriptor releases the lock; the lock file stays (removing it would break waiters).
            os.close(fd)


def open_token_store(settings, warn):
    """The token store for settings: the disk cache, or this process only (token_cache false, no cryptography)."""
    if not settings.token_cache or not settings.has_credentials:
        return MemoryTokenStore()
    if not HAS_CRYPTOGRAPHY:
        warn(
            'The Python library cryptography is not installed where this task runs: the token cache is off and this task '
            'requests its own token (pip install cryptography to share tokens across tasks).'
        )
        return MemoryTokenStore()
    directory = prepare_cache_dir(settings.token_cache_dir)
    name = entry_name(
        settings.client_secret, settings.base_url, settings.cloud, settings.client_id, settings.member_cid
    )
    # Wait for the lock as long as the holder may take to issue a token (its timeout and retries).
    lock_wait = min(180.0, settings.timeout * (settings.retries + 1)) + 5.0
    return TokenCache(directory, settings.client_secret, name, lock_wait=lock_wait, warn=warn)
