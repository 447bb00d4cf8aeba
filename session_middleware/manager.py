"""The session manager: a user's sessions across devices (DESIGN.md P2, P4, P5).

Reach it as ``middleware.manager`` or, in a handler, ``get_manager(request)``::

    manager = get_manager(request)
    sessions = await manager.list(user_id, current=get_session(request))
    await manager.revoke(user_id, handle)                     # False for a foreign handle
    await manager.revoke_all(user_id, except_current=get_session(request))
    await manager.require_reauth_all(user_id)                 # after a password change
    await manager.report(user_id, handle, risk=0.9)           # suspicious activity

Every call names the user it acts for and reads only that user's index. The Flask adapter
has the same manager without the ``await`` (:class:`SyncSessionManager`); both build the
same flows (:mod:`session_middleware.core.manage`) and differ only in how they run them.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from session_middleware.core import manage
from session_middleware.core.commands import Flow
from session_middleware.core.lifecycle import SessionCore
from session_middleware.core.session import Session
from session_middleware.core.users import SessionInfo
from session_middleware.drivers import run_async, run_sync
from session_middleware.errors import ConfigurationError
from session_middleware.events import EventEmitter, SessionRevoked
from session_middleware.types import AsyncStore, Clock, SyncStore

__all__ = [
    "MANAGER",
    "RiskAction",
    "RiskThresholds",
    "SessionManager",
    "SyncSessionManager",
    "get_manager",
]

MANAGER = "session_middleware.manager"
"""Scope key under which the middleware puts its manager for handlers."""

T = TypeVar("T")
RiskAction = Literal["none", "flagged", "reauth_all", "revoked_others"]


@dataclass(frozen=True, slots=True)
class RiskThresholds:
    """What ``report(risk)`` does at each level of risk (0 to 1).

    At ``flag`` the reported session must re-authenticate; at ``reauth_all`` every session
    of the user must; at ``revoke_others`` every other session of the user is ended and the
    reported one flagged.
    """

    flag: float = 0.5
    reauth_all: float = 0.8
    revoke_others: float = 0.95

    def __post_init__(self) -> None:
        if not 0 <= self.flag <= self.reauth_all <= self.revoke_others <= 1:
            raise ConfigurationError(
                "risk", "thresholds must satisfy 0 <= flag <= reauth_all <= revoke_others <= 1"
            )

    def action(self, risk: float) -> RiskAction:
        """The action a report of ``risk`` calls for."""
        if risk >= self.revoke_others:
            return "revoked_others"
        if risk >= self.reauth_all:
            return "reauth_all"
        return "flagged" if risk >= self.flag else "none"


class _Flows:
    """The manager's operations as flows, and what to report once they have run."""

    def __init__(
        self, core: SessionCore, clock: Clock, events: EventEmitter, risk: RiskThresholds | None
    ) -> None:
        self._core, self._clock, self._events = core, clock, events
        self.risk = risk or RiskThresholds()

    def _list(self, user_id: str, current: Session | None) -> Flow[builtins.list[SessionInfo]]:
        return manage.list_sessions(self._core, user_id, self._clock(), self._handle(current))

    def _revoke(self, user_id: str, handle: str) -> Flow[builtins.list[str]]:
        return manage.revoke(self._core, user_id, handle, self._clock())

    def _revoke_all(self, user_id: str, keep: Session | str | None) -> Flow[builtins.list[str]]:
        return manage.revoke_all(self._core, user_id, self._clock(), self._handle(keep))

    def _reauth_all(self, user_id: str) -> Flow[builtins.list[str]]:
        return manage.require_reauth_all(self._core, user_id, self._clock())

    def _report(self, user_id: str, handle: str, action: RiskAction) -> Flow[builtins.list[str]]:
        return manage.report(self._core, user_id, handle, action, self._clock())

    def _sweep(self, batch: int) -> Flow[manage.SweepReport]:
        return manage.sweep(self._core, self._clock(), batch)

    def _handle(self, session: Session | str | None) -> str | None:
        if isinstance(session, Session):
            return self._core.identity.handle(session.id)
        return session

    def _ended(self, user_id: str, handles: Sequence[str], reason: str) -> int:
        for handle in handles:
            self._events.emit(SessionRevoked(handle=handle, user_id=user_id, reason=reason))
        return len(handles)


class SessionManager(_Flows):
    """List, revoke and flag a user's sessions, over an async store."""

    def __init__(
        self,
        core: SessionCore,
        store: AsyncStore,
        clock: Clock,
        events: EventEmitter,
        risk: RiskThresholds | None = None,
    ) -> None:
        super().__init__(core, clock, events, risk)
        self._store = store

    async def _run(self, flow: Flow[T]) -> T:
        return await run_async(flow, self._store)

    async def list(
        self, user_id: str, *, current: Session | None = None
    ) -> builtins.list[SessionInfo]:
        """The user's live sessions, oldest first, ``current`` marked (``info.current``)."""
        return await self._run(self._list(user_id, current))

    async def revoke(self, user_id: str, handle: str, *, reason: str = "revoked") -> bool:
        """End one of ``user_id``'s sessions; ``False`` if the user has no such session."""
        return self._ended(user_id, await self._run(self._revoke(user_id, handle)), reason) > 0

    async def revoke_all(
        self,
        user_id: str,
        *,
        except_current: Session | str | None = None,
        reason: str = "revoked_all",
    ) -> int:
        """End every session of the user but ``except_current`` (a Session or a handle)."""
        return self._ended(
            user_id, await self._run(self._revoke_all(user_id, except_current)), reason
        )

    async def require_reauth_all(self, user_id: str) -> int:
        """Flag every session of the user for re-authentication; how many were flagged."""
        return len(await self._run(self._reauth_all(user_id)))

    async def report(self, user_id: str, handle: str, risk: float) -> RiskAction:
        """Act on suspicious activity in one of the user's sessions, per :attr:`risk`."""
        action = self.risk.action(risk)
        self._ended(user_id, await self._run(self._report(user_id, handle, action)), "risk")
        return action

    async def sweep(self, *, batch: int = 100) -> manage.SweepReport:
        """Prune expired entries from every user's index, ``batch`` keys per SCAN step."""
        return await self._run(self._sweep(batch))


class SyncSessionManager(_Flows):
    """:class:`SessionManager` over a sync store (the Flask adapter's)."""

    def __init__(
        self,
        core: SessionCore,
        store: SyncStore,
        clock: Clock,
        events: EventEmitter,
        risk: RiskThresholds | None = None,
    ) -> None:
        super().__init__(core, clock, events, risk)
        self._store = store

    def _run(self, flow: Flow[T]) -> T:
        return run_sync(flow, self._store)

    def list(self, user_id: str, *, current: Session | None = None) -> builtins.list[SessionInfo]:
        """See :meth:`SessionManager.list`."""
        return self._run(self._list(user_id, current))

    def revoke(self, user_id: str, handle: str, *, reason: str = "revoked") -> bool:
        """See :meth:`SessionManager.revoke`."""
        return self._ended(user_id, self._run(self._revoke(user_id, handle)), reason) > 0

    def revoke_all(
        self,
        user_id: str,
        *,
        except_current: Session | str | None = None,
        reason: str = "revoked_all",
    ) -> int:
        """See :meth:`SessionManager.revoke_all`."""
        return self._ended(user_id, self._run(self._revoke_all(user_id, except_current)), reason)

    def require_reauth_all(self, user_id: str) -> int:
        """See :meth:`SessionManager.require_reauth_all`."""
        return len(self._run(self._reauth_all(user_id)))

    def report(self, user_id: str, handle: str, risk: float) -> RiskAction:
        """See :meth:`SessionManager.report`."""
        action = self.risk.action(risk)
        self._ended(user_id, self._run(self._report(user_id, handle, action)), "risk")
        return action

    def sweep(self, *, batch: int = 100) -> manage.SweepReport:
        """See :meth:`SessionManager.sweep`."""
        return self._run(self._sweep(batch))


def get_manager(connection: Any) -> SessionManager:
    """The :class:`SessionManager` of the middleware serving a Starlette request."""
    scope = connection if isinstance(connection, dict) else connection.scope
    manager = scope.get(MANAGER)
    if not isinstance(manager, SessionManager):
        raise LookupError("no session manager: is SessionMiddleware installed?")
    return manager
