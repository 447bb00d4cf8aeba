"""E1-E3, E5, E7 and C1 at the unit level: envelope, keyring and cookie codec properties."""

from __future__ import annotations

import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from session_middleware.core.cookies import CookieCodec, new_session_id
from session_middleware.core.options import CookieOptions
from session_middleware.crypto.envelope import (
    EnvelopeError,
    envelope_kid,
    open_envelope,
    seal_envelope,
)
from session_middleware.crypto.keyring import Keyring
from session_middleware.errors import ConfigurationError
from session_middleware.testing import FakeClock
from tests.conftest import SECRET

RING = Keyring([SECRET])
SID = new_session_id(RING.primary.kid)


@given(st.binary(max_size=2000), st.sampled_from([None, 0, 100]))
def test_envelope_round_trips(plaintext: bytes, threshold: int | None) -> None:
    blob = seal_envelope(plaintext, SID, RING.primary, compress_threshold=threshold)
    assert open_envelope(blob, SID, RING, max_size=10_000) == plaintext


@given(st.binary(min_size=1, max_size=200), st.data())
def test_every_bit_flip_of_an_envelope_is_rejected(plaintext: bytes, data: st.DataObject) -> None:
    blob = seal_envelope(plaintext, SID, RING.primary)
    bit = data.draw(st.integers(min_value=0, max_value=len(blob) * 8 - 1))
    flipped = bytearray(blob)
    flipped[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(EnvelopeError):
        open_envelope(bytes(flipped), SID, RING, max_size=10_000)


def test_envelope_is_bound_to_its_session_id() -> None:
    blob = seal_envelope(b"secret data", SID, RING.primary)
    with pytest.raises(EnvelopeError):
        open_envelope(blob, new_session_id(RING.primary.kid), RING, max_size=1000)


def test_truncated_envelope_is_rejected() -> None:
    blob = seal_envelope(b"data", SID, RING.primary)
    for cut in (0, 10, len(blob) - 1):
        with pytest.raises(EnvelopeError):
            open_envelope(blob[:cut], SID, RING, max_size=1000)


def test_each_seal_uses_fresh_randomness() -> None:
    blobs = {seal_envelope(b"same", SID, RING.primary) for _ in range(50)}
    assert len(blobs) == 50
    assert len({b[6:22] for b in blobs}) == 50  # salts: a fresh record key every seal


def test_compressed_envelope_is_flagged_and_smaller() -> None:
    plaintext = b"x" * 5000
    blob = seal_envelope(plaintext, SID, RING.primary, compress_threshold=1000)
    assert blob[5] & 1 and len(blob) < 500
    assert open_envelope(blob, SID, RING, max_size=10_000) == plaintext


def test_compression_bomb_is_refused() -> None:
    blob = seal_envelope(b"\0" * 1_000_000, SID, RING.primary, compress_threshold=0)
    with pytest.raises(EnvelopeError):
        open_envelope(blob, SID, RING, max_size=64 * 1024)
    assert len(zlib.compress(b"\0" * 1_000_000)) < 2000


def test_rotated_ring_opens_old_envelopes_and_seals_with_the_new_key() -> None:
    old = Keyring(["old-secret-0123456789abcdef"])
    rotated = Keyring(["new-secret-0123456789abcdef", "old-secret-0123456789abcdef"])
    sid = new_session_id(old.primary.kid)
    blob = seal_envelope(b"data", sid, old.primary)
    assert open_envelope(blob, sid, rotated, max_size=100) == b"data"
    assert envelope_kid(seal_envelope(b"data", sid, rotated.primary)) == rotated.primary.kid
    retired = Keyring(["new-secret-0123456789abcdef"])
    with pytest.raises(EnvelopeError):
        open_envelope(blob, sid, retired, max_size=100)


def test_purpose_keys_are_distinct_and_the_repr_hides_them() -> None:
    key = RING.primary
    material = {key.cookie, key.data, key.lookup, key.stamp, key.handle}
    assert len(material) == 5
    assert SECRET not in repr(RING) and key.data.hex() not in repr(key)


def test_keyring_refuses_empty_short_and_duplicate_secrets() -> None:
    for secrets in ([], ["short"], [SECRET, SECRET]):
        with pytest.raises(ConfigurationError):
            Keyring(secrets)


def _codec(secrets: list[str], clock: FakeClock) -> CookieCodec:
    return CookieCodec(CookieOptions(), Keyring(secrets), clock)


@given(st.integers(min_value=0, max_value=10**6))
def test_cookie_round_trips_with_its_issue_time(offset: int) -> None:
    clock = FakeClock()
    clock.advance(offset)
    codec = _codec([SECRET], clock)
    value = codec.set_cookie(SID, secure=False).split(";")[0].split("=", 1)[1]
    read = codec.read(value, clock())
    assert (read.session_id, read.issued_at) == (SID, int(clock()))


@given(st.data())
def test_every_bit_flip_of_a_cookie_is_rejected(data: st.DataObject) -> None:
    clock = FakeClock()
    codec = _codec([SECRET], clock)
    value = codec.set_cookie(SID, secure=False).split(";")[0].split("=", 1)[1]
    raw = bytearray(value.encode())
    bit = data.draw(st.integers(min_value=0, max_value=len(raw) * 8 - 1))
    raw[bit // 8] ^= 1 << (bit % 8)
    read = codec.read(raw.decode("latin-1"), clock())
    assert read.session_id is None and read.rejected is not None


def test_cookie_signed_by_a_key_outside_the_ring_is_rejected() -> None:
    clock = FakeClock()
    other = _codec(["another-secret-0123456789"], clock)
    value = other.set_cookie(SID, secure=False).split(";")[0].split("=", 1)[1]
    assert _codec([SECRET], clock).read(value, clock()).rejected == "bad_signature"


def test_session_ids_carry_256_random_bits() -> None:
    ids = {new_session_id(RING.primary.kid) for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(i) == 8 + 43 for i in ids)


def test_a_non_canonical_base64_spelling_of_the_signature_is_rejected() -> None:
    clock = FakeClock()
    codec = _codec([SECRET], clock)
    value = codec.set_cookie(SID, secure=False).split(";")[0].split("=", 1)[1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(value[-1])
    twin = value[:-1] + alphabet[last ^ 1]  # differs only in bits base64 decoding drops
    assert codec.read(twin, clock()).rejected == "bad_signature"


def test_cookies_are_itsdangerous_timestamp_signer_values() -> None:
    """Our fast verifier and itsdangerous agree on the format, both ways."""
    import hashlib

    from itsdangerous import TimestampSigner

    clock = FakeClock()
    codec = _codec([SECRET], clock)
    reference = TimestampSigner(
        RING.primary.cookie, key_derivation="none", digest_method=hashlib.sha256
    )
    ours = codec.set_cookie(SID, secure=False).split(";")[0].split("=", 1)[1]
    assert reference.unsign(ours).decode() == SID
    theirs = reference.sign(SID).decode()
    assert codec.read(theirs, clock()).session_id == SID
