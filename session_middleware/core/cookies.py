"""Reading the session cookie and writing ``Set-Cookie`` (DESIGN.md C1-C3).

The header spelling is Starlette's ``SessionMiddleware`` byte for byte, so a drop-in swap
changes nothing a browser or a test sees; the attribute tail is built once.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from session_middleware.cache import Memo
from session_middleware.core.devices import DEVICE_MAX_AGE
from session_middleware.core.options import CookieOptions
from session_middleware.crypto.keyring import Keyring
from session_middleware.crypto.signer import BadCookie, CookieSigner
from session_middleware.events import RejectionReason
from session_middleware.types import Clock

__all__ = ["CookieCodec", "CookieRead", "new_session_id"]

# kid (8 hex), for an authenticated session its user's tag (22), then 32 random bytes in
# urlsafe base64 (43 chars): 256 bits from `secrets`.
_SESSION_ID = re.compile(r"[0-9a-f]{8}(?:[A-Za-z0-9_-]{22})?[A-Za-z0-9_-]{43}")
_MAX_COOKIE_CHARS = 256
_EXPIRED = "expires=Thu, 01 Jan 1970 00:00:00 GMT; "


def new_session_id(kid: str, tag: str = "") -> str:
    """A fresh session id minted under ring key ``kid`` (with a user's ``tag`` at login)."""
    return kid + tag + secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class CookieRead:
    """What the request's cookie says: a verified id, a rejection, or nothing at all."""

    session_id: str | None = None
    issued_at: int | None = None
    rejected: RejectionReason | None = None

    @property
    def present(self) -> bool:
        """A session cookie was sent, valid or not."""
        return self.session_id is not None or self.rejected is not None


_NO_COOKIE = CookieRead()
_OVERSIZED = CookieRead(rejected="oversized")
_COOKIE_EXPIRED = CookieRead(rejected="cookie_expired")


class CookieCodec:
    """Verifies incoming cookie values and formats outgoing ``Set-Cookie`` values."""

    __slots__ = ("_keyring", "_tail", "_tail_secure", "_verified", "options", "signer")

    def __init__(self, options: CookieOptions, keyring: Keyring, clock: Clock) -> None:
        self.options = options
        self._keyring = keyring
        self.signer = CookieSigner(keyring, clock)
        self._verified: Memo[str, CookieRead] = Memo(self._verify)
        self._tail = _attributes(options, secure=options.https_only is True)
        self._tail_secure = _attributes(options, secure=options.https_only is not False)

    def read(self, value: str | None, now: float) -> CookieRead:
        """Verify a cookie value. Cheap checks first: no HMAC for junk, no store read ever."""
        if value is None:
            return _NO_COOKIE
        if len(value) > _MAX_COOKIE_CHARS:
            return _OVERSIZED
        read = self._verified(value)
        max_age = self.options.max_age
        if read.issued_at is not None and max_age is not None and now - read.issued_at > max_age:
            return _COOKIE_EXPIRED
        return read

    def _verify(self, value: str) -> CookieRead:
        """The time-independent checks of a cookie value (memoized: a pure function)."""
        try:
            session_id, issued_at = self.signer.unsign(value)
        except BadCookie:
            return CookieRead(rejected="bad_signature")
        if not _SESSION_ID.fullmatch(session_id):
            return CookieRead(rejected="malformed")
        if self._keyring.get(session_id[:8]) is None:
            return CookieRead(rejected="unknown_key")
        return CookieRead(session_id=session_id, issued_at=issued_at)

    def set_cookie(self, session_id: str, *, secure: bool) -> str:
        """The ``Set-Cookie`` value that hands ``session_id`` to the browser."""
        o = self.options
        max_age = f"Max-Age={o.max_age}; " if o.max_age is not None else ""
        tail = self._tail_secure if secure else self._tail
        return f"{o.name}={self.signer.sign(session_id)}; path={o.path}; {max_age}{tail}"

    def device_value(self, device_id: str) -> str:
        """The signed value of a device cookie."""
        return self.signer.sign(device_id)

    def device_cookie(self, value: str, *, secure: bool) -> str:
        """The ``Set-Cookie`` value of the long-lived device cookie (same attributes)."""
        tail = self._tail_secure if secure else self._tail
        path = self.options.path
        return f"{self.device_name}={value}; path={path}; Max-Age={DEVICE_MAX_AGE}; {tail}"

    @property
    def device_name(self) -> str:
        """The device cookie's name: the session cookie's, suffixed."""
        return self.options.name + "_device"

    def expire_cookie(self, *, secure: bool) -> str:
        """The ``Set-Cookie`` value that removes the cookie (Starlette's spelling)."""
        tail = self._tail_secure if secure else self._tail
        return f"{self.options.name}=null; path={self.options.path}; {_EXPIRED}{tail}"


def _attributes(options: CookieOptions, *, secure: bool) -> str:
    flags = "httponly; samesite=" + options.same_site
    if secure:
        flags += "; secure"
    if options.domain is not None:
        flags += f"; domain={options.domain}"
    if options.partitioned:
        flags += "; partitioned"
    return flags
