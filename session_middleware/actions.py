"""What a :class:`Session` delegates its authentication actions to.

The flows come from :mod:`session_middleware.core.auth`; :class:`AsyncActions` runs them
against an async store (ASGI) and :class:`SyncActions` against a sync one (Flask). One
object serves every request of an adapter: the request's own state is passed in.
"""

from __future__ import annotations

from typing import Literal, TypeVar

from session_middleware.core import auth, manage
from session_middleware.core.commands import Flow
from session_middleware.core.lifecycle import SessionCore
from session_middleware.core.state import RequestState
from session_middleware.core.users import SessionInfo
from session_middleware.drivers import run_async, run_sync
from session_middleware.errors import NotAuthenticated
from session_middleware.events import EventEmitter, ReauthRefused
from session_middleware.types import AsyncStore, Clock, SyncStore

__all__ = ["AsyncActions", "SyncActions"]

T = TypeVar("T")


class _Flows:
    """The actions as flows, plus the ones that need no store."""

    def __init__(self, core: SessionCore, clock: Clock, events: EventEmitter) -> None:
        self._core, self._clock, self._events = core, clock, events

    def needs_reauth(self, state: RequestState, max_age: float | None) -> bool:
        """See :meth:`Session.needs_reauth`."""
        return self._core.needs_reauth(state, self._clock(), max_age)

    def refused(
        self, state: RequestState, reason: Literal["login_required", "reauth_required"]
    ) -> None:
        """Report that a guard refused this request."""
        self._events.emit(ReauthRefused(handle=self.handle(state), reason=reason))

    def handle(self, state: RequestState) -> str:
        """See :attr:`Session.handle`."""
        return self._core.identity.handle(state.session.id)

    def _login(
        self, state: RequestState, user_id: str, method: str, mfa: bool, keep_data: bool
    ) -> Flow[None]:
        return auth.login(
            self._core,
            state,
            self._clock(),
            user_id=user_id,
            method=method,
            mfa=mfa,
            keep_data=keep_data,
        )

    def _logout(self, state: RequestState) -> Flow[None]:
        return auth.logout(self._core, state)

    def _regenerate(self, state: RequestState) -> Flow[None]:
        return auth.regenerate(self._core, state, self._clock())

    def _reauthenticate(
        self, state: RequestState, method: str | None, mfa: bool | None
    ) -> Flow[None]:
        return auth.reauthenticate(self._core, state, self._clock(), method=method, mfa=mfa)

    def _sessions(self, state: RequestState) -> Flow[list[SessionInfo]]:
        user_id = state.meta.user_id if state.meta else None
        if user_id is None:
            raise NotAuthenticated("sessions() needs a logged-in (or pending) session")
        return manage.list_sessions(self._core, user_id, self._clock(), self.handle(state))

    def _confirm(self, state: RequestState, end: str) -> Flow[bool]:
        return auth.confirm(self._core, state, self._clock(), end=end)


class AsyncActions(_Flows):
    """The actions over an async store."""

    def __init__(
        self, core: SessionCore, store: AsyncStore, clock: Clock, events: EventEmitter
    ) -> None:
        super().__init__(core, clock, events)
        self._store = store

    async def _run(self, state: RequestState, flow: Flow[T]) -> T:
        try:
            return await run_async(flow, self._store)
        finally:
            self._events.emit_all(state.drain_events())

    async def login(
        self, state: RequestState, user_id: str, *, method: str, mfa: bool, keep_data: bool
    ) -> None:
        """See :meth:`Session.login`."""
        await self._run(state, self._login(state, user_id, method, mfa, keep_data))

    async def logout(self, state: RequestState) -> None:
        """See :meth:`Session.logout`."""
        await self._run(state, self._logout(state))

    async def regenerate(self, state: RequestState) -> None:
        """See :meth:`Session.regenerate`."""
        await self._run(state, self._regenerate(state))

    async def reauthenticate(
        self, state: RequestState, *, method: str | None, mfa: bool | None
    ) -> None:
        """See :meth:`Session.reauthenticate`."""
        await self._run(state, self._reauthenticate(state, method, mfa))

    async def sessions(self, state: RequestState) -> list[SessionInfo]:
        """See :meth:`Session.sessions`."""
        return await self._run(state, self._sessions(state))

    async def confirm(self, state: RequestState, end: str) -> bool:
        """See :meth:`Session.confirm`."""
        return await self._run(state, self._confirm(state, end))


class SyncActions(_Flows):
    """The actions over a sync store (the Flask adapter's)."""

    def __init__(
        self, core: SessionCore, store: SyncStore, clock: Clock, events: EventEmitter
    ) -> None:
        super().__init__(core, clock, events)
        self._store = store

    def _run(self, state: RequestState, flow: Flow[T]) -> T:
        try:
            return run_sync(flow, self._store)
        finally:
            self._events.emit_all(state.drain_events())

    def login(
        self, state: RequestState, user_id: str, *, method: str, mfa: bool, keep_data: bool
    ) -> None:
        """See :meth:`Session.login`."""
        self._run(state, self._login(state, user_id, method, mfa, keep_data))

    def logout(self, state: RequestState) -> None:
        """See :meth:`Session.logout`."""
        self._run(state, self._logout(state))

    def regenerate(self, state: RequestState) -> None:
        """See :meth:`Session.regenerate`."""
        self._run(state, self._regenerate(state))

    def reauthenticate(self, state: RequestState, *, method: str | None, mfa: bool | None) -> None:
        """See :meth:`Session.reauthenticate`."""
        self._run(state, self._reauthenticate(state, method, mfa))

    def sessions(self, state: RequestState) -> list[SessionInfo]:
        """See :meth:`Session.sessions`."""
        return self._run(state, self._sessions(state))

    def confirm(self, state: RequestState, end: str) -> bool:
        """See :meth:`Session.confirm`."""
        return self._run(state, self._confirm(state, end))
