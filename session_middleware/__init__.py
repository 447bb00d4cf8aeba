"""Server-side, encrypted, expiring sessions for Starlette, FastAPI and Flask.

``RedisStore`` is resolved lazily, so the package imports without redis installed; the
Flask adapter lives in :mod:`session_middleware.flask`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from session_middleware.asgi import SessionMiddleware, get_session
from session_middleware.core.options import CookieOptions, Timeouts
from session_middleware.core.session import Session
from session_middleware.crypto.keyring import Keyring
from session_middleware.errors import (
    ConfigurationError,
    SessionConflict,
    SessionDataError,
    SessionError,
    SessionTooLarge,
    StoreError,
    UnserializableValue,
)
from session_middleware.events import (
    CookieRejected,
    Event,
    RecordUndecryptable,
    SessionCreated,
    SessionExpired,
    StoreFailed,
    StoreMisconfigured,
)
from session_middleware.stores.memory import MemoryStore
from session_middleware.types import AsyncStore, StoredRecord

if TYPE_CHECKING:
    from session_middleware.stores.redis import RedisStore

__all__ = [
    "AsyncStore",
    "ConfigurationError",
    "CookieOptions",
    "CookieRejected",
    "Event",
    "Keyring",
    "MemoryStore",
    "RecordUndecryptable",
    "RedisStore",
    "Session",
    "SessionConflict",
    "SessionCreated",
    "SessionDataError",
    "SessionError",
    "SessionExpired",
    "SessionMiddleware",
    "SessionTooLarge",
    "StoreError",
    "StoreFailed",
    "StoreMisconfigured",
    "StoredRecord",
    "Timeouts",
    "UnserializableValue",
    "get_session",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name == "RedisStore":
        from session_middleware.stores.redis import RedisStore

        return RedisStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
