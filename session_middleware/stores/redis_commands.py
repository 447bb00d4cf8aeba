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

A user's index is a hash ``{prefix}idx:{tag}``: a version field ``_v`` and one field per
session handle (stamp + sealed entry). Saves and touches of an authenticated session also
refresh its entry's stamp; ``CHANGE_INDEX`` applies a whole login or revocation (version
check, deletions, creation, new entries) atomically. The ``{tag}`` in both the index key
and the user's record keys puts them in one Redis Cluster hash slot.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from session_middleware.types import STAMP_BYTES, IndexChange, IndexRef, StoredIndex, StoredRecord

__all__ = [
    "CHANGE_INDEX_SCRIPT",
    "DELETE_SCRIPT",
    "INDEX_PATTERN",
    "RELEASE_LOCK_SCRIPT",
    "SAVE_SCRIPT",
    "TOUCH_SCRIPT",
    "change_index_call",
    "parse_index",
    "parse_record",
    "record_keys",
    "save_args",
    "touch_args",
    "ttl_millis",
]

_VERSION_BYTES = 12
_HEADER_BYTES = _VERSION_BYTES + STAMP_BYTES

# Refresh the stamp at the head of a user-index entry, and keep the index alive as long.
_RESTAMP = f"""
local function restamp(index, handle, stamp, ttl)
  local entry = redis.call('HGET', index, handle)
  if entry then
    redis.call('HSET', index, handle, stamp .. string.sub(entry, {STAMP_BYTES + 1}))
    if redis.call('PTTL', index) < tonumber(ttl) then redis.call('PEXPIRE', index, ttl) end
  end
end
"""

SAVE_SCRIPT = (
    _RESTAMP
    + f"""
local current = redis.call('GETRANGE', KEYS[1], 0, {_VERSION_BYTES - 1})
if current ~= ARGV[1] then return false end
local version = (tonumber(current) or 0) + 1
redis.call('SET', KEYS[1], string.format('%012d', version) .. ARGV[2], 'PX', ARGV[3])
if ARGV[4] ~= '' then
  restamp(KEYS[2], ARGV[4], string.sub(ARGV[2], 1, {STAMP_BYTES}), ARGV[3])
end
return version
"""
)

TOUCH_SCRIPT = (
    _RESTAMP
    + f"""
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('SETRANGE', KEYS[1], {_VERSION_BYTES}, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if ARGV[3] ~= '' then restamp(KEYS[2], ARGV[3], ARGV[1], ARGV[2]) end
return 1
"""
)

DELETE_SCRIPT = """
redis.call('DEL', KEYS[1])
if ARGV[1] ~= '' then redis.call('HDEL', KEYS[2], ARGV[1]) end
return 1
"""

# KEYS: index, record to create (or the index again), records to remove...
# ARGV: expected version, create value, create ttl, index ttl, number of puts,
#       put handle/value pairs..., the handles of the removed records (in KEYS order)
CHANGE_INDEX_SCRIPT = """
local version = tonumber(redis.call('HGET', KEYS[1], '_v') or '0')
if ARGV[1] ~= '' and version ~= tonumber(ARGV[1]) then return false end
if ARGV[2] ~= '' and redis.call('EXISTS', KEYS[2]) == 1 then return false end
local puts = tonumber(ARGV[5])
for i = 3, #KEYS do
  redis.call('DEL', KEYS[i])
  redis.call('HDEL', KEYS[1], ARGV[5 + 2 * puts + (i - 2)])
end
if ARGV[2] ~= '' then redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3]) end
for i = 1, puts do redis.call('HSET', KEYS[1], ARGV[4 + 2 * i], ARGV[5 + 2 * i]) end
local new_version = redis.call('HINCRBY', KEYS[1], '_v', 1)
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[4]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
return new_version
"""

RELEASE_LOCK_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
"""

_INDEX_VERSION = b"_v"
INDEX_PATTERN = "idx:*"
"""What every user-index key looks like after the store prefix (see ``core.users``)."""


def ttl_millis(ttl: float) -> int:
    """The TTL in whole milliseconds, rounded up (never shorter than the real life), >= 1."""
    return max(1, math.ceil(ttl * 1000))


def record_keys(prefix: str, key: str, index: IndexRef | None) -> list[str]:
    """KEYS for the record scripts: the record, and its index when there is one."""
    return [prefix + key] if index is None else [prefix + key, prefix + index.key]


def save_args(
    blob: bytes, stamp: bytes, expected_version: int | None, ttl: float, index: IndexRef | None
) -> list[bytes | int | str]:
    """ARGV for ``SAVE_SCRIPT`` (``GETRANGE`` of a missing key is the empty string)."""
    _check_stamp(stamp)
    expected = b"" if expected_version is None else b"%012d" % expected_version
    return [expected, stamp + blob, ttl_millis(ttl), index.handle if index else ""]


def touch_args(stamp: bytes, ttl: float, index: IndexRef | None) -> list[bytes | int | str]:
    """ARGV for ``TOUCH_SCRIPT``."""
    _check_stamp(stamp)
    return [stamp, ttl_millis(ttl), index.handle if index else ""]


def change_index_call(
    prefix: str, key: str, change: IndexChange
) -> tuple[list[str], list[bytes | int | str]]:
    """KEYS and ARGV for ``CHANGE_INDEX_SCRIPT``."""
    create = change.create
    keys = [prefix + key, prefix + (create.key if create else key)]
    keys += [prefix + record_key for record_key in change.remove.values()]
    expected = b"" if change.expected_version is None else str(change.expected_version).encode()
    value = b"%012d" % 1 + create.stamp + create.blob if create else b""
    args: list[bytes | int | str] = [
        expected,
        value,
        ttl_millis(create.ttl) if create else 0,
        ttl_millis(change.ttl),
        len(change.put),
    ]
    for handle, entry in change.put.items():
        args += [handle, entry]
    args += list(change.remove)
    return keys, args


def parse_index(reply: Mapping[bytes, bytes]) -> StoredIndex:
    """Turn an ``HGETALL`` of an index into its version and entries."""
    entries = {k.decode(): v for k, v in reply.items() if k != _INDEX_VERSION}
    return StoredIndex(int(reply.get(_INDEX_VERSION, b"0")), entries)


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
