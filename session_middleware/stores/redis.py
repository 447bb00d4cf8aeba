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
    SAVE_SCRIPT,
    TOUCH_SCRIPT,
    parse_record,
    save_args,
    touch_args,
)
from session_middleware.types import StoredRecord

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
        self, key: str, blob: bytes, stamp: bytes, *, expected_version: int | None, ttl: float
    ) -> int | None:
        """One compare-and-set script call."""
        args = save_args(blob, stamp, expected_version, ttl)
        try:
            version = await self._save(keys=[self.prefix + key], args=args)
        except _FAILURES as exc:
            raise StoreError("save", exc) from exc
        return None if version is None else int(version)

    async def touch(self, key: str, stamp: bytes, *, ttl: float) -> bool:
        """One script call; ``False`` if the record no longer exists."""
        try:
            found = await self._touch(keys=[self.prefix + key], args=touch_args(stamp, ttl))
        except _FAILURES as exc:
            raise StoreError("touch", exc) from exc
        return bool(found)

    async def delete(self, key: str) -> None:
        """One ``DEL``."""
        try:
            await self.client.delete(self.prefix + key)
        except _FAILURES as exc:
            raise StoreError("delete", exc) from exc

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


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
