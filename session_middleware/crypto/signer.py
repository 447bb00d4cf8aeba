"""Signed session-id cookies (DESIGN.md C1, C3), in itsdangerous' timestamp format.

The value is ``<session id>.<timestamp>.<signature>``, exactly what itsdangerous'
``TimestampSigner`` (HMAC-SHA256, ``key_derivation="none"``) produces with each ring key's
cookie-purpose key, and built from its encoding helpers; a test keeps the two identical.
Verification is done here rather than through ``Signer.unsign`` because it runs on every
request: one HMAC from a prepared state, compared in its canonical base64 spelling, so a
spelling that only differs in spare bits (and would decode alike) never verifies.
"""

from __future__ import annotations

import hashlib
import hmac

from itsdangerous.encoding import base64_decode, base64_encode, bytes_to_int, int_to_bytes

from session_middleware.crypto.keyring import Keyring
from session_middleware.types import Clock

__all__ = ["BadCookie", "CookieSigner"]


class BadCookie(Exception):
    """The cookie value does not verify. Internal: becomes a fresh anonymous session."""


class CookieSigner:
    """Signs session ids with the primary key and verifies them against the whole ring."""

    __slots__ = ("_clock", "_macs")

    def __init__(self, keyring: Keyring, clock: Clock) -> None:
        self._macs = [hmac.new(k.cookie, digestmod=hashlib.sha256) for k in keyring.keys]
        self._clock = clock

    def sign(self, session_id: str) -> str:
        """The cookie value for ``session_id``, stamped with the current time."""
        stamped = (
            session_id.encode("ascii") + b"." + base64_encode(int_to_bytes(int(self._clock())))
        )
        return (stamped + b"." + self._signature(0, stamped)).decode("ascii")

    def unsign(self, value: str) -> tuple[str, int]:
        """Return ``(session_id, issued_at)``; raise :class:`BadCookie` if it does not verify."""
        try:
            raw = value.encode("ascii")
        except UnicodeEncodeError:
            raise BadCookie from None
        stamped, _, signature = raw.rpartition(b".")
        if not any(
            hmac.compare_digest(self._signature(i, stamped), signature)
            for i in range(len(self._macs))
        ):
            raise BadCookie
        session_id, _, timestamp = stamped.rpartition(b".")
        return session_id.decode("ascii"), bytes_to_int(base64_decode(timestamp))

    def _signature(self, index: int, stamped: bytes) -> bytes:
        mac = self._macs[index].copy()
        mac.update(stamped)
        return base64_encode(mac.digest())
