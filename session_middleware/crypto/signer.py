"""Signed session-id cookies (DESIGN.md C1, C3) on top of itsdangerous.

The cookie value is ``<session id>.<timestamp>.<signature>``: itsdangerous' timestamp
signer with HMAC-SHA256 under each ring key's cookie-purpose key. Signing uses the primary
key; verification accepts every key of the ring. The timestamp (from the injected clock)
tells the core how old the cookie is without asking the store.
"""

from __future__ import annotations

import hashlib

from itsdangerous import BadData, Signer, TimestampSigner
from itsdangerous.encoding import base64_decode, base64_encode, bytes_to_int

from session_middleware.crypto.keyring import Keyring
from session_middleware.types import Clock

__all__ = ["BadCookie", "CookieSigner"]


class BadCookie(Exception):
    """The cookie value does not verify. Internal: becomes a fresh anonymous session."""


class _ClockedSigner(TimestampSigner):
    """A TimestampSigner that reads the injected clock instead of ``time.time``."""

    def __init__(self, keys: list[bytes], clock: Clock) -> None:
        super().__init__(
            keys,
            salt=b"session_middleware.cookie",
            key_derivation="none",
            digest_method=hashlib.sha256,
        )
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock())


class CookieSigner:
    """Signs session ids with the primary key and verifies them against the whole ring."""

    __slots__ = ("_signer",)

    def __init__(self, keyring: Keyring, clock: Clock) -> None:
        # itsdangerous signs with the *last* key of its list, so hand it oldest first.
        keys = [k.cookie for k in reversed(keyring.keys)]
        self._signer = _ClockedSigner(keys, clock)

    def sign(self, session_id: str) -> str:
        """The cookie value for ``session_id``, stamped with the current time."""
        return self._signer.sign(session_id.encode("ascii")).decode("ascii")

    def unsign(self, value: str) -> tuple[str, int]:
        """Return ``(session_id, issued_at)``; raise :class:`BadCookie` if it does not verify.

        Base64 leaves spare bits in a last character, so two spellings can decode alike;
        only the canonical spelling is accepted, so no altered cookie ever verifies.
        """
        try:
            raw = value.encode("ascii")
            if not all(_is_canonical(part) for part in raw.split(b".")[1:]):
                raise BadCookie
            stamped = Signer.unsign(self._signer, raw)
            payload, _, raw_ts = stamped.rpartition(b".")
            issued_at = bytes_to_int(base64_decode(raw_ts))
        except (BadData, UnicodeEncodeError, ValueError) as exc:
            raise BadCookie from exc
        return payload.decode("ascii"), issued_at


def _is_canonical(part: bytes) -> bool:
    return base64_encode(base64_decode(part)) == part
