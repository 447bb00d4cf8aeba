"""Redis command building shared by the async (and any sync) Redis store driver.

A record is one string under ``{prefix}{key}``::

    version (12 ASCII digits) | stamp (STAMP_BYTES) | sealed blob

so loading is a single ``GET``, exactly the cost of the cheapest read Redis has. Saving and
touching are one Lua call each, so every operation is one round trip and atomic:

- ``SAVE`` compares the version prefix and writes the whole value; an empty expected
  version means "create only", so a deleted record is never re-created by a request that
  loaded it earlier.
- ``TOUCH`` overwrites the fixed-width stamp in place (``SETRANGE``) and the TTL, only if
  the record still exists: no re-encryption, no blob on the wire.
"""

from __future__ import annotations

import math

from session_middleware.core.record import STAMP_BYTES
from session_middleware.types import StoredRecord

__all__ = ["SAVE_SCRIPT", "TOUCH_SCRIPT", "parse_record", "save_args", "touch_args", "ttl_millis"]

_VERSION_BYTES = 12
_HEADER_BYTES = _VERSION_BYTES + STAMP_BYTES

SAVE_SCRIPT = """
local current = redis.call('GETRANGE', KEYS[1], 0, 11)
if current ~= ARGV[1] then return false end
local version = (tonumber(current) or 0) + 1
redis.call('SET', KEYS[1], string.format('%012d', version) .. ARGV[2], 'PX', ARGV[3])
return version
"""

TOUCH_SCRIPT = f"""
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('SETRANGE', KEYS[1], {_VERSION_BYTES}, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""


def ttl_millis(ttl: float) -> int:
    """The TTL in whole milliseconds, rounded up (never shorter than the real life), >= 1."""
    return max(1, math.ceil(ttl * 1000))


def save_args(
    blob: bytes, stamp: bytes, expected_version: int | None, ttl: float
) -> list[bytes | int]:
    """ARGV for ``SAVE_SCRIPT`` (``GETRANGE`` of a missing key is the empty string)."""
    _check_stamp(stamp)
    expected = b"" if expected_version is None else b"%012d" % expected_version
    return [expected, stamp + blob, ttl_millis(ttl)]


def touch_args(stamp: bytes, ttl: float) -> list[bytes | int]:
    """ARGV for ``TOUCH_SCRIPT``."""
    _check_stamp(stamp)
    return [stamp, ttl_millis(ttl)]


def parse_record(value: bytes | None) -> StoredRecord | None:
    """Split a stored value; a value too short to be ours yields a record that won't open."""
    if value is None:
        return None
    version = value[:_VERSION_BYTES]
    return StoredRecord(
        blob=value[_HEADER_BYTES:],
        stamp=value[_VERSION_BYTES:_HEADER_BYTES],
        version=int(version) if version.isdigit() else -1,
    )


def _check_stamp(stamp: bytes) -> None:
    if len(stamp) != STAMP_BYTES:
        raise ValueError(f"activity stamps are {STAMP_BYTES} bytes, not {len(stamp)}")
