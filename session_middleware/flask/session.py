"""``flask.session``: the core's Session with Flask's mixin, and Flask's tagged JSON."""

from __future__ import annotations

from typing import Any, cast

from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionMixin

from session_middleware.actions import SyncActions
from session_middleware.core.session import Session
from session_middleware.core.state import RequestState
from session_middleware.core.users import SessionInfo

__all__ = ["FlaskSession", "TaggedJSON", "UnavailableSession"]


class TaggedJSON:
    """Flask's tagged JSON as the core's data codec."""

    def __init__(self) -> None:
        self._serializer = TaggedJSONSerializer()

    def dumps(self, data: Any) -> str:
        """Tagged, compact JSON."""
        return self._serializer.dumps(dict(data))

    def loads(self, text: str) -> Any:
        """Back from tagged JSON."""
        return self._serializer.loads(text)


class FlaskSession(Session, SessionMixin):
    """``flask.session``: the core's :class:`Session` with Flask's mixin and sync actions."""

    __slots__ = ()
    unavailable = False

    @property
    def new(self) -> bool:  # type: ignore[override]
        """Flask's name for :attr:`is_new`."""
        return self.is_new

    def login(  # type: ignore[override]
        self,
        user_id: str | int,
        *,
        method: str = "password",
        mfa: bool = False,
        keep_data: bool = True,
    ) -> None:
        """See :meth:`Session.login` (synchronous here)."""
        actions, state = self._sync()
        actions.login(state, str(user_id), method=method, mfa=mfa, keep_data=keep_data)

    def logout(self) -> None:  # type: ignore[override]
        """See :meth:`Session.logout`."""
        actions, state = self._sync()
        actions.logout(state)

    def regenerate(self) -> None:  # type: ignore[override]
        """See :meth:`Session.regenerate`."""
        actions, state = self._sync()
        actions.regenerate(state)

    def reauthenticate(  # type: ignore[override]
        self, *, method: str | None = None, mfa: bool | None = None
    ) -> None:
        """See :meth:`Session.reauthenticate`."""
        actions, state = self._sync()
        actions.reauthenticate(state, method=method, mfa=mfa)

    def sessions(self) -> list[SessionInfo]:  # type: ignore[override]
        """See :meth:`Session.sessions`."""
        actions, state = self._sync()
        return actions.sessions(state)

    def confirm(self, *, end: str) -> bool:  # type: ignore[override]
        """See :meth:`Session.confirm`."""
        actions, state = self._sync()
        return actions.confirm(state, end)

    def _sync(self) -> tuple[SyncActions, RequestState]:
        actions, state = self._require_actions()
        return cast(SyncActions, actions), state


class UnavailableSession(FlaskSession):
    """Stands in when the store failed: the request is answered 503 before the view."""

    __slots__ = ()
    unavailable = True
