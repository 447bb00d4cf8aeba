"""What a :class:`Session` delegates its authentication actions to, over an async store.

It runs the core's flows (:mod:`session_middleware.core.auth`) against the store and emits
what they report. One serves every request of a middleware: the request's own state is
passed in by the session.
"""

from __future__ import annotations

from typing import Literal, TypeVar

from session_middleware.core import auth, manage
from session_middleware.core.commands import Flow
from session_middleware.core.lifecycle import SessionCore
from session_middleware.core.state import RequestState
from session_middleware.core.users import SessionInfo
from session_middleware.drivers import run_async
from session_middleware.errors import NotAuthenticated
from session_middleware.events import EventEmitter, ReauthRefused
from session_middleware.types import AsyncStore, Clock

__all__ = ["AsyncActions"]

T = TypeVar("T")


class AsyncActions:
    """Login, logout, regenerate and re-authenticate, over an async store."""

    __slots__ = ("_clock", "_core", "_events", "_store")

    def __init__(
        self, core: SessionCore, store: AsyncStore, clock: Clock, events: EventEmitter
    ) -> None:
        self._core, self._store, self._clock, self._events = core, store, clock, events

    def needs_reauth(self, state: RequestState, max_age: float | None) -> bool:
        """See :meth:`Session.needs_reauth`."""
        return self._core.needs_reauth(state, self._clock(), max_age)

    def refused(
        self, state: RequestState, reason: Literal["login_required", "reauth_required"]
    ) -> None:
        """Report that a guard refused this request."""
        handle = self._core.identity.handle(state.session.id)
        self._events.emit(ReauthRefused(handle=handle, reason=reason))

    async def login(
        self, state: RequestState, user_id: str, *, method: str, mfa: bool, keep_data: bool
    ) -> None:
        """See :meth:`Session.login`."""
        flow = auth.login(
            self._core,
            state,
            self._clock(),
            user_id=user_id,
            method=method,
            mfa=mfa,
            keep_data=keep_data,
        )
        await self._run(state, flow)

    async def logout(self, state: RequestState) -> None:
        """See :meth:`Session.logout`."""
        await self._run(state, auth.logout(self._core, state))

    async def regenerate(self, state: RequestState) -> None:
        """See :meth:`Session.regenerate`."""
        await self._run(state, auth.regenerate(self._core, state, self._clock()))

    async def reauthenticate(
        self, state: RequestState, *, method: str | None, mfa: bool | None
    ) -> None:
        """See :meth:`Session.reauthenticate`."""
        flow = auth.reauthenticate(self._core, state, self._clock(), method=method, mfa=mfa)
        await self._run(state, flow)

    def handle(self, state: RequestState) -> str:
        """See :attr:`Session.handle`."""
        return self._core.identity.handle(state.session.id)

    async def sessions(self, state: RequestState) -> list[SessionInfo]:
        """See :meth:`Session.sessions`."""
        user_id = state.meta.user_id if state.meta else None
        if user_id is None:
            raise NotAuthenticated("sessions() needs a logged-in (or pending) session")
        flow = manage.list_sessions(self._core, user_id, self._clock(), self.handle(state))
        return await run_async(flow, self._store)

    async def confirm(self, state: RequestState, end: str) -> bool:
        """See :meth:`Session.confirm`."""
        return await self._run(state, auth.confirm(self._core, state, self._clock(), end=end))

    async def _run(self, state: RequestState, flow: Flow[T]) -> T:
        try:
            return await run_async(flow, self._store)
        finally:
            self._events.emit_all(state.drain_events())
