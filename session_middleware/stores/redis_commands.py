"""Redis command building shared by the async (and any sync) Redis store driver.

A record is a hash ``{prefix}{key}`` with fields ``b`` (sealed blob), ``s`` (activity
stamp) and ``v`` (version). Loading is one ``HMGET``; saving and touching are one Lua call
each, so every operation is one round trip and atomic:

- ``SAVE`` is a compare-and-set on ``v``; an empty expected version means "create only",
  so a deleted record is never re-created by a request that loaded it earlier.
- ``TOUCH`` replaces the stamp and TTL only if the record still exists.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from session_middleware.types import StoredRecord

__all__ = [
    "LOAD_FIELDS",
    "SAVE_SCRIPT",
    "TOUCH_SCRIPT",
    "parse_record",
    "save_args",
    "touch_args",
    "ttl_millis",
]

LOAD_FIELDS = ("b", "s", "v")

SAVE_SCRIPT = """
local current = redis.call('HGET', KEYS[1], 'v')
if ARGV[1] == '' then
  if redis.call('EXISTS', KEYS[1]) == 1 then return false end
elseif current ~= ARGV[1] then
  return false
end
local version = (tonumber(current) or 0) + 1
redis.call('HSET', KEYS[1], 'b', ARGV[2], 's', ARGV[3], 'v', version)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return version
"""

TOUCH_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 's', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""


def ttl_millis(ttl: float) -> int:
    """The TTL in whole milliseconds, rounded up (never shorter than the real life), >= 1."""
    return max(1, math.ceil(ttl * 1000))


def save_args(
    blob: bytes, stamp: bytes, expected_version: int | None, ttl: float
) -> list[bytes | int]:
    """ARGV for ``SAVE_SCRIPT``."""
    expected = b"" if expected_version is None else str(expected_version).encode()
    return [expected, blob, stamp, ttl_millis(ttl)]


def touch_args(stamp: bytes, ttl: float) -> list[bytes | int]:
    """ARGV for ``TOUCH_SCRIPT``."""
    return [stamp, ttl_millis(ttl)]


def parse_record(values: Sequence[object]) -> StoredRecord | None:
    """Turn an ``HMGET b s v`` reply into a record; a partial hash counts as absent."""
    blob, stamp, version = values
    if not (isinstance(blob, bytes) and isinstance(stamp, bytes) and isinstance(version, bytes)):
        return None
    return StoredRecord(blob=blob, stamp=stamp, version=int(version))
