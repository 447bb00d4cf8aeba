"""Keys, the AES-256-GCM envelope and the cookie signer."""

from session_middleware.crypto.envelope import EnvelopeError, open_envelope, seal_envelope
from session_middleware.crypto.keyring import Keyring, RingKey
from session_middleware.crypto.signer import CookieSigner

__all__ = [
    "CookieSigner",
    "EnvelopeError",
    "Keyring",
    "RingKey",
    "open_envelope",
    "seal_envelope",
]
