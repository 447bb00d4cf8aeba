"""Server-side, encrypted, expiring sessions for Starlette, FastAPI and Flask.

``RedisStore`` is resolved lazily, so the package imports without redis installed; the
Flask adapter lives in :mod:`session_middleware.flask`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from session_middleware.asgi import SessionMiddleware, get_session, mark_passive
from session_middleware.core.options import Binding, CookieOptions, Timeouts
from session_middleware.core.session import Session
from session_middleware.core.users import SessionInfo
from session_middleware.crypto.keyring import Keyring
from session_middleware.errors import (
    AuthenticationRequired,
    ConfigurationError,
    LoginRequired,
    NotAuthenticated,
    ReauthRequired,
    SessionBusy,
    SessionCommitted,
    SessionConflict,
    SessionDataError,
    SessionError,
    SessionLimitExceeded,
    SessionTooLarge,
    StoreError,
    UnserializableValue,
)
from session_middleware.events import (
    BindingMismatch,
    ConfirmationRequired,
    CookieRejected,
    Event,
    LoginRejected,
    ReauthRefused,
    RecordUndecryptable,
    SessionCreated,
    SessionEvicted,
    SessionExpired,
    SessionLoggedIn,
    SessionLoggedOut,
    SessionReauthenticated,
    SessionRegenerated,
    SessionRevoked,
    StoreFailed,
    StoreMisconfigured,
    WriteConflict,
)
from session_middleware.guards import Guard, require_login, require_recent_auth
from session_middleware.manager import RiskThresholds, SessionManager, get_manager
from session_middleware.policies import (
    Decision,
    EvictIdlest,
    EvictOldest,
    Incoming,
    Policy,
    RejectNew,
    RequireConfirmation,
    Unlimited,
)
from session_middleware.stores.memory import MemoryStore
from session_middleware.strategies import LastWriteWins, Locking, MergeChanges, WriteStrategy
from session_middleware.types import AsyncStore, StoredRecord, SyncStore

if TYPE_CHECKING:
    from session_middleware.stores.redis import RedisStore, SyncRedisStore

__all__ = [
    "AsyncStore",
    "AuthenticationRequired",
    "Binding",
    "BindingMismatch",
    "ConfigurationError",
    "ConfirmationRequired",
    "CookieOptions",
    "CookieRejected",
    "Decision",
    "Event",
    "EvictIdlest",
    "EvictOldest",
    "Guard",
    "Incoming",
    "Keyring",
    "LastWriteWins",
    "Locking",
    "LoginRejected",
    "LoginRequired",
    "MemoryStore",
    "MergeChanges",
    "NotAuthenticated",
    "Policy",
    "ReauthRefused",
    "ReauthRequired",
    "RecordUndecryptable",
    "RedisStore",
    "RejectNew",
    "RequireConfirmation",
    "RiskThresholds",
    "Session",
    "SessionBusy",
    "SessionCommitted",
    "SessionConflict",
    "SessionCreated",
    "SessionDataError",
    "SessionError",
    "SessionEvicted",
    "SessionExpired",
    "SessionInfo",
    "SessionLimitExceeded",
    "SessionLoggedIn",
    "SessionLoggedOut",
    "SessionManager",
    "SessionMiddleware",
    "SessionReauthenticated",
    "SessionRegenerated",
    "SessionRevoked",
    "SessionTooLarge",
    "StoreError",
    "StoreFailed",
    "StoreMisconfigured",
    "StoredRecord",
    "SyncRedisStore",
    "SyncStore",
    "Timeouts",
    "Unlimited",
    "UnserializableValue",
    "WriteConflict",
    "WriteStrategy",
    "get_manager",
    "get_session",
    "mark_passive",
    "require_login",
    "require_recent_auth",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name in ("RedisStore", "SyncRedisStore"):
        from session_middleware.stores import redis

        return getattr(redis, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
