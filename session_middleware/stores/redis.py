"""The Redis stores: ``RedisStore`` over ``redis.asyncio`` (ASGI), ``SyncRedisStore`` over
``redis.Redis`` (Flask) (DESIGN.md R1, R3, R4).

Both run the same operations (:mod:`.redis_calls`, :mod:`.redis_commands`): every one is
one round trip. Timeouts are bounded by default (1 s to connect, 1 s per command, one retry
on a dropped connection so a restarted server is picked up without an error), and every
failure surfaces as :class:`~session_middleware.errors.StoreError`, which the adapters
answer with 503. A server that refuses ``CONFIG`` (managed services, restricted ACL users)
is simply not inspected.
"""

from __future__ import annotations

from typing import Any, TypeVar

import redis
import redis.asyncio as aioredis
import redis.asyncio.retry
import redis.retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError, ResponseError

from session_middleware.errors import StoreError
from session_middleware.events import StoreMisconfigured
from session_middleware.stores.redis_calls import Call, RedisCalls
from session_middleware.types import IndexChange, IndexRef, StoredIndex, StoredRecord

__all__ = ["AsyncRedisStore", "RedisStore", "SyncRedisStore"]

T = TypeVar("T")
_FAILURES = (RedisError, OSError)
DEFAULT_PREFIX = "session:"


def _client_options(retry: Any, options: dict[str, Any]) -> dict[str, Any]:
    """Bounded timeouts and one retry on a dropped connection, unless given otherwise."""
    return {"socket_timeout": 1.0, "socket_connect_timeout": 1.0, "retry": retry, **options}


class RedisStore:
    """Sessions in Redis through an async client. Build one with :meth:`from_url`."""

    def __init__(self, client: aioredis.Redis, *, prefix: str = DEFAULT_PREFIX) -> None:
        self.client, self.prefix = client, prefix
        self._calls = RedisCalls(client, prefix)

    @classmethod
    def from_url(cls, url: str, *, prefix: str = DEFAULT_PREFIX, **options: Any) -> RedisStore:
        """A store for ``redis://`` or ``rediss://`` URLs (user, password, db in the URL);
        ``socket_timeout``/``socket_connect_timeout`` default to 1 s, and other options
        go to the redis-py client."""
        retry = redis.asyncio.retry.Retry(NoBackoff(), 1)
        return cls(aioredis.Redis.from_url(url, **_client_options(retry, options)), prefix=prefix)

    async def _run(self, call: Call[T]) -> T:
        try:
            reply = await call.start()
        except _FAILURES as exc:
            raise StoreError(call.operation, exc) from exc
        return call.parse(reply)

    async def load(self, key: str) -> StoredRecord | None:
        """See :class:`~session_middleware.types.AsyncStore`."""
        return await self._run(self._calls.load(key))

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
        """See :class:`~session_middleware.types.AsyncStore`."""
        return await self._run(self._calls.save(key, blob, stamp, expected_version, ttl, index))

    async def touch(
        self, key: str, stamp: bytes, *, ttl: float, index: IndexRef | None = None
    ) -> bool:
        """See :class:`~session_middleware.types.AsyncStore`."""
        return await self._run(self._calls.touch(key, stamp, ttl, index))

    async def delete(self, key: str, *, index: IndexRef | None = None) -> None:
        """See :class:`~session_middleware.types.AsyncStore`."""
        await self._run(self._calls.delete(key, index))

    async def load_index(self, key: str) -> StoredIndex:
        """See :class:`~session_middleware.types.AsyncStore`."""
        return await self._run(self._calls.load_index(key))

    async def change_index(self, key: str, change: IndexChange) -> int | None:
        """See :class:`~session_middleware.types.AsyncStore`."""
        return await self._run(self._calls.change_index(key, change))

    async def scan_indexes(self, cursor: int, count: int) -> tuple[int, list[str]]:
        """See :class:`~session_middleware.types.AsyncStore`."""
        return await self._run(self._calls.scan_indexes(cursor, count))

    async def acquire_lock(self, key: str, token: str, *, lease: float) -> bool:
        """See :class:`~session_middleware.types.AsyncStore`."""
        return await self._run(self._calls.acquire_lock(key, token, lease))

    async def release_lock(self, key: str, token: str) -> None:
        """See :class:`~session_middleware.types.AsyncStore`."""
        await self._run(self._calls.release_lock(key, token))

    async def inspect_server(self) -> list[StoreMisconfigured]:
        """Warnings about server settings that can lose sessions (R4); run at startup."""
        try:
            return await self._run(self._calls.eviction_policy())
        except StoreError as exc:
            if isinstance(exc.original_error, ResponseError):
                return []
            raise

    async def aclose(self) -> None:
        """Close the client's connections."""
        await self.client.aclose()

    def __repr__(self) -> str:
        return f"RedisStore(prefix={self.prefix!r})"


AsyncRedisStore = RedisStore


class SyncRedisStore:
    """Sessions in Redis through a sync client (for Flask). Build one with :meth:`from_url`.

    Shares its commands, scripts and record layout with :class:`RedisStore`, so a Flask app
    and an ASGI app on the same Redis, prefix and secrets share their sessions.
    """

    def __init__(self, client: redis.Redis, *, prefix: str = DEFAULT_PREFIX) -> None:
        self.client, self.prefix = client, prefix
        self._calls = RedisCalls(client, prefix)

    @classmethod
    def from_url(cls, url: str, *, prefix: str = DEFAULT_PREFIX, **options: Any) -> SyncRedisStore:
        """As :meth:`RedisStore.from_url`, for ``redis.Redis``."""
        retry = redis.retry.Retry(NoBackoff(), 1)
        return cls(redis.Redis.from_url(url, **_client_options(retry, options)), prefix=prefix)

    def _run(self, call: Call[T]) -> T:
        try:
            reply = call.start()
        except _FAILURES as exc:
            raise StoreError(call.operation, exc) from exc
        return call.parse(reply)

    def load(self, key: str) -> StoredRecord | None:
        """See :class:`~session_middleware.types.SyncStore`."""
        return self._run(self._calls.load(key))

    def save(
        self,
        key: str,
        blob: bytes,
        stamp: bytes,
        *,
        expected_version: int | None,
        ttl: float,
        index: IndexRef | None = None,
    ) -> int | None:
        """See :class:`~session_middleware.types.SyncStore`."""
        return self._run(self._calls.save(key, blob, stamp, expected_version, ttl, index))

    def touch(self, key: str, stamp: bytes, *, ttl: float, index: IndexRef | None = None) -> bool:
        """See :class:`~session_middleware.types.SyncStore`."""
        return self._run(self._calls.touch(key, stamp, ttl, index))

    def delete(self, key: str, *, index: IndexRef | None = None) -> None:
        """See :class:`~session_middleware.types.SyncStore`."""
        self._run(self._calls.delete(key, index))

    def load_index(self, key: str) -> StoredIndex:
        """See :class:`~session_middleware.types.SyncStore`."""
        return self._run(self._calls.load_index(key))

    def change_index(self, key: str, change: IndexChange) -> int | None:
        """See :class:`~session_middleware.types.SyncStore`."""
        return self._run(self._calls.change_index(key, change))

    def scan_indexes(self, cursor: int, count: int) -> tuple[int, list[str]]:
        """See :class:`~session_middleware.types.SyncStore`."""
        return self._run(self._calls.scan_indexes(cursor, count))

    def acquire_lock(self, key: str, token: str, *, lease: float) -> bool:
        """See :class:`~session_middleware.types.SyncStore`."""
        return self._run(self._calls.acquire_lock(key, token, lease))

    def release_lock(self, key: str, token: str) -> None:
        """See :class:`~session_middleware.types.SyncStore`."""
        self._run(self._calls.release_lock(key, token))

    def close(self) -> None:
        """Close the client's connections."""
        self.client.close()

    def __repr__(self) -> str:
        return f"SyncRedisStore(prefix={self.prefix!r})"
