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
from dataclasses import dataclass
from typing import Any

from session_middleware.crypto.keyring import RingKey
from session_middleware.errors import SessionTooLarge, UnserializableValue

__all__ = [
    "RecordMeta",
    "decode_plaintext",
    "decode_stamp",
    "dumps_json",
    "encode_data",
    "encode_plaintext",
    "encode_stamp",
]

_MAC_BYTES = 16


@dataclass(frozen=True, slots=True)
class RecordMeta:
    """A session's immutable fields, sealed with its data."""

    created: float
    absolute_deadline: float

    def to_json(self) -> str:
        return json.dumps({"c": self.created, "x": self.absolute_deadline}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> RecordMeta:
        raw = json.loads(text)
        return cls(created=float(raw["c"]), absolute_deadline=float(raw["x"]))


def _refuse(value: object) -> object:
    raise TypeError(f"{type(value).__name__} is not a JSON type")


def dumps_json(value: object) -> str:
    """Compact JSON that refuses NaN and non-JSON types."""
    return json.dumps(
        value, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_refuse
    )


def encode_data(data: Mapping[str, Any], max_size: int) -> str:
    """The JSON form of the session data; raise a :class:`SessionDataError` if unstorable.

    Beyond what ``json`` refuses, values that would come back different (a tuple as a
    list, an int key as a str) are refused too: a session returns what was put in it.
    """
    try:
        form = dumps_json(data)
    except (TypeError, ValueError):
        raise UnserializableValue(*_find_unstorable(data)) from None
    if json.loads(form) != data:
        raise UnserializableValue(*_find_unstorable(data))
    size = len(form.encode())
    if size > max_size:
        raise SessionTooLarge(size, max_size)
    return form


def _find_unstorable(data: Mapping[str, Any]) -> tuple[str, str]:
    for key, value in data.items():
        if not isinstance(key, str):
            return repr(key), "session keys must be str"
        try:
            if json.loads(dumps_json(value)) == value:
                continue
        except (TypeError, ValueError) as exc:
            return key, str(exc)
        return key, "it would not come back the same (tuple, non-str key or float subclass?)"
    return "?", "not JSON-serializable"


def encode_plaintext(meta: RecordMeta, data_form: str) -> bytes:
    """The bytes that get sealed: immutable fields, newline, data."""
    return f"{meta.to_json()}\n{data_form}".encode()


def decode_plaintext(plaintext: bytes) -> tuple[RecordMeta, dict[str, Any], str]:
    """Split sealed bytes back into ``(meta, data, data_form)``; ``ValueError`` if malformed."""
    text = plaintext.decode()
    meta_text, sep, data_form = text.partition("\n")
    data = json.loads(data_form) if sep else None
    if not isinstance(data, dict):
        raise ValueError("record data is not an object")
    try:
        meta = RecordMeta.from_json(meta_text)
    except (KeyError, TypeError) as exc:
        raise ValueError("record meta is malformed") from exc
    return meta, data, data_form


def encode_stamp(key: RingKey, store_key: str, last_seen: float) -> bytes:
    """An authenticated last-activity stamp for the record under ``store_key``."""
    millis = str(math.floor(last_seen * 1000)).encode()
    return millis + b"." + _stamp_tag(key, store_key, millis)


def decode_stamp(key: RingKey, store_key: str, stamp: bytes) -> float | None:
    """The last-activity time in a stamp, or ``None`` if it does not verify."""
    millis, _, tag = stamp.partition(b".")
    if not millis.isdigit() or not hmac.compare_digest(_stamp_tag(key, store_key, millis), tag):
        return None
    return int(millis) / 1000


def _stamp_tag(key: RingKey, store_key: str, millis: bytes) -> bytes:
    mac = key.mac(key.stamp, store_key.encode() + b"|" + millis)[:_MAC_BYTES]
    return base64.urlsafe_b64encode(mac).rstrip(b"=")
