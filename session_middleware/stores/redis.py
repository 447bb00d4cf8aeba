"""The Redis store over ``redis.asyncio`` (DESIGN.md R1, R3, R4).

Every operation is one round trip (see :mod:`.redis_commands`). Timeouts are bounded by
default (1 s to connect, 1 s per command, one retry on a dropped connection so a restarted
server is picked up without an error), and every failure surfaces as
:class:`~session_middleware.errors.StoreError`, which the middleware answers with 503.
"""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError, ResponseError

from session_middleware.errors import ConfigurationError, StoreError
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

__all__ = ["AsyncRedisStore", "RedisStore"]

_FAILURES = (RedisError, OSError)
_RISKY_POLICIES = ("allkeys-lru", "allkeys-lfu", "allkeys-random")


class RedisStore:
    """Sessions in Redis through an async client. Build one with :meth:`from_url`."""

    def __init__(self, client: aioredis.Redis, *, prefix: str = "session:") -> None:
        if client.connection_pool.connection_kwargs.get("decode_responses"):
            raise ConfigurationError(
                "client", "create the Redis client with decode_responses=False"
            )
        self.client = client
        self.prefix = prefix
        self._save = client.register_script(SAVE_SCRIPT)
        self._touch = client.register_script(TOUCH_SCRIPT)
        self._delete = client.register_script(DELETE_SCRIPT)
        self._change_index = client.register_script(CHANGE_INDEX_SCRIPT)
        self._release_lock = client.register_script(RELEASE_LOCK_SCRIPT)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        prefix: str = "session:",
        socket_timeout: float = 1.0,
        socket_connect_timeout: float = 1.0,
        **client_options: Any,
    ) -> RedisStore:
        """A store for ``redis://`` or ``rediss://`` URLs (user, password, db in the URL)."""
        client_options.setdefault("retry", Retry(NoBackoff(), 1))
        client = aioredis.Redis.from_url(
            url,
            socket_timeout=socket_timeout,
            socket_connect_timeout=socket_connect_timeout,
            **client_options,
        )
        return cls(client, prefix=prefix)

    async def load(self, key: str) -> StoredRecord | None:
        """One ``GET``."""
        try:
            value = await self.client.get(self.prefix + key)
        except _FAILURES as exc:
            raise StoreError("load", exc) from exc
        return parse_record(value if isinstance(value, bytes) else None)

    async def save(
        self,
        key: str,
        blob: bytes,
        stamp: bytes,
        *,
        expected_version: int | None,
        ttl: float,
        index: IndexRef | None = None,
    ) -> int | None:
        """One compare-and-set script call (refreshing the index entry's stamp too)."""
        keys = record_keys(self.prefix, key, index)
        args = save_args(blob, stamp, expected_version, ttl, index)
        try:
            version = await self._save(keys=keys, args=args)
        except _FAILURES as exc:
            raise StoreError("save", exc) from exc
        return None if version is None else int(version)

    async def touch(
        self, key: str, stamp: bytes, *, ttl: float, index: IndexRef | None = None
    ) -> bool:
        """One script call; ``False`` if the record no longer exists."""
        keys = record_keys(self.prefix, key, index)
        try:
            found = await self._touch(keys=keys, args=touch_args(stamp, ttl, index))
        except _FAILURES as exc:
            raise StoreError("touch", exc) from exc
        return bool(found)

    async def delete(self, key: str, *, index: IndexRef | None = None) -> None:
        """One ``DEL`` (a script call that also drops the index entry, when there is one)."""
        try:
            if index is None:
                await self.client.delete(self.prefix + key)
            else:
                keys = record_keys(self.prefix, key, index)
                await self._delete(keys=keys, args=[index.handle])
        except _FAILURES as exc:
            raise StoreError("delete", exc) from exc

    async def load_index(self, key: str) -> StoredIndex:
        """One ``HGETALL``."""
        try:
            reply = await self.client.hgetall(self.prefix + key)
        except _FAILURES as exc:
            raise StoreError("load_index", exc) from exc
        return parse_index({_raw(k): _raw(v) for k, v in reply.items()})

    async def change_index(self, key: str, change: IndexChange) -> int | None:
        """One script call applying the whole change, or nothing."""
        keys, args = change_index_call(self.prefix, key, change)
        try:
            version = await self._change_index(keys=keys, args=args)
        except _FAILURES as exc:
            raise StoreError("change_index", exc) from exc
        return None if version is None else int(version)

    async def scan_indexes(self, cursor: int, count: int) -> tuple[int, list[str]]:
        """One ``SCAN`` step over this store's index keys (never ``KEYS``)."""
        try:
            cursor, keys = await self.client.scan(
                cursor, match=self.prefix + INDEX_PATTERN, count=count
            )
        except _FAILURES as exc:
            raise StoreError("scan", exc) from exc
        return int(cursor), [_raw(k).decode().removeprefix(self.prefix) for k in keys]

    async def acquire_lock(self, key: str, token: str, *, lease: float) -> bool:
        """One ``SET NX PX``."""
        try:
            taken = await self.client.set(self.prefix + key, token, nx=True, px=ttl_millis(lease))
        except _FAILURES as exc:
            raise StoreError("lock", exc) from exc
        return bool(taken)

    async def release_lock(self, key: str, token: str) -> None:
        """One script call: delete the lock only if ``token`` still holds it."""
        try:
            await self._release_lock(keys=[self.prefix + key], args=[token])
        except _FAILURES as exc:
            raise StoreError("unlock", exc) from exc

    async def inspect_server(self) -> list[StoreMisconfigured]:
        """Warnings about server settings that can lose sessions (R4); run at startup.

        An eviction policy of ``allkeys-*`` lets Redis drop session keys under memory
        pressure, silently logging users out. Servers that refuse ``CONFIG`` (managed
        services, restricted ACL users) are not inspected.
        """
        try:
            reply = await self.client.config_get("maxmemory-policy")
        except ResponseError:
            return []
        except _FAILURES as exc:
            raise StoreError("inspect", exc) from exc
        settings: dict[Any, Any] = dict(reply)
        policy = _text(settings.get(b"maxmemory-policy") or settings.get("maxmemory-policy"))
        if policy in _RISKY_POLICIES:
            return [StoreMisconfigured(setting="maxmemory-policy", value=policy)]
        return []

    async def aclose(self) -> None:
        """Close the client's connections."""
        await self.client.aclose()

    def __repr__(self) -> str:
        return f"RedisStore(prefix={self.prefix!r})"


AsyncRedisStore = RedisStore


def _raw(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
