"""A4's guard used three ways (Starlette decorator, FastAPI dependency, FastAPI route
option), with the default 401 and with the app's own response."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import Depends, FastAPI, Request
from starlette.requests import HTTPConnection
from starlette.responses import RedirectResponse, Response
from starlette.testclient import TestClient

from session_middleware import (
    MemoryStore,
    SessionMiddleware,
    get_session,
    require_login,
    require_recent_auth,
)
from session_middleware.testing import FakeClock
from tests.conftest import SECRET


def to_login(request: HTTPConnection, reason: str) -> Response:
    return RedirectResponse(f"/login?next={request.url.path}&why={reason}", status_code=303)


def build_fastapi(clock: FakeClock) -> FastAPI:
    app = FastAPI()
    app.state.calls = []
    app.add_middleware(SessionMiddleware, secret_key=SECRET, store=MemoryStore(), clock=clock)

    @app.post("/login")
    async def login(request: Request) -> dict[str, str]:
        await get_session(request).login("ada")
        return {"ok": "yes"}

    @app.post("/password")
    async def change_password(
        request: Request, _: None = Depends(require_recent_auth(300))
    ) -> dict[str, str]:
        request.app.state.calls.append("password")
        return {"changed": "yes"}

    @app.get("/billing", dependencies=[Depends(require_recent_auth(300, response=to_login))])
    async def billing(request: Request) -> dict[str, str]:
        request.app.state.calls.append("billing")
        return {"billing": "yes"}

    @app.get("/profile", dependencies=[Depends(require_login())])
    async def profile(request: Request) -> dict[str, str | None]:
        return {"user": get_session(request).user_id}

    return app


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def api(clock: FakeClock) -> Iterator[TestClient]:
    with TestClient(build_fastapi(clock), follow_redirects=False) as client:
        yield client


def test_fastapi_dependency_refuses_before_the_endpoint(api: TestClient, clock: FakeClock) -> None:
    calls = api.app.state.calls  # type: ignore[attr-defined]
    response = api.post("/password")
    assert (response.status_code, response.json()) == (401, {"detail": "login_required"})
    api.post("/login")
    assert api.post("/password").json() == {"changed": "yes"}
    clock.advance(301)
    response = api.post("/password")
    assert (response.status_code, response.json()) == (401, {"detail": "reauth_required"})
    assert response.headers["cache-control"] == "no-store"
    assert calls == ["password"]


def test_route_level_dependency_with_a_redirect(api: TestClient, clock: FakeClock) -> None:
    api.post("/login")
    assert api.get("/billing").json() == {"billing": "yes"}
    clock.advance(301)
    response = api.get("/billing")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/billing&why=reauth_required"
    assert api.app.state.calls == ["billing"]  # type: ignore[attr-defined]


def test_require_login_as_a_route_dependency(api: TestClient) -> None:
    assert api.get("/profile").status_code == 401
    api.post("/login")
    assert api.get("/profile").json() == {"user": "ada"}


def test_a_refusal_after_the_response_started_is_not_swallowed() -> None:
    """A guard raising after the response began cannot answer: the error propagates."""
    from session_middleware import ReauthRequired

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
        raise ReauthRequired(Response("late"))

    client = TestClient(SessionMiddleware(app, secret_key=SECRET))  # type: ignore[arg-type]
    with pytest.raises(ReauthRequired):
        client.get("/")
