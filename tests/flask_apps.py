"""The Flask twin of tests/apps.py: the same routes, through flask.session."""

from __future__ import annotations

import dataclasses
from typing import Any

import flask

from session_middleware import SessionLimitExceeded
from session_middleware.flask import (
    FlaskSession,
    get_manager,
    init_app,
    mark_passive,
    require_login,
    require_recent_auth,
)


def _session() -> FlaskSession:
    session = flask.session
    assert isinstance(session, FlaskSession)
    return session


def _view() -> dict[str, Any]:
    session = _session()
    return {"data": {k: v for k, v in session.items() if k != "_permanent"}, "is_new": session.new}


def build_flask_app(secret_key: str, **options: Any) -> flask.Flask:
    """The Flask test app behind ``init_app(app, **options)``."""
    app = flask.Flask(__name__)
    app.config["SECRET_KEY"] = secret_key
    app.config.update(options.pop("config", {}))
    app.extensions["calls"] = []
    init_app(app, **options)
    _routes(app)
    return app


def _routes(app: flask.Flask) -> None:
    @app.get("/")
    def read() -> Any:
        return _view()

    @app.post("/set")
    def write() -> Any:
        _session().update(flask.request.get_json())
        return _view()

    @app.post("/append/<key>")
    def append(key: str) -> Any:
        _session()[key].append(flask.request.args["item"])
        return _view()

    @app.post("/clear")
    def clear() -> Any:
        _session().clear()
        return _view()

    @app.post("/login")
    def login() -> Any:
        body = flask.request.get_json()
        try:
            _session().login(body["user"], method=body.get("method", "password"))
        except SessionLimitExceeded as refused:
            return {"detail": refused.reason}, 409
        return _view()

    @app.post("/logout")
    def logout() -> Any:
        _session().logout()
        return _view()

    @app.post("/regenerate")
    def regenerate() -> Any:
        _session().regenerate()
        return _view()

    @app.post("/reauth")
    def reauth() -> Any:
        _session().reauthenticate(method="webauthn")
        return _view()

    @app.get("/whoami")
    def whoami() -> Any:
        session = _session()
        return {
            "user": session.user_id,
            "auth_time": session.auth_time,
            "needs_reauth": session.needs_reauth(),
            "handle": session.handle,
        }

    @app.get("/sensitive")
    @require_recent_auth(300)
    def sensitive() -> Any:
        app.extensions["calls"].append("sensitive")
        return "sensitive ok"

    @app.get("/members")
    @require_login()
    def members() -> Any:
        return "members ok"

    @app.get("/sessions")
    def my_sessions() -> Any:
        return [dataclasses.asdict(info) for info in _session().sessions()]

    @app.post("/revoke/<handle>")
    def revoke(handle: str) -> Any:
        return {"revoked": get_manager().revoke(_session().user_id or "", handle)}

    @app.get("/poll")
    def poll() -> Any:
        mark_passive()
        return _view()

    @app.post("/fail")
    def fail() -> Any:
        _session()["doomed"] = True
        return "oops", 500

    @app.post("/permanent")
    def permanent() -> Any:
        _session().permanent = True
        return _view()
