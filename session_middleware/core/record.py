"""The record inside an envelope, and the activity stamp beside it.

Plaintext layout: one JSON line of immutable fields, a newline, then the session data as
JSON. Keeping the data's JSON text apart lets the core compare the form it loaded with the
form at the end of the request (DESIGN.md W1) without serializing twice.

The stamp is the last-activity time in milliseconds with an HMAC bound to the store key, so
a touch replaces it without re-encrypting (T4) and nobody with write access to the store can
forge one to extend a session's idle life (E6).
"""

from __future__ import annotations

import base64
import hmac
import json
import math
from collections.abc import Mapping
from typing import Any, Protocol

from session_middleware.cache import Memo
from session_middleware.core.meta import RecordMeta
from session_middleware.crypto.keyring import RingKey
from session_middleware.errors import SessionTooLarge, UnserializableValue
from session_middleware.types import STAMP_BYTES

__all__ = [
    "JSON",
    "STAMP_BYTES",
    "DataCodec",
    "JSONCodec",
    "check_storable",
    "decode_plaintext",
    "decode_stamp",
    "dumps_json",
    "encode_data",
    "encode_plaintext",
    "encode_stamp",
    "is_flat",
    "serialize_data",
]

_MAC_BYTES = 16


def _refuse(value: object) -> object:
    raise TypeError(f"{type(value).__name__} is not a JSON type")


_ENCODER = json.JSONEncoder(
    separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_refuse
)
_parse_meta: Memo[str, RecordMeta] = Memo(RecordMeta.from_json)


def dumps_json(value: object) -> str:
    """Compact JSON that refuses NaN and non-JSON types."""
    return _ENCODER.encode(value)


class DataCodec(Protocol):
    """How session data becomes text: plain JSON by default, Flask's tagged JSON in Flask."""

    def dumps(self, data: Mapping[str, Any]) -> str:
        """The text form; ``TypeError``/``ValueError`` for what it cannot carry."""
        ...

    def loads(self, text: str) -> Any:
        """Back from the text form."""
        ...


class JSONCodec:
    """Strict, compact JSON: str keys, no NaN, nothing JSON cannot carry."""

    def dumps(self, data: Mapping[str, Any]) -> str:
        """Compact JSON."""
        return dumps_json(data)

    def loads(self, text: str) -> Any:
        """Parsed JSON."""
        return json.loads(text)


JSON = JSONCodec()


def serialize_data(data: Mapping[str, Any], codec: DataCodec = JSON) -> str:
    """The text form of the session data; :class:`UnserializableValue` if it cannot be."""
    try:
        return codec.dumps(data)
    except (TypeError, ValueError):
        raise UnserializableValue(*_find_unstorable(data, codec)) from None


def check_storable(
    data: Mapping[str, Any],
    form: str,
    max_size: int,
    *,
    round_trip: bool = True,
    codec: DataCodec = JSON,
) -> None:
    """Refuse a changed form that is too large or would not come back as it went in.

    Beyond what ``json`` refuses, values that would come back different (a tuple as a
    list, an int key as a str) are refused: a session returns what was put in it.
    ``round_trip=False`` skips that check for data made only of checked parts.
    """
    if round_trip and codec.loads(form) != data:
        raise UnserializableValue(*_find_unstorable(data, codec))
    size = len(form.encode())
    if size > max_size:
        raise SessionTooLarge(size, max_size)


def encode_data(data: Mapping[str, Any], max_size: int, codec: DataCodec = JSON) -> str:
    """:func:`serialize_data` then :func:`check_storable`."""
    form = serialize_data(data, codec)
    check_storable(data, form, max_size, codec=codec)
    return form


def _find_unstorable(data: Mapping[str, Any], codec: DataCodec) -> tuple[str, str]:
    for key, value in data.items():
        if not isinstance(key, str):
            return repr(key), "session keys must be str"
        try:
            if codec.loads(codec.dumps({key: value})) == {key: value}:
                continue
        except (TypeError, ValueError) as exc:
            return key, str(exc)
        return key, "it would not come back the same (tuple, non-str key or float subclass?)"
    return "?", "not JSON-serializable"


def encode_plaintext(meta: RecordMeta, data_form: str) -> bytes:
    """The bytes that get sealed: immutable fields, newline, data."""
    return f"{meta.to_json()}\n{data_form}".encode()


_SCALARS = frozenset({str, int, float, bool, type(None)})


def is_flat(data: Mapping[str, Any]) -> bool:
    """Whether every value is a JSON scalar, so nothing in ``data`` can be mutated in place."""
    return all(type(value) in _SCALARS for value in data.values())


def decode_plaintext(
    plaintext: bytes, codec: DataCodec = JSON
) -> tuple[RecordMeta, dict[str, Any], str]:
    """Split sealed bytes back into ``(meta, data, data_form)``; ``ValueError`` if malformed."""
    text = plaintext.decode()
    meta_text, sep, data_form = text.partition("\n")
    data = codec.loads(data_form) if sep else None
    if not isinstance(data, dict):
        raise ValueError("record data is not an object")
    try:
        meta = _parse_meta(meta_text)
    except (KeyError, TypeError, IndexError) as exc:
        raise ValueError("record meta is malformed") from exc
    return meta, data, data_form


def encode_stamp(key: RingKey, store_key: str, last_seen: float) -> bytes:
    """An authenticated last-activity stamp for the record under ``store_key``.

    Always :data:`STAMP_BYTES` long (13 zero-padded digits of milliseconds, a dot, a
    22-character tag), so a store can replace it in place.
    """
    millis = b"%013d" % math.floor(last_seen * 1000)
    return millis + b"." + _stamp_tag(key, store_key, millis)


def decode_stamp(key: RingKey, store_key: str, stamp: bytes) -> float | None:
    """The last-activity time in a stamp, or ``None`` if it does not verify."""
    millis, _, tag = stamp.partition(b".")
    if not millis.isdigit() or not hmac.compare_digest(_stamp_tag(key, store_key, millis), tag):
        return None
    return int(millis) / 1000


def _stamp_tag(key: RingKey, store_key: str, millis: bytes) -> bytes:
    mac = key.stamp_mac.copy()
    mac.update(store_key.encode() + b"|" + millis)
    return base64.urlsafe_b64encode(mac.digest()[:_MAC_BYTES]).rstrip(b"=")
