"""Names derived from a session id: its store key and its public handle (DESIGN.md E6, P2).

Both are HMACs under keys of the ring key that minted the id (its first 8 characters name
it), so they stay stable for the session's whole life across key rotation. A store dump or
a listing holds neither the id nor anything that can be turned into a cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from session_middleware.cache import Memo
from session_middleware.core.users import TAG_CHARS
from session_middleware.crypto.keyring import Keyring, RingKey

__all__ = ["Identity"]

_TAGGED_LENGTH = 8 + TAG_CHARS + 43


class Identity:
    """Computes store keys and handles for session ids minted by a keyring's keys."""

    __slots__ = ("_handles", "_keyring", "_lookups", "handle", "store_key")

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring
        self._lookups = {k.kid: hmac.new(k.lookup, digestmod=hashlib.sha256) for k in keyring.keys}
        self._handles = {k.kid: hmac.new(k.handle, digestmod=hashlib.sha256) for k in keyring.keys}
        self.store_key: Memo[str, str] = Memo(self._store_key)
        self.handle: Memo[str, str] = Memo(self._handle)

    def minting_key(self, session_id: str) -> RingKey:
        """The ring key that minted ``session_id`` (the cookie codec checked it exists)."""
        key = self._keyring.get(session_id[:8])
        if key is None:
            raise KeyError("session id minted by a key no longer in the ring")
        return key

    def _store_key(self, session_id: str) -> str:
        """The key the store holds this session's record under (``store_key``, memoized).

        An authenticated session's id carries its user's tag; the key puts it in braces so
        the record shares the hash slot of the user's index.
        """
        digest = _b64(_mac(self._lookups, session_id))
        if len(session_id) == _TAGGED_LENGTH:
            return "{" + session_id[8 : 8 + TAG_CHARS] + "}" + digest
        return digest

    def _handle(self, session_id: str) -> str:
        """A short public name for the session, safe to log and to show (``handle``)."""
        return _b64(_mac(self._handles, session_id)[:12])


def _mac(prepared: dict[str, hmac.HMAC], session_id: str) -> bytes:
    mac = prepared[session_id[:8]].copy()
    mac.update(session_id.encode())
    return mac.digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
