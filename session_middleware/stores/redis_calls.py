"""The Redis store's operations, written once for the sync and the async client.

Each operation is a :class:`Call`: a thunk that starts the command on the client (a value
from ``redis.Redis``, an awaitable from ``redis.asyncio.Redis``: scripts and commands are
built the same way for both) and a parser for its reply. The two stores differ only in
whether they await the thunk (STYLE.md rule 2).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from session_middleware.errors import ConfigurationError
from session_middleware.events import StoreMisconfigured
from session_middleware.stores.redis_commands import (
    CHANGE_INDEX_SCRIPT,
    DELETE_SCRIPT,
    INDEX_PATTERN,
    RELEASE_LOCK_SCRIPT,
    SAVE_SCRIPT,
    TOUCH_SCRIPT,
    change_index_call,
    parse_index,
    parse_record,
    record_keys,
    save_args,
    touch_args,
    ttl_millis,
)
from session_middleware.types import IndexChange, IndexRef, StoredIndex, StoredRecord

__all__ = ["Call", "RedisCalls"]

T = TypeVar("T")
_RISKY_POLICIES = ("allkeys-lru", "allkeys-lfu", "allkeys-random")


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One store operation: its name (for errors), how to start it, how to read its reply."""

    operation: str
    start: Callable[[], Any]
    parse: Callable[[Any], T]


class RedisCalls:
    """Builds every store operation for one client and key prefix."""

    def __init__(self, client: Any, prefix: str) -> None:
        if client.connection_pool.connection_kwargs.get("decode_responses"):
            raise ConfigurationError(
                "client", "create the Redis client with decode_responses=False"
            )
        self.client, self.prefix = client, prefix
        self._save = client.register_script(SAVE_SCRIPT)
        self._touch = client.register_script(TOUCH_SCRIPT)
        self._delete = client.register_script(DELETE_SCRIPT)
        self._change_index = client.register_script(CHANGE_INDEX_SCRIPT)
        self._release_lock = client.register_script(RELEASE_LOCK_SCRIPT)

    def load(self, key: str) -> Call[StoredRecord | None]:
        """One ``GET``."""
        return Call("load", lambda: self.client.get(self.prefix + key), _record)

    def save(
        self,
        key: str,
        blob: bytes,
        stamp: bytes,
        expected_version: int | None,
        ttl: float,
        index: IndexRef | None,
    ) -> Call[int | None]:
        """One compare-and-set script call (refreshing the index entry's stamp too)."""
        keys = record_keys(self.prefix, key, index)
        args = save_args(blob, stamp, expected_version, ttl, index)
        return Call("save", lambda: self._save(keys=keys, args=args), _version)

    def touch(self, key: str, stamp: bytes, ttl: float, index: IndexRef | None) -> Call[bool]:
        """One script call; ``False`` if the record no longer exists."""
        keys, args = record_keys(self.prefix, key, index), touch_args(stamp, ttl, index)
        return Call("touch", lambda: self._touch(keys=keys, args=args), bool)

    def delete(self, key: str, index: IndexRef | None) -> Call[None]:
        """One ``DEL`` (a script that also drops the index entry, when there is one)."""
        if index is None:
            return Call("delete", lambda: self.client.delete(self.prefix + key), _nothing)
        keys = record_keys(self.prefix, key, index)
        return Call("delete", lambda: self._delete(keys=keys, args=[index.handle]), _nothing)

    def load_index(self, key: str) -> Call[StoredIndex]:
        """One ``HGETALL``."""
        return Call("load_index", lambda: self.client.hgetall(self.prefix + key), _index)

    def change_index(self, key: str, change: IndexChange) -> Call[int | None]:
        """One script call applying the whole change, or nothing."""
        keys, args = change_index_call(self.prefix, key, change)
        return Call("change_index", lambda: self._change_index(keys=keys, args=args), _version)

    def scan_indexes(self, cursor: int, count: int) -> Call[tuple[int, list[str]]]:
        """One ``SCAN`` step over this store's index keys (never ``KEYS``)."""
        pattern = self.prefix + INDEX_PATTERN

        def parse(reply: Any) -> tuple[int, list[str]]:
            next_cursor, keys = reply
            return int(next_cursor), [_raw(k).decode().removeprefix(self.prefix) for k in keys]

        return Call("scan", lambda: self.client.scan(cursor, match=pattern, count=count), parse)

    def acquire_lock(self, key: str, token: str, lease: float) -> Call[bool]:
        """One ``SET NX PX``."""
        name, millis = self.prefix + key, ttl_millis(lease)
        return Call("lock", lambda: self.client.set(name, token, nx=True, px=millis), bool)

    def release_lock(self, key: str, token: str) -> Call[None]:
        """One script call: delete the lock only if ``token`` still holds it."""
        keys = [self.prefix + key]
        return Call("unlock", lambda: self._release_lock(keys=keys, args=[token]), _nothing)

    def eviction_policy(self) -> Call[list[StoreMisconfigured]]:
        """``CONFIG GET maxmemory-policy``, read as warnings (R4)."""
        return Call("inspect", lambda: self.client.config_get("maxmemory-policy"), _warnings)


def _record(value: Any) -> StoredRecord | None:
    return parse_record(value if isinstance(value, bytes) else None)


def _version(value: Any) -> int | None:
    return None if value is None else int(value)


def _nothing(value: Any) -> None:
    return None


def _index(reply: Any) -> StoredIndex:
    return parse_index({_raw(k): _raw(v) for k, v in reply.items()})


def _warnings(reply: Any) -> list[StoreMisconfigured]:
    settings = {_raw(k).decode(): _raw(v).decode() for k, v in dict(reply).items()}
    policy = settings.get("maxmemory-policy", "")
    if policy in _RISKY_POLICIES:
        return [StoreMisconfigured(setting="maxmemory-policy", value=policy)]
    return []


def _raw(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()
