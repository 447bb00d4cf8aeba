"""The session manager: a user's sessions across devices (DESIGN.md P2, P4, P5).

Reach it as ``middleware.manager`` or, in a handler, ``get_manager(request)``::

    manager = get_manager(request)
    sessions = await manager.list(user_id, current=get_session(request))
    await manager.revoke(user_id, handle)                     # False for a foreign handle
    await manager.revoke_all(user_id, except_current=get_session(request))
    await manager.require_reauth_all(user_id)                 # after a password change
    await manager.report(user_id, handle, risk=0.9)           # suspicious activity

Every call names the user it acts for and reads only that user's index.
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
from session_middleware.drivers import run_async
from session_middleware.errors import ConfigurationError
from session_middleware.events import EventEmitter, SessionRevoked
from session_middleware.types import AsyncStore, Clock

__all__ = ["MANAGER", "RiskAction", "RiskThresholds", "SessionManager", "get_manager"]

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


class SessionManager:
    """List, revoke and flag a user's sessions, over an async store."""

    def __init__(
        self,
        core: SessionCore,
        store: AsyncStore,
        clock: Clock,
        events: EventEmitter,
        risk: RiskThresholds | None = None,
    ) -> None:
        self._core, self._store, self._clock, self._events = core, store, clock, events
        self.risk = risk or RiskThresholds()

    async def list(
        self, user_id: str, *, current: Session | None = None
    ) -> builtins.list[SessionInfo]:
        """The user's live sessions, oldest first, ``current`` marked (``info.current``)."""
        flow = manage.list_sessions(self._core, user_id, self._clock(), self._handle(current))
        return await self._run(flow)

    async def revoke(self, user_id: str, handle: str, *, reason: str = "revoked") -> bool:
        """End one of ``user_id``'s sessions; ``False`` if the user has no such session."""
        ended = await self._run(manage.revoke(self._core, user_id, handle, self._clock()))
        if ended:
            self._revoked(user_id, [handle], reason)
        return ended

    async def revoke_all(
        self,
        user_id: str,
        *,
        except_current: Session | str | None = None,
        reason: str = "revoked_all",
    ) -> int:
        """End every session of the user but ``except_current`` (a Session or a handle)."""
        keep = self._handle(except_current)
        flow = manage.revoke_all(self._core, user_id, self._clock(), keep)
        handles = await self._run(flow)
        self._revoked(user_id, handles, reason)
        return len(handles)

    async def require_reauth_all(self, user_id: str) -> int:
        """Flag every session of the user for re-authentication; how many were flagged."""
        flow = manage.require_reauth_all(self._core, user_id, self._clock())
        return len(await self._run(flow))

    async def report(self, user_id: str, handle: str, risk: float) -> RiskAction:
        """Act on suspicious activity in one of the user's sessions, per :attr:`risk`."""
        action = self.risk.action(risk)
        if action == "revoked_others":
            await self.revoke_all(user_id, except_current=handle, reason="risk")
        if action == "reauth_all":
            await self.require_reauth_all(user_id)
        elif action in ("flagged", "revoked_others"):
            await self._flag(user_id, handle)
        return action

    async def sweep(self, *, batch: int = 100) -> manage.SweepReport:
        """Prune expired entries from every user's index, ``batch`` keys per SCAN step."""
        return await self._run(manage.sweep(self._core, self._clock(), batch))

    async def _flag(self, user_id: str, handle: str) -> bool:
        return await self._run(manage.flag(self._core, user_id, handle, self._clock()))

    def _handle(self, session: Session | str | None) -> str | None:
        if isinstance(session, Session):
            return self._core.identity.handle(session.id)
        return session

    def _revoked(self, user_id: str, handles: Sequence[str], reason: str) -> None:
        for handle in handles:
            self._events.emit(SessionRevoked(handle=handle, user_id=user_id, reason=reason))

    async def _run(self, flow: Flow[T]) -> T:
        return await run_async(flow, self._store)


def get_manager(connection: Any) -> SessionManager:
    """The :class:`SessionManager` of the middleware serving a Starlette request."""
    scope = connection if isinstance(connection, dict) else connection.scope
    manager = scope.get(MANAGER)
    if not isinstance(manager, SessionManager):
        raise LookupError("no session manager: is SessionMiddleware installed?")
    return manager
