"""The pure ASGI middleware for Starlette and FastAPI (no ``BaseHTTPMiddleware``).

``__init__`` validates and precomputes; ``__call__`` keeps per-request state in locals and
in one small send wrapper. Decisions live in the core; this module only reads headers,
drives the core's flows against the store and edits the response start.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from session_middleware.actions import AsyncActions
from session_middleware.core.cookies import CookieCodec, CookieRead
from session_middleware.core.lifecycle import SessionCore
from session_middleware.core.meta import ClientSignals
from session_middleware.core.options import (
    DAY,
    Binding,
    CookieOptions,
    SameSite,
    SessionOptions,
    Timeouts,
    fails_open,
    secrets_from,
    timeouts_from,
)
from session_middleware.core.record import serialize_data
from session_middleware.core.saving import Outcome, commit, settled, with_device
from session_middleware.core.session import Session
from session_middleware.core.state import RequestState
from session_middleware.crypto.keyring import Keyring
from session_middleware.drivers import run_async
from session_middleware.errors import (
    AuthenticationRequired,
    SessionBusy,
    SessionCommitted,
    SessionConflict,
    StoreError,
)
from session_middleware.events import Event, EventEmitter, StoreFailed, WriteConflict
from session_middleware.headers import request_headers
from session_middleware.manager import MANAGER, RiskThresholds, SessionManager
from session_middleware.policies import Policy
from session_middleware.responses import ServiceUnavailable, conflict, no_body
from session_middleware.stores.memory import MemoryStore
from session_middleware.strategies import WriteStrategy
from session_middleware.types import AsyncStore, Clock, EventSink

__all__ = ["PASSIVE", "SessionMiddleware", "get_session", "mark_passive"]

PASSIVE = "session_middleware.passive"
"""Scope key: a truthy value marks the request passive (it never slides the idle deadline)."""


class SessionMiddleware:
    """Server-side, encrypted sessions as ``request.session``.

    A drop-in for ``starlette.middleware.sessions.SessionMiddleware``: the same keywords
    mean the same thing. With no ``store`` the in-memory store is used. Timeouts are given
    either one by one or as one :class:`Timeouts` value (``Timeouts.nist_aal2()``).
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
        idle_timeout: float | None = None,
        absolute_timeout: float | None = None,
        touch_interval: float | None = None,
        reauth_after: float | None = None,
        timeouts: Timeouts | None = None,
        binding: Binding | None = None,
        policy: Policy | None = None,
        risk: RiskThresholds | None = None,
        max_size: int = 64 * 1024,
        compress_threshold: int | None = None,
        exclude_paths: Sequence[str] = (),
        passive_paths: Sequence[str] = (),
        write_strategy: WriteStrategy | None = None,
        on_store_error: Literal["fail_closed", "fail_open"] = "fail_closed",
        on_event: EventSink | None = None,
        clock: Clock = time.time,
        retry_after: int = 5,
        unavailable_response: ASGIApp | None = None,
    ) -> None:
        self.app = app
        self.clock = clock
        self.store: AsyncStore = store if store is not None else MemoryStore(clock=clock)
        self.core = SessionCore(
            keyring=Keyring(secrets_from(secret_key, secret_keys)),
            cookie=CookieOptions(
                name=session_cookie,
                max_age=max_age,
                path=path,
                domain=domain,
                same_site=same_site,
                https_only=https_only,
                partitioned=partitioned,
            ),
            timeouts=timeouts_from(
                timeouts, idle_timeout, absolute_timeout, touch_interval, reauth_after
            ),
            options=SessionOptions(
                max_size=max_size,
                compress_threshold=compress_threshold,
                exclude_paths=tuple(exclude_paths),
                passive_paths=tuple(passive_paths),
            ),
            clock=clock,
            binding=binding,
            policy=policy,
            strategy=write_strategy,
        )
        self._fail_open = fails_open(on_store_error)
        self.events = EventEmitter(on_event)
        self.counters = self.events.counts
        """Counts since start (O3): store commands (``load``, ``save``, ``touch``, ...) and
        events (``session_expired``, ``cookie_rejected``, ``write_conflict``, ...)."""
        self.actions = AsyncActions(self.core, self.store, clock, self.events)
        self.manager = SessionManager(self.core, self.store, clock, self.events, risk)
        self._cookie_names = (
            session_cookie.encode("latin-1"),
            self.core.cookies.device_name.encode("latin-1"),
        )
        self._unavailable = unavailable_response or ServiceUnavailable(retry_after)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self.app(scope, functools.partial(self._receive_lifespan, receive), send)
            return
        if kind not in ("http", "websocket") or self.core.is_excluded(scope["path"]):
            await self.app(scope, receive, send)
            return
        try:
            state = await self.load(scope)
        except (StoreError, SessionBusy) as exc:
            fallback = await self._unloaded(scope, receive, send, exc)
            if fallback is None:
                return
            state = fallback
        try:
            if kind == "websocket":
                await self.app(scope, receive, send)
            else:
                await self._serve(scope, receive, _ResponseStart(self, scope, state, send))
        finally:
            if state.lock is not None:
                await self._release(state)
        if state.committed_form is not None:
            self._check_unchanged(state)

    async def _unloaded(
        self, scope: Scope, receive: Receive, send: Send, exc: StoreError | SessionBusy
    ) -> RequestState | None:
        """The session could not be loaded: fail open, or answer 503 and return ``None``."""
        if isinstance(exc, StoreError):
            self.store_failed(exc)
            if self._fail_open:
                return self._attach(scope, self.core.fresh(CookieRead(), self._signals(scope)))
        await self._refuse(scope, receive, send)
        return None

    async def load(self, scope: Scope) -> RequestState:
        """Open the request's session and put it in ``scope["session"]``."""
        cookie, device, user_agent = request_headers(scope, self._cookie_names)
        signals = self._signals(scope, user_agent)
        flow = self.core.open(cookie, self.clock(), signals)
        state = await run_async(flow, self.store, self.events.counts)
        state.device_cookie = device
        return self._attach(scope, state)

    def _signals(self, scope: Scope, user_agent: str | None = None) -> ClientSignals:
        if user_agent is None:
            user_agent = request_headers(scope, self._cookie_names)[2]
        client = scope.get("client")
        return self.core.binding.signals(user_agent, client[0] if client else None)

    def _attach(self, scope: Scope, state: RequestState) -> RequestState:
        state.passive = self.core.is_passive(scope["path"])
        scope[MANAGER] = self.manager
        state.session.attach(self.actions, state)
        scope["session"] = state.session
        if state.events:
            self.events.emit_all(state.drain_events())
        return state

    async def _release(self, state: RequestState) -> None:
        """Release a ``Locking`` lease; a store failure here only delays the next request."""
        if state.lock is None:
            return
        try:
            await run_async(self.core.release(state), self.store)
        except StoreError as exc:
            self.store_failed(exc)

    def _check_unchanged(self, state: RequestState) -> None:
        """A nested change after the response started would be lost: refuse it loudly."""
        committed = state.committed_form
        if committed is not None and serialize_data(state.session, self.core.codec) != committed:
            raise SessionCommitted()

    async def _serve(self, scope: Scope, receive: Receive, send: _ResponseStart) -> None:
        """Run the app; answer a guard's refusal or a store failure raised inside it."""
        try:
            await self.app(scope, receive, send)
        except AuthenticationRequired as refusal:
            if send.started:
                raise
            await refusal.response(scope, receive, send)
        except StoreError as exc:
            if send.started:
                raise
            self.store_failed(exc)
            await self._unavailable(scope, receive, send.raw_send)

    async def finish(self, scope: Scope, state: RequestState, status: int) -> Outcome:
        """Run the commit flow for one response start (raises ``StoreError``)."""
        state.passive = state.passive or bool(scope.get(PASSIVE))
        now = self.clock()
        outcome = settled(self.core, state, now=now, status=status)
        if outcome is None:
            flow = commit(self.core, state, now=now, status=status)
            outcome = await run_async(flow, self.store, self.events.counts)
        outcome = with_device(state, outcome)
        if outcome.events:
            self.events.emit_all(outcome.events)
        return outcome

    def write_conflict(self, state: RequestState, exc: SessionConflict) -> None:
        """Report a write dropped after losing too many races (answered 409)."""
        handle = self.core.identity.handle(state.session.id)
        self.events.emit(WriteConflict(handle=handle, attempts=exc.attempts))

    def store_failed(self, exc: StoreError) -> None:
        """Report a store failure (the caller answers the request)."""
        cause = type(exc.original_error).__name__ if exc.original_error else "StoreError"
        self.events.emit(StoreFailed(operation=exc.operation, error=cause))

    async def unavailable(self, scope: Scope, send: Send) -> None:
        """Answer with the configured store-unavailable response."""
        await self._unavailable(scope, no_body, send)

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
            self.store_failed(exc)
            return
        self.events.emit_all(warnings)


class _ResponseStart:
    """The ``send`` wrapper: commits the session when the response starts."""

    __slots__ = ("_middleware", "_replaced", "_scope", "_state", "raw_send", "started")

    def __init__(
        self, middleware: SessionMiddleware, scope: Scope, state: RequestState, send: Send
    ) -> None:
        self._middleware = middleware
        self._scope = scope
        self._state = state
        self.raw_send = send
        self.started = False
        self._replaced = False

    async def __call__(self, message: Message) -> None:
        if message["type"] != "http.response.start":
            if not self._replaced:
                await self.raw_send(message)
            return
        self.started = True
        try:
            outcome = await self._middleware.finish(self._scope, self._state, message["status"])
        except StoreError as exc:
            # The handler ran but its session could not be saved: say so, don't pretend.
            self._middleware.store_failed(exc)
            await self._replace(self._middleware.unavailable)
            return
        except SessionConflict as exc:
            self._middleware.write_conflict(self._state, exc)
            await self._replace(conflict)
            return
        finally:
            self._state.session.mark_committed()
        if outcome.sets_cookies or self._state.session.accessed:
            secure = self._scope.get("scheme") in ("https", "wss")
            _apply(message, self._middleware.core.cookies, outcome, secure)
        await self.raw_send(message)

    async def _replace(self, respond: Callable[[Scope, Send], Awaitable[None]]) -> None:
        """Answer with ``respond`` instead of the app's response; drop the app's body."""
        self._replaced = True
        await respond(self._scope, self.raw_send)


def _apply(message: Message, cookies: CookieCodec, outcome: Outcome, secure: bool) -> None:
    """Add the outcome's cookies, in Starlette's spelling, and ``Vary: Cookie``."""
    headers = MutableHeaders(scope=message)
    if outcome.device_id is not None:
        value = cookies.device_value(outcome.device_id)
        headers.append("set-cookie", cookies.device_cookie(value, secure=secure))
    if outcome.set_id is not None:
        headers.append("set-cookie", cookies.set_cookie(outcome.set_id, secure=secure))
    elif outcome.expire:
        headers.append("set-cookie", cookies.expire_cookie(secure=secure))
    if outcome.sets_cookies and "cache-control" not in headers:
        headers["cache-control"] = "no-store"
    headers.add_vary_header("Cookie")


def get_session(connection: Any) -> Session:
    """The typed :class:`Session` of a Starlette ``Request``/``WebSocket`` (or ASGI scope)."""
    scope = connection if isinstance(connection, dict) else connection.scope
    session = scope.get("session")
    if not isinstance(session, Session):
        raise LookupError("no session_middleware session: is SessionMiddleware installed?")
    session.mark_accessed()
    return session


def mark_passive(connection: Any) -> None:
    """Mark this request passive: it loads the session but never slides its idle deadline
    nor touches the store (a page polling in the background must not keep it alive)."""
    scope = connection if isinstance(connection, dict) else connection.scope
    scope[PASSIVE] = True
