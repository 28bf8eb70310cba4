# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An OAuth2 access token with its lifetime and the cloud that issued it. Internal use only."""

import time

# Renew a token when fewer than 120 s of its life remain (FalconPy's default renew window).
RENEW_WINDOW = 120
# Tokens live 30 minutes; the API answers expires_in 1799 (spec; observed).
DEFAULT_EXPIRES_IN = 1799


class Token:
    """An access token, when it expires, and the base URL / cloud it works in (tokens only work in their own cloud)."""

    __slots__ = ('access_token', 'token_type', 'expires_in', 'issued_at', 'expires_at', 'base_url', 'cloud', 'source')

    def __init__(
        self,
        access_token,
        base_url,
        cloud=None,
        token_type='bearer',
        expires_in=DEFAULT_EXPIRES_IN,
        issued_at=None,
        expires_at=None,
        source='issued',
    ):
        self.access_token = access_token
        self.token_type = token_type or 'bearer'
        self.expires_in = int(expires_in) if expires_in is not None else DEFAULT_EXPIRES_IN
        self.issued_at = float(issued_at) if issued_at is not None else time.time()
        self.expires_at = float(expires_at) if expires_at is not None else self.issued_at + self.expires_in
        self.base_url = base_url
        self.cloud = cloud
        # 'issued' (minted by this task), 'cache' (reused from the token cache) or 'given' (access_token option).
        self.source = source

    def remaining(self, now=None):
        """Seconds of life left (negative once expired)."""
        return self.expires_at - (time.time() if now is None else now)

    def fresh(self, now=None, renew_window=RENEW_WINDOW):
        """True while more than the renew window of life remains.

        The window is at most half the token's lifetime: a token issued for 120 s or less would otherwise never be
        fresh, and every call would mint a new one.
        """
        return self.remaining(now) > min(renew_window, self.expires_in / 2.0)

    def to_dict(self):
        """Return the fields as a plain dict (what the encrypted cache entry holds)."""
        return dict(
            access_token=self.access_token,
            token_type=self.token_type,
            expires_in=self.expires_in,
            issued_at=self.issued_at,
            expires_at=self.expires_at,
            base_url=self.base_url,
            cloud=self.cloud,
        )

    @classmethod
    def from_dict(cls, data, source='cache'):
        """Build a Token from to_dict() output; ValueError/KeyError/TypeError on a malformed dict."""
        if not isinstance(data, dict) or not isinstance(data.get('access_token'), str) or not data['access_token']:
            raise ValueError('not a token entry')
        if not isinstance(data.get('base_url'), str):
            raise ValueError('token entry without base_url')
        return cls(
            data['access_token'],
            data['base_url'],
            cloud=data.get('cloud'),
            token_type=data.get('token_type'),
            expires_in=data.get('expires_in'),
            issued_at=float(data['issued_at']),
            expires_at=float(data['expires_at']),
            source=source,
        )

    def __repr__(self):
        # Never the token itself: reprs end up in tracebacks and logs.
        return 'Token(base_url=%r, cloud=%r, expires_at=%r, source=%r)' % (
            self.base_url,
            self.cloud,
            self.expires_at,
            self.source,
        )
