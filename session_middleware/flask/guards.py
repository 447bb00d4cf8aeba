"""View decorators that refuse a request before the view runs (DESIGN.md A4)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Literal, TypeVar, cast

import flask

from session_middleware.flask.session import FlaskSession

__all__ = ["require_login", "require_recent_auth"]

View = TypeVar("View", bound=Callable[..., Any])
Reason = Literal["login_required", "reauth_required"]


def _default_refusal(reason: Reason) -> flask.Response:
    response = flask.jsonify(detail=reason)
    response.status_code = 401
    response.headers["Cache-Control"] = "no-store"
    return response


def _guard(
    recent: bool, max_age: float | None, response: Callable[[Reason], Any] | None
) -> Callable[[View], View]:
    answer = response or _default_refusal

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            session = flask.session
            reason: Reason | None = None
            if not isinstance(session, FlaskSession) or not session.is_authenticated:
                reason = "login_required"
            elif recent and session.needs_reauth(max_age):
                reason = "reauth_required"
            if reason is None:
                return view(*args, **kwargs)
            if isinstance(session, FlaskSession):
                session.report_refusal(reason)
            return answer(reason)

        return cast(View, guarded)

    return decorate


def require_recent_auth(
    max_age: float | None = None, *, response: Callable[[Reason], Any] | None = None
) -> Callable[[View], View]:
    """A view decorator: refuse anonymous sessions and authentications older than
    ``max_age`` (or ``reauth_after``) or flagged, before the view runs (401 JSON)."""
    return _guard(True, max_age, response)


def require_login(*, response: Callable[[Reason], Any] | None = None) -> Callable[[View], View]:
    """A view decorator: refuse anonymous sessions before the view runs (401 JSON)."""
    return _guard(False, None, response)
