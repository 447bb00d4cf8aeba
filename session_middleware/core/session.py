"""The ``Session`` a handler sees as ``request.session``.

It is a ``dict`` (as Starlette's own session is, so code written for Starlette's
``SessionMiddleware`` keeps working) with the session's identity and authentication state
beside the data. Whether it changed is decided at the end of the request by comparing
serialized forms, so nested mutation counts; ``modified`` only mirrors Starlette's flag.

The authentication methods delegate to the request's actions object, which the adapter
attaches: the store I/O happens there, never in this module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, Protocol, cast

from session_middleware.errors import SessionCommitted, SessionError

if TYPE_CHECKING:
    from session_middleware.core.meta import RecordMeta
    from session_middleware.core.state import RequestState
    from session_middleware.core.users import SessionInfo

__all__ = ["AsyncSessionActions", "Session", "SessionActions"]


class SessionActions(Protocol):
    """What every adapter's actions do without the store (sync or async alike)."""

    def needs_reauth(self, state: RequestState, max_age: float | None) -> bool: ...
    def refused(
        self, state: RequestState, reason: Literal["login_required", "reauth_required"]
    ) -> None: ...
    def handle(self, state: RequestState) -> str: ...


class AsyncSessionActions(SessionActions, Protocol):
    """What a :class:`Session` delegates to: the ASGI adapter's actions."""

    async def login(
        self, state: RequestState, user_id: str, *, method: str, mfa: bool, keep_data: bool
    ) -> None: ...
    async def logout(self, state: RequestState) -> None: ...
    async def regenerate(self, state: RequestState) -> None: ...
    async def reauthenticate(
        self, state: RequestState, *, method: str | None, mfa: bool | None
    ) -> None: ...
    async def sessions(self, state: RequestState) -> list[SessionInfo]: ...
    async def confirm(self, state: RequestState, end: str) -> bool: ...


class Session(dict[str, Any]):
    """Session data plus its identity. Values must be JSON (str keys; no tuples or sets)."""

    __slots__ = ("_actions", "_committed", "_state", "accessed", "id", "is_new", "modified")

    def __init__(self, data: dict[str, Any], *, session_id: str, is_new: bool) -> None:
        super().__init__(data)
        self.id = session_id
        self.is_new = is_new
        self.accessed = False
        self.modified = False
        self._actions: SessionActions | None = None
        self._state: RequestState | None = None
        self._committed = False

    def attach(self, actions: SessionActions, state: RequestState) -> None:
        """Connect the session to its request (done by the middleware)."""
        self._actions = actions
        self._state = state

    def report_refusal(self, reason: Literal["login_required", "reauth_required"]) -> None:
        """Report that a guard refused this request (used by the guards)."""
        actions, state = self._require_actions()
        actions.refused(state, reason)

    # -- authentication state ------------------------------------------------------------

    @property
    def user_id(self) -> str | None:
        """The logged-in user, or ``None`` for an anonymous (or still pending) session."""
        meta = self._meta()
        return meta.user_id if meta and meta.is_authenticated else None

    @property
    def confirmation_pending(self) -> bool:
        """A concurrency policy admitted this login only until the user ends another
        session: see :meth:`sessions` and :meth:`confirm`."""
        meta = self._meta()
        return bool(meta and meta.pending)

    @property
    def handle(self) -> str:
        """This session's public handle, as listings show it."""
        actions, state = self._require_actions()
        return actions.handle(state)

    @property
    def is_authenticated(self) -> bool:
        """Whether a user is logged in."""
        return self.user_id is not None

    @property
    def auth_time(self) -> float | None:
        """Unix time of the last login or re-authentication."""
        meta = self._meta()
        return meta.auth_time if meta else None

    @property
    def auth_method(self) -> str | None:
        """How the user last authenticated (``login(method=...)``)."""
        meta = self._meta()
        return meta.auth_method if meta else None

    @property
    def mfa(self) -> bool:
        """Whether the last authentication used a second factor."""
        meta = self._meta()
        return bool(meta and meta.mfa)

    def needs_reauth(self, max_age: float | None = None) -> bool:
        """True when anonymous, flagged, or authenticated more than ``max_age`` (or the
        configured ``reauth_after``) seconds ago."""
        actions, state = self._require_actions()
        return actions.needs_reauth(state, max_age)

    # -- authentication actions (each one store round trip or two, done at once) --------

    async def login(
        self,
        user_id: str | int,
        *,
        method: str = "password",
        mfa: bool = False,
        keep_data: bool = True,
    ) -> None:
        """Log ``user_id`` in: a new id (the old one is dead at once), fresh clocks, the
        client's signals recorded. Anonymous data is carried over unless ``keep_data=False``."""
        actions, state = self._async()
        await actions.login(state, str(user_id), method=method, mfa=mfa, keep_data=keep_data)

    async def logout(self) -> None:
        """Destroy the session; the cookie is expired with the response."""
        actions, state = self._async()
        await actions.logout(state)

    async def regenerate(self) -> None:
        """Move the data to a new id (after a privilege change); the old id stops loading."""
        actions, state = self._async()
        await actions.regenerate(state)

    async def reauthenticate(self, *, method: str | None = None, mfa: bool | None = None) -> None:
        """Record a fresh authentication: new auth time, flags cleared, both clocks
        restarted, a new id."""
        actions, state = self._async()
        await actions.reauthenticate(state, method=method, mfa=mfa)

    async def sessions(self) -> list[SessionInfo]:
        """The logged-in (or pending) user's live sessions, this one marked ``current``."""
        actions, state = self._async()
        return await actions.sessions(state)

    async def confirm(self, *, end: str) -> bool:
        """For a pending login: end the user's session ``end`` (a handle from
        :meth:`sessions`); ``True`` once this login is confirmed."""
        actions, state = self._async()
        return await actions.confirm(state, end)

    def _meta(self) -> RecordMeta | None:
        return self._state.meta if self._state is not None else None

    def _require_actions(self) -> tuple[SessionActions, RequestState]:
        if self._actions is None or self._state is None:
            raise SessionError("this session is not attached to a request")
        return self._actions, self._state

    def _async(self) -> tuple[AsyncSessionActions, RequestState]:
        actions, state = self._require_actions()
        return cast(AsyncSessionActions, actions), state

    # -- Starlette's flags ---------------------------------------------------------------

    def mark_accessed(self) -> None:
        """Note that the handler read the session (Starlette calls this; adds Vary: Cookie)."""
        self.accessed = True

    def mark_modified(self) -> None:
        """Note a top-level change (informational; change detection compares forms)."""
        if self._committed:
            raise SessionCommitted()
        self.accessed = True
        self.modified = True

    def mark_committed(self) -> None:
        """The response started and the session was saved: refuse later changes."""
        self._committed = True

    def __setitem__(self, key: str, value: Any) -> None:
        self.mark_modified()
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.mark_modified()
        super().__delitem__(key)

    def clear(self) -> None:
        self.mark_modified()
        super().clear()

    def pop(self, key: str, *default: Any) -> Any:
        if key in self:
            self.mark_modified()
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, Any]:
        item = super().popitem()
        self.mark_modified()
        return item

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self.mark_modified()
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.mark_modified()
        super().update(*args, **kwargs)

    def __ior__(self, other: Any) -> Session:  # type: ignore[override,misc]
        self.mark_modified()
        super().update(other)
        return self

    def __repr__(self) -> str:
        # Never the id: reprs end up in logs and tracebacks.
        return f"Session({dict.__repr__(self)}, user_id={self.user_id!r}, is_new={self.is_new})"
