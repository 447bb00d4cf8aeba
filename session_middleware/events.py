"""Typed events (DESIGN.md O2), delivered to an optional callback and to the logger.

Events name a session by its public ``handle`` (a keyed hash of the id), never by the id
itself, so neither a log file nor an event consumer ever sees a usable cookie value.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Literal

from session_middleware.types import EventSink

__all__ = [
    "BindingMismatch",
    "ConfirmationRequired",
    "CookieRejected",
    "Event",
    "EventEmitter",
    "LoginRejected",
    "ReauthRefused",
    "RecordUndecryptable",
    "SessionCreated",
    "SessionEvicted",
    "SessionExpired",
    "SessionLoggedIn",
    "SessionLoggedOut",
    "SessionReauthenticated",
    "SessionRegenerated",
    "SessionRevoked",
    "StoreFailed",
    "StoreMisconfigured",
    "WriteConflict",
]

logger = logging.getLogger("session_middleware")

ExpiryReason = Literal["idle", "absolute", "missing"]
RejectionReason = Literal[
    "malformed", "oversized", "bad_signature", "cookie_expired", "unknown_key"
]


@dataclass(frozen=True, slots=True)
class Event:
    """Base of every event. ``name`` is a stable, machine-readable identifier."""

    name: ClassVar[str] = "event"
    level: ClassVar[int] = logging.INFO

    def describe(self) -> str:
        """A one-line, secret-free description used for the log record."""
        fields = " ".join(f"{f.name}={getattr(self, f.name)}" for f in dataclasses.fields(self))
        return f"{self.name} {fields}".rstrip()


@dataclass(frozen=True, slots=True)
class SessionCreated(Event):
    """A new session was persisted for the first time."""

    name: ClassVar[str] = "session_created"
    level: ClassVar[int] = logging.DEBUG
    handle: str


@dataclass(frozen=True, slots=True)
class SessionExpired(Event):
    """A cookie named a session that is gone: idle, absolute deadline, or no record."""

    name: ClassVar[str] = "session_expired"
    handle: str
    reason: ExpiryReason


@dataclass(frozen=True, slots=True)
class CookieRejected(Event):
    """The session cookie was malformed, oversized, forged or signed by an unknown key."""

    name: ClassVar[str] = "cookie_rejected"
    level: ClassVar[int] = logging.WARNING
    reason: RejectionReason


@dataclass(frozen=True, slots=True)
class RecordUndecryptable(Event):
    """A stored record failed authentication (tampered, wrong key, or retired key)."""

    name: ClassVar[str] = "record_undecryptable"
    level: ClassVar[int] = logging.WARNING
    handle: str
    reason: str


@dataclass(frozen=True, slots=True)
class SessionLoggedIn(Event):
    """``login()`` gave the session a new id and an authenticated user."""

    name: ClassVar[str] = "session_logged_in"
    handle: str
    user_id: str
    method: str


@dataclass(frozen=True, slots=True)
class SessionLoggedOut(Event):
    """``logout()`` destroyed the session."""

    name: ClassVar[str] = "session_logged_out"
    handle: str
    user_id: str | None


@dataclass(frozen=True, slots=True)
class SessionRegenerated(Event):
    """The session moved to a new id (``regenerate()``); ``handle`` is the new one's."""

    name: ClassVar[str] = "session_regenerated"
    handle: str
    previous: str


@dataclass(frozen=True, slots=True)
class SessionReauthenticated(Event):
    """``reauthenticate()`` refreshed the auth time, cleared flags and rotated the id."""

    name: ClassVar[str] = "session_reauthenticated"
    handle: str
    user_id: str


@dataclass(frozen=True, slots=True)
class BindingMismatch(Event):
    """A request's client signals differ from those recorded at login (DESIGN.md A6)."""

    name: ClassVar[str] = "binding_mismatch"
    level: ClassVar[int] = logging.WARNING
    handle: str
    signal: Literal["user_agent", "ip"]
    action: Literal["ignore", "flag", "revoke"]


@dataclass(frozen=True, slots=True)
class ReauthRefused(Event):
    """A guard refused a request: no login, or an authentication too old or flagged."""

    name: ClassVar[str] = "reauth_refused"
    handle: str
    reason: Literal["login_required", "reauth_required"]


@dataclass(frozen=True, slots=True)
class SessionEvicted(Event):
    """A concurrency policy ended a session to admit a new login (DESIGN.md P3)."""

    name: ClassVar[str] = "session_evicted"
    handle: str
    user_id: str
    policy: str


@dataclass(frozen=True, slots=True)
class LoginRejected(Event):
    """A concurrency policy refused a login (``RejectNew``); nothing changed."""

    name: ClassVar[str] = "login_rejected"
    level: ClassVar[int] = logging.WARNING
    user_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ConfirmationRequired(Event):
    """A login was admitted pending the user's choice of a session to end."""

    name: ClassVar[str] = "confirmation_required"
    handle: str
    user_id: str


@dataclass(frozen=True, slots=True)
class SessionRevoked(Event):
    """A session was ended from elsewhere: by the user, an admin, or a risk report."""

    name: ClassVar[str] = "session_revoked"
    level: ClassVar[int] = logging.WARNING
    handle: str
    user_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class WriteConflict(Event):
    """A write lost the compare-and-set race too many times and was dropped (answered 409)."""

    name: ClassVar[str] = "write_conflict"
    level: ClassVar[int] = logging.WARNING
    handle: str
    attempts: int


@dataclass(frozen=True, slots=True)
class StoreFailed(Event):
    """A store operation failed; the request was answered as configured (503 by default)."""

    name: ClassVar[str] = "store_failed"
    level: ClassVar[int] = logging.ERROR
    operation: str
    error: str


@dataclass(frozen=True, slots=True)
class StoreMisconfigured(Event):
    """The store's server is configured in a way that can lose sessions (DESIGN.md R4)."""

    name: ClassVar[str] = "store_misconfigured"
    level: ClassVar[int] = logging.WARNING
    setting: str
    value: str


class EventEmitter:
    """Sends each event to the logger ``session_middleware`` and to an optional callback.

    A callback that raises is logged and otherwise ignored: observability must never
    turn a working request into a failed one.
    """

    __slots__ = ("_callback", "counts")

    def __init__(self, callback: EventSink | None = None) -> None:
        self._callback = callback
        self.counts: Counter[str] = Counter()  # events and store commands, by name (O3)

    def emit_all(self, events: Iterable[Event]) -> None:
        """Emit each of ``events`` in order."""
        for event in events:
            self.emit(event)

    def emit(self, event: Event) -> None:
        """Count and log ``event`` and pass it to the callback."""
        self.counts[event.name] += 1
        if logger.isEnabledFor(event.level):
            logger.log(event.level, "%s", event.describe())
        if self._callback is not None:
            try:
                self._callback(event)
            except Exception:
                logger.exception("session_middleware event callback raised")
