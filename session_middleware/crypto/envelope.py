"""The sealed envelope a store holds (DESIGN.md E1, E5, E6, E7).

Layout, all of it authenticated::

    format (1) | kid (4) | flags (1) | salt (16) | nonce (12) | AES-256-GCM ciphertext + tag

- Each seal draws a fresh 16-byte salt and derives that record's own AES key from the
  ring key with HKDF, so the 2^32 random-nonce budget of a GCM key is never approached.
- The associated data is the header plus the session id: a blob copied under another
  session id, or with any header byte changed, fails to open.
- Immutable record fields travel inside the ciphertext, so they are covered too.
- Flag bit 0 marks zlib compression, applied only above a configured size.
"""

from __future__ import annotations

import os
import struct
import zlib

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from session_middleware.crypto.keyring import RECORD_INFO, Keyring, RingKey, derive_key

__all__ = ["FORMAT_VERSION", "EnvelopeError", "open_envelope", "seal_envelope"]

FORMAT_VERSION = 1
_HEADER = struct.Struct(">B4sB16s")
_NONCE_BYTES = 12
_FLAG_COMPRESSED = 0x01
_MIN_LENGTH = _HEADER.size + _NONCE_BYTES + 16


class EnvelopeError(Exception):
    """The envelope cannot be opened. Internal: the core turns it into a fresh session."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def seal_envelope(
    plaintext: bytes,
    session_id: str,
    key: RingKey,
    *,
    compress_threshold: int | None = None,
) -> bytes:
    """Encrypt ``plaintext`` for ``session_id`` under ``key`` (normally the primary)."""
    flags = 0
    if compress_threshold is not None and len(plaintext) >= compress_threshold:
        plaintext = zlib.compress(plaintext, 6)
        flags |= _FLAG_COMPRESSED
    salt = os.urandom(16)
    header = _HEADER.pack(FORMAT_VERSION, bytes.fromhex(key.kid), flags, salt)
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _record_cipher(key, salt).encrypt(nonce, plaintext, header + session_id.encode())
    return header + nonce + sealed


def open_envelope(blob: bytes, session_id: str, keyring: Keyring, *, max_size: int) -> bytes:
    """Decrypt ``blob`` for ``session_id``; raise :class:`EnvelopeError` on any failure."""
    key, header, flags, salt = _parse_header(blob, keyring)
    nonce = blob[_HEADER.size : _HEADER.size + _NONCE_BYTES]
    try:
        plaintext = keyring.record_cipher((key.kid, salt)).decrypt(
            nonce, blob[_HEADER.size + _NONCE_BYTES :], header + session_id.encode()
        )
    except InvalidTag:
        raise EnvelopeError("authentication failed") from None
    if flags & _FLAG_COMPRESSED:
        plaintext = _inflate(plaintext, max_size)
    return plaintext


def envelope_kid(blob: bytes) -> str | None:
    """The key id an envelope was sealed under, without opening it (for rekeying)."""
    if len(blob) < _MIN_LENGTH:
        return None
    return blob[1:5].hex()


def _parse_header(blob: bytes, keyring: Keyring) -> tuple[RingKey, bytes, int, bytes]:
    if len(blob) < _MIN_LENGTH:
        raise EnvelopeError("truncated")
    header = blob[: _HEADER.size]
    version, kid, flags, salt = _HEADER.unpack(header)
    if version != FORMAT_VERSION:
        raise EnvelopeError("unknown format")
    if flags & ~_FLAG_COMPRESSED:
        raise EnvelopeError("unknown flags")
    key = keyring.get(kid.hex())
    if key is None:
        raise EnvelopeError("sealed under a key no longer in the ring")
    return key, header, flags, salt


def _record_cipher(key: RingKey, salt: bytes) -> AESGCM:
    return AESGCM(derive_key(key.data, RECORD_INFO, salt=salt))


def _inflate(data: bytes, max_size: int) -> bytes:
    """Decompress, refusing anything that inflates past ``max_size`` (no zip bombs)."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, max_size + 1)
    except zlib.error:
        raise EnvelopeError("corrupt compressed payload") from None
    if len(out) > max_size or not inflater.eof:
        raise EnvelopeError("compressed payload too large")
    return out
