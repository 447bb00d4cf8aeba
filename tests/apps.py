"""The Starlette app the behaviour tests drive over HTTP."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from session_middleware import SessionMiddleware, get_session


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
    """The test app behind ``SessionMiddleware(**options)``."""
    return Starlette(routes=ROUTES, middleware=[Middleware(SessionMiddleware, **options)])
