"""Session stores. The memory store is always here; the Redis store needs the redis extra.

``RedisStore`` is resolved lazily so that ``import session_middleware.stores`` works
without redis installed (STYLE.md rule 4).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from session_middleware.stores.memory import MemoryStore

if TYPE_CHECKING:
    from session_middleware.stores.redis import RedisStore, SyncRedisStore

__all__ = ["MemoryStore", "RedisStore", "SyncRedisStore"]


def __getattr__(name: str) -> Any:
    if name in ("RedisStore", "SyncRedisStore"):
        from session_middleware.stores import redis

        return getattr(redis, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
