"""Names derived from a session id: its store key and its public handle (DESIGN.md E6, P2).

Both are HMACs under keys of the ring key that minted the id (its first 8 characters name
it), so they stay stable for the session's whole life across key rotation. A store dump or
a listing holds neither the id nor anything that can be turned into a cookie.
"""

from __future__ import annotations

import base64

from session_middleware.crypto.keyring import Keyring, RingKey

__all__ = ["Identity"]


class Identity:
    """Computes store keys and handles for session ids minted by a keyring's keys."""

    __slots__ = ("_keyring",)

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring

    def minting_key(self, session_id: str) -> RingKey:
        """The ring key that minted ``session_id`` (the cookie codec checked it exists)."""
        key = self._keyring.get(session_id[:8])
        if key is None:
            raise KeyError("session id minted by a key no longer in the ring")
        return key

    def store_key(self, session_id: str) -> str:
        """The key the store holds this session's record under."""
        key = self.minting_key(session_id)
        return _b64(key.mac(key.lookup, session_id.encode()))

    def handle(self, session_id: str) -> str:
        """A short public name for the session, safe to log and to show the user."""
        key = self.minting_key(session_id)
        return _b64(key.mac(key.handle, session_id.encode())[:12])


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
