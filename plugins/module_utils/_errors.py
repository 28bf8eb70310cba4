# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed errors of the Falcon core and the scrubbing of secrets out of any text. Internal use only."""

import re
import threading

MASK = '********'
# Values shorter than this are never masked: no Falcon secret or token is that short (a client secret has 40
# characters), and masking every "a" of a message for access_token=a makes the message unreadable.
MIN_SECRET_LENGTH = 8

# Values (client secrets, tokens) this process has seen; any text leaving the core is scrubbed of them.
_SECRETS = set()
_SECRETS_LOCK = threading.Lock()

# Shapes of secrets that may reach an error text from a library (requests echoes URLs, bodies rarely): a bearer/basic
# credential (a basic one with a digit or symbol, so "basic authentication" stays a word), a form or query field
# (key=value), a JSON or dict field (quoted value). A colon followed by a plain word is a sentence ("... a new token:
# set cloud"), not a field: masking it would hide the module's own advice.
_SECRET_KEYS = r'(client_secret|access_token|refresh_token|id_token|token)'
_PATTERNS = (
    re.compile(
        r'(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}|\b(basic)\s+(?=[A-Za-z0-9._~+/=-]*[0-9+/=])[A-Za-z0-9._~+/=-]{8,}'
    ),
    re.compile(r'(?i)\b' + _SECRET_KEYS + r'(["\']?\s*=\s*["\']?)[^\s"\'&,;}]+'),
    re.compile(r'(?i)\b' + _SECRET_KEYS + r'(["\']?\s*:\s*["\'])[^"\']+'),
    # The token endpoint echoes the id it was sent ("... for clientID=<id>."): when client_id and client_secret are
    # swapped that is the secret. Our own messages name a checked client_id; the API's echo is never needed.
    re.compile(r'(clientID)(\s*=\s*)[^\s"\'&,;}.]+', re.IGNORECASE),
)


def register_secret(value):
    """Remember value (a secret or token) so scrub() masks it wherever it appears later."""
    if isinstance(value, bytes):
        value = value.decode('utf-8', 'replace')
    # Very short values would mask ordinary words; real secrets and tokens are far longer.
    if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH:
        # Libraries quote bad header values in repr form ('abc\\r\\n'): mask that spelling too.
        escaped = repr(value)[1:-1]
        with _SECRETS_LOCK:
            _SECRETS.add(value)
            if escaped != value:
                _SECRETS.add(escaped)


def scrub(text):
    """Return text with every registered secret and every secret-looking field masked."""
    if text is None:
        return None
    if not isinstance(text, str):
        text = str(text)
    with _SECRETS_LOCK:
        secrets = sorted(_SECRETS, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    text = _PATTERNS[0].sub(lambda m: '%s %s' % (m.group(1) or m.group(2), MASK), text)
    for pattern in _PATTERNS[1:]:
        text = pattern.sub(lambda m: '%s%s%s' % (m.group(1), m.group(2), MASK), text)
    return text


def _scrub_errors(errors):
    """Return the API's errors[] as a list of dicts with scrubbed messages (tolerates null and odd shapes)."""
    if not errors:
        return []
    if not isinstance(errors, list):
        errors = [errors]
    out = []
    for item in errors:
        if isinstance(item, dict):
            item = dict(item)
            if 'message' in item:
                item['message'] = scrub(item['message'])
            out.append(item)
        else:
            out.append({'message': scrub(item)})
    return out


class FalconError(Exception):
    """A Falcon failure with the HTTP status, trace id and the API's errors[]; its text never holds a secret."""

    def __init__(self, message, status=None, trace_id=None, errors=None, hint=None):
        self.message = scrub(message)
        self.status = status
        self.trace_id = trace_id
        self.errors = _scrub_errors(errors)
        # What the user can do about it; shown last.
        self.hint = scrub(hint)
        super().__init__(self.message)

    def api_messages(self):
        """Return the distinct errors[].message texts, in order."""
        seen = []
        for item in self.errors:
            msg = item.get('message')
            if msg and msg not in seen:
                seen.append(msg)
        return seen

    def __str__(self):
        text = self.message
        extra = [m for m in self.api_messages() if m not in text]
        if extra:
            text = '%s: %s' % (text.rstrip('.'), '; '.join(extra))
        details = []
        if self.status is not None and ('HTTP %s' % self.status) not in text:
            details.append('HTTP %s' % self.status)
        if self.trace_id:
            details.append('trace id %s' % self.trace_id)
        if details:
            text = '%s (%s)' % (text.rstrip('.'), ', '.join(details))
        if self.hint:
            text = '%s. %s' % (text.rstrip('.'), self.hint)
        return scrub(text)


class FalconConfigError(FalconError):
    """Bad user input (options, environment, cache directory); raised before any request is made."""


class FalconAuthError(FalconError):
    """A token could not be issued, or the API still answered 401 after one re-authentication."""


class FalconApiError(FalconError):
    """Any other answer of the API outside the expected statuses, or a transport failure after retries."""


class FalconConnectionError(FalconApiError):
    """The API could not be reached (refused, timed out, TLS failure) after the allowed retries."""
