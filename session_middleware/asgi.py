"""The pure ASGI middleware for Starlette and FastAPI (no ``BaseHTTPMiddleware``).

``__init__`` validates and precomputes; ``__call__`` keeps per-request state in locals and
in one small send wrapper. Decisions live in the core; this module only reads the cookie
header, drives the core's flows against the store and edits the response start.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from session_middleware.core.lifecycle import Loaded, SessionCore
from session_middleware.core.options import DAY, CookieOptions, SameSite, SessionOptions, Timeouts
from session_middleware.core.saving import Outcome, commit
from session_middleware.core.session import Session
from session_middleware.crypto.keyring import Keyring
from session_middleware.drivers import run_async
from session_middleware.errors import ConfigurationError, StoreError
from session_middleware.events import Event, EventEmitter, StoreFailed
from session_middleware.stores.memory import MemoryStore
from session_middleware.types import AsyncStore, Clock, EventSink

__all__ = ["SessionMiddleware", "get_session"]


class SessionMiddleware:
    """Server-side, encrypted sessions as ``request.session``.

    A drop-in for ``starlette.middleware.sessions.SessionMiddleware``: the same keywords
    mean the same thing. With no ``store`` the in-memory store is used.
    """

    def __init__(
        self,
        app: ASGIApp,
        secret_key: str | bytes | object | None = None,
        *,
        secret_keys: Sequence[str | bytes | object] | None = None,
        store: AsyncStore | None = None,
        session_cookie: str = "session",
        max_age: int | None = 14 * DAY,
        path: str = "/",
        same_site: SameSite = "lax",
        https_only: bool | None = None,
        domain: str | None = None,
        partitioned: bool = False,
        idle_timeout: float = 14 * DAY,
        absolute_timeout: float = 30 * DAY,
        touch_interval: float = 60.0,
        max_size: int = 64 * 1024,
        compress_threshold: int | None = None,
        exclude_paths: Sequence[str] = (),
        on_event: EventSink | None = None,
        clock: Clock = time.time,
        retry_after: int = 5,
        unavailable_response: ASGIApp | None = None,
    ) -> None:
        self.app = app
        self.clock = clock
        self.store: AsyncStore = store if store is not None else MemoryStore(clock=clock)
        self.core = SessionCore(
            keyring=Keyring(_secrets(secret_key, secret_keys)),
            cookie=CookieOptions(
                name=session_cookie,
                max_age=max_age,
                path=path,
                domain=domain,
                same_site=same_site,
                https_only=https_only,
                partitioned=partitioned,
            ),
            timeouts=Timeouts(
                idle=idle_timeout, absolute=absolute_timeout, touch_interval=touch_interval
            ),
            options=SessionOptions(
                max_size=max_size,
                compress_threshold=compress_threshold,
                exclude_paths=tuple(exclude_paths),
            ),
            clock=clock,
        )
        self.events = EventEmitter(on_event)
        self._cookie_name = session_cookie
        self._unavailable = unavailable_response or _ServiceUnavailable(retry_after)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self.app(scope, functools.partial(self._receive_lifespan, receive), send)
            return
        if kind not in ("http", "websocket") or self.core.is_excluded(scope["path"]):
            await self.app(scope, receive, send)
            return
        cookie = _cookie_value(scope, self._cookie_name)
        try:
            loaded = await run_async(self.core.open(cookie, self.clock()), self.store)
        except StoreError as exc:
            self._store_failed(exc)
            await self._refuse(scope, receive, send)
            return
        self._emit(loaded.events)
        scope["session"] = loaded.session
        if kind == "websocket":
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, _ResponseStart(self, scope, loaded, send))

    async def finish(self, scope: Scope, loaded: Loaded, status: int) -> Outcome:
        """Run the commit flow for one response start (raises ``StoreError``)."""
        secure = scope.get("scheme") in ("https", "wss")
        flow = commit(self.core, loaded, now=self.clock(), status=status, secure=secure)
        outcome = await run_async(flow, self.store)
        self._emit(outcome.events)
        return outcome

    def _emit(self, events: tuple[Event, ...]) -> None:
        for event in events:
            self.events.emit(event)

    def _store_failed(self, exc: StoreError) -> None:
        cause = type(exc.original_error).__name__ if exc.original_error else "StoreError"
        self.events.emit(StoreFailed(operation=exc.operation, error=cause))

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1013})
            return
        await self._unavailable(scope, receive, send)

    async def _receive_lifespan(self, receive: Receive) -> Message:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await self.inspect_store()
        return message

    async def inspect_store(self) -> None:
        """Emit warnings about store settings that can lose sessions (R4)."""
        inspect = getattr(self.store, "inspect_server", None)
        if inspect is None:
            return
        try:
            warnings: list[Event] = await inspect()
        except StoreError as exc:
            self._store_failed(exc)
            return
        self._emit(tuple(warnings))


class _ResponseStart:
    """The ``send`` wrapper: commits the session when the response starts."""

    __slots__ = ("_loaded", "_middleware", "_replaced", "_scope", "_send")

    def __init__(self, middleware: SessionMiddleware, scope: Scope, loaded: Loaded, send: Send):
        self._middleware = middleware
        self._scope = scope
        self._loaded = loaded
        self._send = send
        self._replaced = False

    async def __call__(self, message: Message) -> None:
        if message["type"] != "http.response.start":
            if not self._replaced:
                await self._send(message)
            return
        try:
            outcome = await self._middleware.finish(self._scope, self._loaded, message["status"])
        except StoreError as exc:
            # The handler ran but its session could not be saved: say so, don't pretend.
            self._middleware._store_failed(exc)
            self._replaced = True
            await self._middleware._unavailable(self._scope, _no_body, self._send)
            return
        _apply(message, outcome, read=self._loaded.session.accessed)
        await self._send(message)


def _apply(message: Message, outcome: Outcome, *, read: bool) -> None:
    headers = MutableHeaders(scope=message)
    if outcome.set_cookie is not None:
        headers.append("set-cookie", outcome.set_cookie)
        if "cache-control" not in headers:
            headers["cache-control"] = "no-store"
    if read or outcome.set_cookie is not None:
        headers.add_vary_header("Cookie")


class _ServiceUnavailable:
    """The default answer when the store is down: 503, ``Retry-After``, no details."""

    def __init__(self, retry_after: int) -> None:
        if retry_after < 0:
            raise ConfigurationError("retry_after", "use a number of seconds >= 0")
        self._headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"retry-after", str(retry_after).encode()),
            (b"cache-control", b"no-store"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b"Service Unavailable"
        headers = [*self._headers, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


def _cookie_value(scope: Scope, name: str) -> str | None:
    """The first value of cookie ``name`` in the request headers, or ``None``."""
    header: bytes
    raw: bytes
    for header, raw in scope["headers"]:
        if header != b"cookie":
            continue
        for part in raw.decode("latin-1").split(";"):
            key, sep, val = part.strip().partition("=")
            if sep and key == name:
                return val
    return None


def _secrets(
    secret_key: str | bytes | object | None, secret_keys: Sequence[str | bytes | object] | None
) -> list[str | bytes | object]:
    if (secret_key is None) == (secret_keys is None):
        raise ConfigurationError("secret_key", "give exactly one of secret_key or secret_keys")
    if secret_keys is not None:
        if isinstance(secret_keys, (str, bytes)):
            raise ConfigurationError("secret_keys", "give a list of secrets, newest first")
        return list(secret_keys)
    return [secret_key]


def get_session(connection: Any) -> Session:
    """The typed :class:`Session` of a Starlette ``Request``/``WebSocket`` (or ASGI scope)."""
    scope = connection if isinstance(connection, dict) else connection.scope
    session = scope.get("session")
    if not isinstance(session, Session):
        raise LookupError("no session_middleware session: is SessionMiddleware installed?")
    session.mark_accessed()
    return session
