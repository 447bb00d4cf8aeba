"""Every error this package raises derives from :class:`SessionError`.

The tree is shallow on purpose::

    SessionError
    ├── ConfigurationError        bad option at construction; names the option and the fix
    ├── SessionDataError          the app put something in the session we refuse to store
    │   ├── SessionTooLarge       serialized session over ``max_size`` bytes
    │   └── UnserializableValue   a value JSON cannot carry (names the key)
    ├── SessionConflict           a compare-and-set write lost too many races
    ├── SessionBusy               the Locking strategy could not get the session's lock
    ├── SessionCommitted          the session changed after the response had started
    ├── NotAuthenticated          an action that needs a logged-in session got an anonymous one
    ├── SessionLimitExceeded      a concurrency policy refused a login
    ├── AuthenticationRequired    a guard refused the request (carries the response to send)
    │   ├── LoginRequired         no user is logged in
    │   └── ReauthRequired        the authentication is too old, or flagged
    └── StoreError                the store failed or timed out (the adapter answers 503)

Tampered cookies and undecryptable records are not errors: the core turns them into a
fresh anonymous session, in exactly one place, and emits an event.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AuthenticationRequired",
    "ConfigurationError",
    "LoginRequired",
    "NotAuthenticated",
    "ReauthRequired",
    "SessionBusy",
    "SessionCommitted",
    "SessionConflict",
    "SessionDataError",
    "SessionError",
    "SessionLimitExceeded",
    "SessionTooLarge",
    "StoreError",
    "UnserializableValue",
]


class SessionError(Exception):
    """Base class of every error raised by session_middleware."""


class ConfigurationError(SessionError, ValueError):
    """An option given at construction is invalid; the message names it and the fix."""

    def __init__(self, option: str, problem: str) -> None:
        self.option = option
        super().__init__(f"{option}: {problem}")


class SessionDataError(SessionError, ValueError):
    """The session holds data that cannot be stored; nothing was written."""


class SessionTooLarge(SessionDataError):
    """The serialized session is larger than the configured ``max_size``."""

    def __init__(self, size: int, max_size: int) -> None:
        self.size = size
        self.max_size = max_size
        super().__init__(
            f"session data is {size} bytes serialized, over max_size={max_size}; "
            "store large values elsewhere and keep a reference in the session"
        )


class UnserializableValue(SessionDataError, TypeError):
    """A session value cannot be carried by JSON (the message names the key)."""

    def __init__(self, key: str, reason: str) -> None:
        self.key = key
        super().__init__(f"session[{key!r}] cannot be stored as JSON: {reason}")


class SessionConflict(SessionError):
    """Concurrent writes to one session kept conflicting; this request's changes were dropped."""

    def __init__(self, attempts: int) -> None:
        self.attempts = attempts
        super().__init__(f"session write still conflicted after {attempts} attempts")


class StoreError(SessionError):
    """The session store failed, refused or timed out. Carries the operation, not the key."""

    def __init__(self, operation: str, original_error: BaseException | None = None) -> None:
        self.operation = operation
        self.original_error = original_error
        cause = type(original_error).__name__ if original_error is not None else "failure"
        super().__init__(f"session store {operation} failed: {cause}")


class NotAuthenticated(SessionError):
    """An operation that needs a logged-in session was called on an anonymous one."""


class AuthenticationRequired(SessionError):
    """A guard refused the request before the endpoint ran.

    ``response`` is the ASGI app that answers instead (401 JSON by default); the
    middleware sends it when this escapes a handler or a FastAPI dependency.
    """

    reason = "authentication_required"

    def __init__(self, response: Any) -> None:
        self.response = response
        super().__init__(self.reason)


class LoginRequired(AuthenticationRequired):
    """No user is logged in to this session."""

    reason = "login_required"


class ReauthRequired(AuthenticationRequired):
    """The session's authentication is older than allowed, or flagged for re-authentication."""

    reason = "reauth_required"


class SessionLimitExceeded(SessionError):
    """A concurrency policy refused the login (``RejectNew``); nothing was changed.

    ``reason`` is ``"max_per_user"`` or ``"max_per_device"`` (or a custom policy's word).
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"login refused by the session policy: {reason}")


class SessionBusy(SessionError):
    """Another request held this session's lock for longer than the ``Locking`` wait."""

    def __init__(self) -> None:
        super().__init__("the session is locked by another request; try again shortly")


class SessionCommitted(SessionError):
    """The session was changed after the response started (a streaming body, say).

    The session is saved when the response starts; a later change would be lost, so it is
    refused instead. Change the session before returning or starting the response.
    """

    def __init__(self) -> None:
        super().__init__(
            "the session was saved when the response started and cannot change after; "
            "make the change before the response begins"
        )
