"""Flask's ``SessionInterface`` over the core and a sync store, and ``init_app``."""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

import flask
from flask.sessions import SessionInterface, SessionMixin

from session_middleware.actions import SyncActions
from session_middleware.core.cookies import CookieRead
from session_middleware.core.lifecycle import SessionCore
from session_middleware.core.options import (
    Binding,
    CookieOptions,
    SessionOptions,
    Timeouts,
    fails_open,
    timeouts_from,
)
from session_middleware.core.saving import Outcome, commit, settled, with_device
from session_middleware.core.state import RequestState
from session_middleware.crypto.keyring import Keyring
from session_middleware.drivers import run_sync
from session_middleware.errors import (
    ConfigurationError,
    SessionBusy,
    SessionConflict,
    StoreError,
)
from session_middleware.events import EventEmitter, StoreFailed, WriteConflict
from session_middleware.flask.session import FlaskSession, TaggedJSON, UnavailableSession
from session_middleware.manager import RiskThresholds, SyncSessionManager
from session_middleware.policies import Policy
from session_middleware.stores.memory import MemoryStore
from session_middleware.strategies import WriteStrategy
from session_middleware.types import Clock, EventSink, SyncStore

__all__ = ["FlaskSessionInterface", "get_manager", "init_app", "mark_passive"]

_EXTENSION = "session_middleware"
_PASSIVE = "_session_middleware_passive"
_UNAVAILABLE = "_session_middleware_unavailable"


@dataclass
class _Runtime:
    """What one Flask app's configuration makes of the options."""

    core: SessionCore
    store: SyncStore
    actions: SyncActions
    manager: SyncSessionManager
    events: EventEmitter
    clock: Clock


class FlaskSessionInterface(SessionInterface):
    """Flask's ``SessionInterface`` over the core and a sync store (memory by default)."""

    def __init__(
        self,
        *,
        store: SyncStore | None = None,
        idle_timeout: float | None = None,
        absolute_timeout: float | None = None,
        touch_interval: float | None = None,
        reauth_after: float | None = None,
        timeouts: Timeouts | None = None,
        binding: Binding | None = None,
        policy: Policy | None = None,
        risk: RiskThresholds | None = None,
        write_strategy: WriteStrategy | None = None,
        max_size: int = 64 * 1024,
        exclude_paths: Sequence[str] = (),
        passive_paths: Sequence[str] = (),
        on_store_error: Literal["fail_closed", "fail_open"] = "fail_closed",
        on_event: EventSink | None = None,
        clock: Clock = time.time,
        retry_after: int = 5,
    ) -> None:
        self.store: SyncStore = store if store is not None else MemoryStore(clock=clock).as_sync()
        self._timeouts = (idle_timeout, absolute_timeout, touch_interval, reauth_after, timeouts)
        # Everything of the core but what the app's configuration gives (keys, cookie).
        self._make_core = functools.partial(
            SessionCore,
            options=SessionOptions(
                max_size=max_size,
                exclude_paths=tuple(exclude_paths),
                passive_paths=tuple(passive_paths),
            ),
            clock=clock,
            binding=binding,
            policy=policy,
            strategy=write_strategy,
            codec=TaggedJSON(),
            session_class=FlaskSession,
        )
        self._risk, self._on_event, self._clock = risk, on_event, clock
        self._fail_open = fails_open(on_store_error)
        self.retry_after = retry_after
        self._runtimes: dict[int, _Runtime] = {}

    def runtime(self, app: flask.Flask) -> _Runtime:
        """The core and helpers for ``app``, built from its configuration on first use."""
        found = self._runtimes.get(id(app))
        if found is None:
            found = self._runtimes[id(app)] = self._build(app)
        return found

    def _build(self, app: flask.Flask) -> _Runtime:
        config = app.config
        lifetime = int(app.permanent_session_lifetime.total_seconds())
        idle, absolute, touch, reauth, timeouts = self._timeouts
        core = self._make_core(
            keyring=Keyring(_flask_secrets(config)),
            cookie=CookieOptions(
                name=self.get_cookie_name(app),
                max_age=lifetime,
                path=self.get_cookie_path(app),
                domain=self.get_cookie_domain(app),
                https_only=True if self.get_cookie_secure(app) else None,
                partitioned=self.get_cookie_partitioned(app),
            ),
            timeouts=timeouts_from(
                timeouts, idle if idle or timeouts else lifetime, absolute, touch, reauth
            ),
        )
        events = EventEmitter(self._on_event)
        return _Runtime(
            core=core,
            store=self.store,
            events=events,
            clock=self._clock,
            actions=SyncActions(core, self.store, self._clock, events),
            manager=SyncSessionManager(core, self.store, self._clock, events, self._risk),
        )

    def open_session(self, app: flask.Flask, request: flask.Request) -> FlaskSession | None:
        """Load the request's session (one store round trip, none without a cookie)."""
        rt = self.runtime(app)
        if rt.core.is_excluded(request.path):
            return None
        signals = rt.core.binding.signals(request.user_agent.string, request.remote_addr)
        try:
            cookie = request.cookies.get(rt.core.cookies.options.name)
            state = run_sync(rt.core.open(cookie, rt.clock(), signals), rt.store, rt.events.counts)
        except (StoreError, SessionBusy) as exc:
            if isinstance(exc, StoreError):
                _report_store_failure(rt, exc)
            if not (self._fail_open and isinstance(exc, StoreError)):
                setattr(flask.g, _UNAVAILABLE, True)
                return UnavailableSession({}, session_id="", is_new=True)
            state = rt.core.fresh(CookieRead(), signals)
        state.device_cookie = request.cookies.get(rt.core.cookies.device_name)
        state.passive = rt.core.is_passive(request.path)
        state.session.attach(rt.actions, state)
        rt.events.emit_all(state.drain_events())
        return cast(FlaskSession, state.session)

    def save_session(
        self, app: flask.Flask, session: SessionMixin, response: flask.Response
    ) -> None:
        """Write back what changed, hand out cookies, release a lock."""
        if not isinstance(session, FlaskSession) or session.unavailable:
            return
        rt = self.runtime(app)
        state = cast(RequestState, session._state)
        state.passive = state.passive or bool(flask.g.get(_PASSIVE))
        try:
            outcome = self._commit(rt, state, response)
        finally:
            session.mark_committed()
            if state.lock is not None:
                _release(rt, state)
        if outcome is not None:
            self._apply(app, rt, session, outcome, response)

    def _commit(
        self, rt: _Runtime, state: RequestState, response: flask.Response
    ) -> Outcome | None:
        try:
            now, status = rt.clock(), response.status_code
            outcome = settled(rt.core, state, now=now, status=status)
            if outcome is None:
                flow = commit(rt.core, state, now=now, status=status)
                outcome = run_sync(flow, rt.store, rt.events.counts)
            outcome = with_device(state, outcome)
        except StoreError as exc:
            _report_store_failure(rt, exc)
            _replace(response, 503, "Service Unavailable", self.retry_after)
            return None
        except SessionConflict as exc:
            handle = rt.core.identity.handle(state.session.id)
            rt.events.emit(WriteConflict(handle=handle, attempts=exc.attempts))
            _replace(response, 409, "Conflict: the session changed concurrently; retry", None)
            return None
        rt.events.emit_all(outcome.events)
        return outcome

    def _apply(
        self,
        app: flask.Flask,
        rt: _Runtime,
        session: FlaskSession,
        outcome: Outcome,
        response: flask.Response,
    ) -> None:
        """Cookies in Werkzeug's spelling, with Flask's attributes; ``Vary: Cookie``."""
        set_id = outcome.set_id
        if set_id is None and self._refresh(app, session, outcome):
            set_id = session.id
        options = self._cookie_attributes(app)
        name = rt.core.cookies.options.name
        if set_id is not None:
            max_age = rt.core.cookies.options.max_age if session.permanent else None
            response.set_cookie(
                name, rt.core.cookies.signer.sign(set_id), max_age=max_age, **options
            )
        elif outcome.expire:
            response.delete_cookie(name, **options)
        if outcome.device_id is not None:
            response.set_cookie(
                rt.core.cookies.device_name,
                rt.core.cookies.device_value(outcome.device_id),
                max_age=400 * 24 * 3600,
                **options,
            )
        if session.accessed or set_id is not None or outcome.sets_cookies:
            response.vary.add("Cookie")

    def _refresh(self, app: flask.Flask, session: FlaskSession, outcome: Outcome) -> bool:
        """Flask's SESSION_REFRESH_EACH_REQUEST: a permanent session's cookie, every time."""
        stored = session._state is not None and session._state.record is not None
        refresh = bool(app.config["SESSION_REFRESH_EACH_REQUEST"])
        return stored and not outcome.expire and session.permanent and refresh

    def _cookie_attributes(self, app: flask.Flask) -> dict[str, Any]:
        return {
            "domain": self.get_cookie_domain(app),
            "path": self.get_cookie_path(app),
            "secure": self.get_cookie_secure(app),
            "httponly": self.get_cookie_httponly(app),
            "samesite": self.get_cookie_samesite(app),
            "partitioned": self.get_cookie_partitioned(app),
        }


def _flask_secrets(config: flask.Config) -> list[str | bytes]:
    secret = config.get("SECRET_KEY")
    if not secret:
        raise ConfigurationError("SECRET_KEY", "set app.config['SECRET_KEY'] to a long secret")
    fallbacks = config.get("SECRET_KEY_FALLBACKS") or []
    return [secret, *fallbacks]


def _report_store_failure(rt: _Runtime, exc: StoreError) -> None:
    cause = type(exc.original_error).__name__ if exc.original_error else "StoreError"
    rt.events.emit(StoreFailed(operation=exc.operation, error=cause))


def _release(rt: _Runtime, state: RequestState) -> None:
    try:
        run_sync(rt.core.release(state), rt.store)
    except StoreError as exc:
        _report_store_failure(rt, exc)


def _replace(response: flask.Response, status: int, text: str, retry_after: int | None) -> None:
    """Turn the view's response into a plain answer: nothing the view wrote survives."""
    response.status_code = status
    response.set_data(text.encode())
    response.mimetype = "text/plain"
    response.headers["Cache-Control"] = "no-store"
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)


def _refuse_unavailable() -> flask.Response | None:
    """``before_request``: answer 503 when the session could not be loaded."""
    if flask.g.get(_UNAVAILABLE):
        interface = cast(FlaskSessionInterface, flask.current_app.session_interface)
        response = flask.Response()
        _replace(response, 503, "Service Unavailable", interface.retry_after)
        return response
    return None


def init_app(app: flask.Flask, **options: Any) -> FlaskSessionInterface:
    """Install the session interface on ``app`` (options as :class:`FlaskSessionInterface`).

    Configure the app first: the configuration is read once, here when ``SECRET_KEY`` is
    already set (so a weak secret or a bad cookie setting fails at start-up, not on the
    first request), otherwise on the first request.
    """
    interface = FlaskSessionInterface(**options)
    app.session_interface = interface
    app.extensions[_EXTENSION] = interface
    app.before_request(_refuse_unavailable)
    if app.config.get("SECRET_KEY"):
        interface.runtime(app)
    return interface


def get_manager(app: flask.Flask | None = None) -> SyncSessionManager:
    """The :class:`SyncSessionManager` of ``app`` (default: the current app)."""
    app = app or flask.current_app
    interface = app.extensions.get(_EXTENSION)
    if not isinstance(interface, FlaskSessionInterface):
        raise LookupError("session_middleware.flask.init_app(app) has not been called")
    return interface.runtime(app).manager


def mark_passive() -> None:
    """Mark this request passive: it never slides the idle deadline nor touches the store."""
    setattr(flask.g, _PASSIVE, True)
