"""The Starlette app the behaviour tests drive over HTTP."""

from __future__ import annotations

import dataclasses
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from session_middleware import (
    SessionCommitted,
    SessionLimitExceeded,
    SessionMiddleware,
    get_manager,
    get_session,
    mark_passive,
    require_login,
    require_recent_auth,
)


def _view(request: Request) -> dict[str, Any]:
    session = get_session(request)
    return {"data": dict(session), "is_new": session.is_new}


async def read(request: Request) -> Response:
    return JSONResponse(_view(request))


async def write(request: Request) -> Response:
    request.session.update(await request.json())
    return JSONResponse(_view(request))


async def delete(request: Request) -> Response:
    request.session.pop(request.path_params["key"], None)
    return JSONResponse(_view(request))


async def append(request: Request) -> Response:
    request.session[request.path_params["key"]].append(request.query_params["item"])
    return JSONResponse(_view(request))


async def clear(request: Request) -> Response:
    request.session.clear()
    return JSONResponse(_view(request))


async def untouched(request: Request) -> Response:
    return PlainTextResponse("no session here")


async def write_then_fail(request: Request) -> Response:
    request.session["doomed"] = True
    return PlainTextResponse("oops", status_code=500)


async def write_then_raise(request: Request) -> Response:
    request.session["doomed"] = True
    raise RuntimeError("handler failed")


async def cached(request: Request) -> Response:
    request.session["x"] = 1
    return PlainTextResponse("cached", headers={"cache-control": "private, max-age=60"})


async def ws(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json(dict(websocket.session))
    await websocket.close()


ROUTES = [
    Route("/", read),
    Route("/set", write, methods=["POST"]),
    Route("/delete/{key}", delete, methods=["POST"]),
    Route("/append/{key}", append, methods=["POST"]),
    Route("/clear", clear, methods=["POST"]),
    Route("/untouched", untouched),
    Route("/health", untouched),
    Route("/fail", write_then_fail, methods=["POST"]),
    Route("/raise", write_then_raise, methods=["POST"]),
    Route("/cached", cached, methods=["POST"]),
    WebSocketRoute("/ws", ws),
]


def build_app(**options: Any) -> Starlette:
    """The test app behind ``SessionMiddleware(**options)``; ``app.state.calls`` records
    which guarded endpoints ran."""
    app = Starlette(routes=ROUTES, middleware=[Middleware(SessionMiddleware, **options)])
    app.state.calls = []
    return app


async def store_value(request: Request) -> Response:
    """Stores values JSON cannot carry, chosen by name, to exercise W4."""
    values: dict[str, Any] = {
        "set": {1, 2},
        "tuple": (1, 2),
        "bytes": b"raw",
        "nan": float("nan"),
        "object": object(),
        "big": "x" * 100_000,
    }
    kind = request.path_params["kind"]
    if kind == "nested-set":
        request.session["cart"].append({3})
    elif kind == "int-key":
        request.session["nested"] = {1: "one"}
    else:
        request.session[kind] = values[kind]
    return PlainTextResponse("stored?")


ROUTES.append(Route("/store/{kind}", store_value, methods=["POST"]))


async def held_write(request: Request) -> Response:
    """Loads the session, waits at the gate, then writes: for deterministic interleavings."""
    request.session.get("_")  # loaded before the handler; read it like a real handler would
    body = await request.json()
    request.app.state.entered.set()
    await request.app.state.gate.wait()
    request.session.update(body)
    return JSONResponse(_view(request))


ROUTES.append(Route("/hold/set", held_write, methods=["POST"]))


async def login(request: Request) -> Response:
    body = await request.json()
    try:
        await get_session(request).login(
            body["user"],
            method=body.get("method", "password"),
            mfa=body.get("mfa", False),
            keep_data=body.get("keep", True),
        )
    except SessionLimitExceeded as refused:
        return JSONResponse({"detail": refused.reason}, status_code=409)
    return JSONResponse(_view(request))


async def logout(request: Request) -> Response:
    await get_session(request).logout()
    return JSONResponse(_view(request))


async def regenerate(request: Request) -> Response:
    await get_session(request).regenerate()
    return JSONResponse(_view(request))


async def reauthenticate(request: Request) -> Response:
    await get_session(request).reauthenticate(method="webauthn")
    return JSONResponse(_view(request))


async def whoami(request: Request) -> Response:
    session = get_session(request)
    return JSONResponse(
        {
            "user": session.user_id,
            "auth_time": session.auth_time,
            "method": session.auth_method,
            "mfa": session.mfa,
            "needs_reauth": session.needs_reauth(),
            "needs_reauth_60": session.needs_reauth(60),
            "pending": session.confirmation_pending,
            "handle": session.handle,
        }
    )


@require_recent_auth(300)
async def sensitive(request: Request) -> Response:
    request.app.state.calls.append("sensitive")
    return PlainTextResponse("sensitive ok")


@require_login()
def members(request: Request) -> Response:  # a sync endpoint: run in the threadpool
    request.app.state.calls.append("members")
    return PlainTextResponse("members ok")


async def poll(request: Request) -> Response:
    mark_passive(request)
    return JSONResponse(_view(request))


async def my_sessions(request: Request) -> Response:
    sessions = await get_session(request).sessions()
    return JSONResponse([dataclasses.asdict(info) for info in sessions])


async def revoke(request: Request) -> Response:
    session = get_session(request)
    user = session.user_id or request.query_params["as"]
    ended = await get_manager(request).revoke(user, request.path_params["handle"])
    return JSONResponse({"revoked": ended})


async def revoke_others(request: Request) -> Response:
    session = get_session(request)
    count = await get_manager(request).revoke_all(session.user_id or "", except_current=session)
    return JSONResponse({"revoked": count})


async def confirm(request: Request) -> Response:
    confirmed = await get_session(request).confirm(end=request.path_params["handle"])
    return JSONResponse({"confirmed": confirmed})


ROUTES.extend(
    [
        Route("/sessions", my_sessions),
        Route("/revoke/{handle}", revoke, methods=["POST"]),
        Route("/revoke-others", revoke_others, methods=["POST"]),
        Route("/confirm/{handle}", confirm, methods=["POST"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/regenerate", regenerate, methods=["POST"]),
        Route("/reauth", reauthenticate, methods=["POST"]),
        Route("/whoami", whoami),
        Route("/sensitive", sensitive),
        Route("/members", members),
        Route("/poll", poll),
        Route("/passive/feed", read),
    ]
)


async def increment(request: Request) -> Response:
    """Read-modify-write of one key, held at the gate in between (when the app has one)."""
    session = get_session(request)
    value = session.get("counter", 0)
    gate = getattr(request.app.state, "gate", None)
    if gate is not None and request.query_params.get("hold"):
        request.app.state.entered.set()
        await gate.wait()
    session["counter"] = value + 1
    return JSONResponse(_view(request))


async def stream_then_write(request: Request) -> Response:
    session = get_session(request)
    mode = request.path_params["mode"]

    async def body() -> Any:
        yield b"first chunk "
        try:
            if mode == "top":
                session["late"] = True
            else:
                session["cart"].append("late")
            yield b"changed"
        except SessionCommitted:
            yield b"refused"

    session.setdefault("cart", [])
    return StreamingResponse(body())


async def append_own(request: Request) -> Response:
    session = get_session(request)
    key = request.path_params["key"]
    session[key] = [*session.get(key, []), int(request.query_params["n"])]
    return PlainTextResponse("ok")


ROUTES.extend(
    [
        Route("/incr", increment, methods=["POST"]),
        Route("/stream/{mode}", stream_then_write),
        Route("/append-own/{key}", append_own, methods=["POST"]),
    ]
)
