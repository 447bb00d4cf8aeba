"""Reference apps for :class:`~session_middleware.testing.machine.SessionLifecycle`: the
same six routes on Starlette (the ASGI middleware) and on Flask (the Flask adapter), over
the store and options you give. Every route answers ``{"data": ..., "user": ...}``."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from session_middleware.asgi import SessionMiddleware, get_session
from session_middleware.core.session import Session
from session_middleware.manager import get_manager
from session_middleware.testing.clock import FakeClock
from session_middleware.testing.machine import ABSOLUTE, IDLE, TOUCH

__all__ = ["FlaskTarget", "StarletteTarget"]

SECRET = "session-lifecycle-machine-secret-0123456789"
TIMEOUTS = {"idle_timeout": IDLE, "absolute_timeout": ABSOLUTE, "touch_interval": TOUCH}


def _answer(session: Any) -> dict[str, Any]:
    return {
        "data": {k: v for k, v in session.items() if k != "_permanent"},
        "user": session.user_id,
    }


async def _read(request: Request) -> Response:
    return JSONResponse(_answer(get_session(request)))


async def _write(request: Request) -> Response:
    session = get_session(request)
    session.update(await request.json())
    return JSONResponse(_answer(session))


async def _delete(request: Request) -> Response:
    session = get_session(request)
    session.pop(request.path_params["key"], None)
    return JSONResponse(_answer(session))


async def _login(request: Request) -> Response:
    session = get_session(request)
    await session.login((await request.json())["user"])
    return JSONResponse(_answer(session))


async def _logout(request: Request) -> Response:
    session = get_session(request)
    await session.logout()
    return JSONResponse(_answer(session))


async def _append(request: Request) -> Response:
    session = get_session(request)
    key, item = request.path_params["key"], (await request.json())["item"]
    if isinstance(session.get(key), list):
        session[key].append(item)
    else:
        session[key] = [item]
    return JSONResponse(_answer(session))


async def _regenerate(request: Request) -> Response:
    session = get_session(request)
    await session.regenerate()
    return JSONResponse(_answer(session))


async def _revoke_others(request: Request) -> Response:
    session = get_session(request)
    await get_manager(request).revoke_all(session.user_id or "", except_current=session)
    return JSONResponse(_answer(session))


async def _reauth(request: Request) -> Response:
    session: Session = get_session(request)
    await session.reauthenticate()
    return JSONResponse(_answer(session))


class StarletteTarget:
    """The reference app behind ``SessionMiddleware(store=..., clock=..., **options)``."""

    def __init__(self, *, store: Any, clock: FakeClock, **options: Any) -> None:
        app = Starlette(
            routes=[
                Route("/read", _read),
                Route("/write", _write, methods=["POST"]),
                Route("/delete/{key}", _delete, methods=["POST"]),
                Route("/login", _login, methods=["POST"]),
                Route("/logout", _logout, methods=["POST"]),
                Route("/reauth", _reauth, methods=["POST"]),
                Route("/append/{key}", _append, methods=["POST"]),
                Route("/regenerate", _regenerate, methods=["POST"]),
                Route("/revoke-others", _revoke_others, methods=["POST"]),
            ]
        )
        options = {"secret_key": SECRET, **TIMEOUTS, **options}
        app.add_middleware(SessionMiddleware, store=store, clock=clock, **options)
        self._store = store
        # One client (one event loop, as one worker has), one cookie jar per browser.
        self._client = TestClient(app)
        self._client.__enter__()
        self._jars: dict[str, Any] = {}

    def request(self, browser: str, method: str, path: str, json: Any = None) -> Any:
        """One request with ``browser``'s own cookie jar."""
        self._client.cookies = self._jars.get(browser, {})
        answer = self._client.request(method, path, json=json).json()
        self._jars[browser] = self._client.cookies
        return answer

    def close(self) -> None:
        """Close the store and the client."""
        self._client.portal.call(self._store.aclose)  # type: ignore[union-attr]
        self._client.__exit__(None, None, None)


class FlaskTarget:
    """The reference app behind ``session_middleware.flask.init_app(app, **options)``."""

    def __init__(self, *, store: Any, clock: FakeClock, **options: Any) -> None:
        import flask

        from session_middleware.flask import get_manager as flask_manager
        from session_middleware.flask import init_app

        app = flask.Flask(__name__)
        app.config["SECRET_KEY"] = SECRET
        init_app(app, store=store, clock=clock, **{**TIMEOUTS, **options})
        session: Any = flask.session

        @app.get("/read")
        def read() -> Any:
            return _answer(session)

        @app.post("/write")
        def write() -> Any:
            session.update(flask.request.get_json())
            return _answer(session)

        @app.post("/delete/<key>")
        def delete(key: str) -> Any:
            session.pop(key, None)
            return _answer(session)

        @app.post("/login")
        def login() -> Any:
            session.login(flask.request.get_json()["user"])
            return _answer(session)

        @app.post("/logout")
        def logout() -> Any:
            session.logout()
            return _answer(session)

        @app.post("/reauth")
        def reauth() -> Any:
            session.reauthenticate()
            return _answer(session)

        @app.post("/append/<key>")
        def append(key: str) -> Any:
            item = flask.request.get_json()["item"]
            if isinstance(session.get(key), list):
                session[key].append(item)
            else:
                session[key] = [item]
            return _answer(session)

        @app.post("/regenerate")
        def regenerate() -> Any:
            session.regenerate()
            return _answer(session)

        @app.post("/revoke-others")
        def revoke_others() -> Any:
            flask_manager().revoke_all(session.user_id or "", except_current=session)
            return _answer(session)

        self._app, self._store = app, store
        self._clients: dict[str, Any] = {}

    def request(self, browser: str, method: str, path: str, json: Any = None) -> Any:
        """One request from ``browser``'s own test client."""
        client = self._clients.setdefault(browser, self._app.test_client())
        return client.open(path, method=method, json=json).get_json()

    def close(self) -> None:
        """Close the store (a sync Redis store has connections)."""
        close = getattr(self._store, "close", None)
        if close is not None:
            close()
