"""Session stores. The memory store is always here; the Redis store needs the redis extra.

``RedisStore`` is resolved lazily so that ``import session_middleware.stores`` works
without redis installed (STYLE.md rule 4).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from session_middleware.stores.memory import MemoryStore

if TYPE_CHECKING:
    from session_middleware.stores.redis import RedisStore

__all__ = ["MemoryStore", "RedisStore"]


def __getattr__(name: str) -> Any:
    if name == "RedisStore":
        from session_middleware.stores.redis import RedisStore

        return RedisStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
