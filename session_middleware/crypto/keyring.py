"""The keyring: configured secrets, newest first, each expanded into per-purpose keys.

Rules (DESIGN.md E2, E3):
- Keys come only from configuration, so every worker and every restart reads every session.
- The first secret is primary: it signs new cookies and seals new records. Every secret in
  the ring verifies and decrypts, so rotation logs nobody out.
- Each purpose gets its own key, derived with HKDF-SHA256; a key id (``kid``), itself
  derived, names the secret without revealing it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from session_middleware.cache import Memo
from session_middleware.errors import ConfigurationError

__all__ = ["MIN_SECRET_BYTES", "Keyring", "RingKey", "derive_key"]

MIN_SECRET_BYTES = 16
_SALT = b"session_middleware/keyring"
RECORD_INFO = b"session_middleware/v1/record"


def derive_key(material: bytes, info: bytes, *, salt: bytes | None = _SALT) -> bytes:
    """Derive 32 bytes for one purpose from ``material`` with HKDF-SHA256."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(material)


@dataclass(frozen=True, slots=True)
class RingKey:
    """One secret of the ring, expanded. ``repr`` never shows key material."""

    kid: str
    cookie: bytes = field(repr=False)
    data: bytes = field(repr=False)
    lookup: bytes = field(repr=False)
    stamp: bytes = field(repr=False)
    handle: bytes = field(repr=False)
    stamp_mac: hmac.HMAC = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A prepared HMAC state: stamps are checked on every request.
        object.__setattr__(self, "stamp_mac", hmac.new(self.stamp, digestmod=hashlib.sha256))

    @classmethod
    def from_secret(cls, secret: bytes) -> RingKey:
        """Expand one configured secret into its per-purpose keys."""

        def purpose(name: str) -> bytes:
            return derive_key(secret, b"session_middleware/v1/" + name.encode())

        return cls(
            kid=purpose("kid")[:4].hex(),
            cookie=purpose("cookie"),
            data=purpose("data"),
            lookup=purpose("lookup"),
            stamp=purpose("stamp"),
            handle=purpose("handle"),
        )

    def mac(self, key: bytes, message: bytes) -> bytes:
        """HMAC-SHA256 of ``message`` under one of this ring key's purpose keys."""
        return hmac.new(key, message, hashlib.sha256).digest()


class Keyring:
    """The configured secrets, newest (primary) first."""

    __slots__ = ("_by_kid", "keys", "record_cipher")

    def __init__(self, secrets: Iterable[str | bytes | object]) -> None:
        raw = [_secret_bytes(s) for s in secrets]
        if not raw:
            raise ConfigurationError("secret_keys", "give at least one secret")
        self.keys: tuple[RingKey, ...] = tuple(RingKey.from_secret(s) for s in raw)
        self._by_kid = {k.kid: k for k in self.keys}
        if len(self._by_kid) != len(self.keys):
            raise ConfigurationError("secret_keys", "the same secret is listed twice")
        # An unchanged session's record is opened on every request: deriving its key each
        # time would cost more than decrypting it.
        self.record_cipher: Memo[tuple[str, bytes], AESGCM] = Memo(self._record_cipher)

    def _record_cipher(self, kid_and_salt: tuple[str, bytes]) -> AESGCM:
        """The AES-256-GCM cipher of one record: HKDF of the data key with its salt."""
        kid, salt = kid_and_salt
        return AESGCM(derive_key(self._by_kid[kid].data, RECORD_INFO, salt=salt))

    @property
    def primary(self) -> RingKey:
        """The key that signs and seals everything new."""
        return self.keys[0]

    def get(self, kid: str) -> RingKey | None:
        """The ring key with id ``kid``, or ``None`` if it is not (or no longer) in the ring."""
        return self._by_kid.get(kid)

    def __repr__(self) -> str:
        return f"Keyring(kids={[k.kid for k in self.keys]!r})"


def _secret_bytes(secret: str | bytes | object) -> bytes:
    """Accept ``str``, ``bytes`` or starlette's ``Secret`` (anything whose ``str`` is the key)."""
    value = secret if isinstance(secret, bytes) else str(secret).encode()
    if len(value) < MIN_SECRET_BYTES:
        raise ConfigurationError(
            "secret_key",
            f"a secret must be at least {MIN_SECRET_BYTES} bytes; generate one with "
            '`python -c "import secrets; print(secrets.token_urlsafe(32))"`',
        )
    return value
