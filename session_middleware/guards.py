"""Guards that refuse a request before the endpoint runs (DESIGN.md A4).

``require_recent_auth(max_age)`` and ``require_login()`` each return a :class:`Guard`,
usable three ways::

    @require_recent_auth(300)                     # a Starlette endpoint decorator
    async def change_password(request): ...

    @app.post("/password")                        # a FastAPI dependency
    async def change_password(_: None = Depends(require_recent_auth(300))): ...

    @app.post("/password", dependencies=[Depends(require_recent_auth(300))])  # route level

A refused request gets 401 with ``{"detail": "reauth_required"}`` (or ``login_required``)
by default; ``response=`` takes a function ``(request, reason) -> Response`` for the app's
own answer (a redirect to the login page, say).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar, overload

from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response

from session_middleware.asgi import get_session
from session_middleware.errors import AuthenticationRequired, LoginRequired, ReauthRequired

__all__ = ["Guard", "require_login", "require_recent_auth"]

Reason = Literal["login_required", "reauth_required"]
ResponseFactory = Callable[[HTTPConnection, Reason], Response]
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])

_REFUSALS: dict[Reason, type[AuthenticationRequired]] = {
    "login_required": LoginRequired,
    "reauth_required": ReauthRequired,
}


def default_refusal(request: HTTPConnection, reason: Reason) -> Response:
    """401 with a JSON body naming the reason; never cached."""
    return JSONResponse({"detail": reason}, status_code=401, headers={"cache-control": "no-store"})


class Guard:
    """A check on the request's session, as a decorator or as a FastAPI dependency."""

    def __init__(
        self, *, max_age: float | None, recent: bool, response: ResponseFactory | None
    ) -> None:
        self.max_age = max_age
        self.recent = recent
        self.response = response or default_refusal
        # FastAPI reads this to inject the Request into the dependency call.
        request_parameter = inspect.Parameter(
            "request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request
        )
        self.__signature__ = inspect.Signature([request_parameter])

    def refusal(self, request: HTTPConnection) -> Reason | None:
        """Why this request must be refused, or ``None`` to let it through."""
        session = get_session(request)
        reason: Reason
        if not session.is_authenticated:
            reason = "login_required"
        elif self.recent and session.needs_reauth(self.max_age):
            reason = "reauth_required"
        else:
            return None
        session.report_refusal(reason)
        return reason

    def check(self, request: HTTPConnection) -> None:
        """Raise the refusal (the middleware answers with its response) or return."""
        reason = self.refusal(request)
        if reason is not None:
            raise _REFUSALS[reason](self.response(request, reason))

    @overload
    def __call__(self, request: Request) -> None: ...
    @overload
    def __call__(self, request: Endpoint) -> Endpoint: ...

    def __call__(self, request: Any) -> Any:
        # One callable, two uses: FastAPI calls a dependency with the Request (it reads
        # ``__signature__``); a decorator is called with the endpoint.
        if isinstance(request, HTTPConnection):
            self.check(request)
            return None
        return self._decorate(request)

    def _decorate(self, endpoint: Callable[[Request], Any]) -> Callable[[Request], Awaitable[Any]]:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Any:
            reason = self.refusal(request)
            if reason is not None:
                return self.response(request, reason)
            if inspect.iscoroutinefunction(endpoint):
                return await endpoint(request)
            return await run_in_threadpool(endpoint, request)

        return guarded


def require_recent_auth(
    max_age: float | None = None, *, response: ResponseFactory | None = None
) -> Guard:
    """Refuse anonymous sessions, and sessions that authenticated more than ``max_age``
    seconds ago (or past ``reauth_after``), or were flagged for re-authentication."""
    return Guard(max_age=max_age, recent=True, response=response)


def require_login(*, response: ResponseFactory | None = None) -> Guard:
    """Refuse anonymous sessions."""
    return Guard(max_age=None, recent=False, response=response)
