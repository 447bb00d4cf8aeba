"""A Flask app on session_middleware: log in, see your sessions, revoke them, and a page
that asks for a recent login.

    FLASK_APP=examples.flask_app .venv/bin/flask run    # in-memory store

Set ``REDIS_URL`` for Redis and ``SESSION_SECRET`` for your own secret. The password check
is a stand-in: every user's password is "password".
"""

from __future__ import annotations

import hmac
import html
import os

import flask
from werkzeug.wrappers import Response

from session_middleware import MemoryStore
from session_middleware.flask import FlaskSession, get_manager, init_app, require_recent_auth
from session_middleware.types import SyncStore

DEV_SECRET = "demo-only-secret-do-not-use-in-production"

LOGIN_FORM = """<form method="post" action="/login">
<input name="user" placeholder="user name" required>
<input name="password" type="password" placeholder="password" required>
<button>Log in</button></form>"""


def _session() -> FlaskSession:
    session = flask.session
    if not isinstance(session, FlaskSession):
        raise RuntimeError("session_middleware.flask.init_app was not called")
    return session


def home() -> str:
    session = _session()
    if session.user_id is None:
        return f"<h1>Welcome</h1>{LOGIN_FORM}"
    rows = "".join(
        f"<li>{html.escape(s.device)}{' (this one)' if s.current else ''}"
        f"<form method='post' action='/revoke/{s.handle}'><button>Sign out</button></form></li>"
        for s in session.sessions()
    )
    return (
        f"<h1>Hello {html.escape(session.user_id)}</h1><ul>{rows}</ul>"
        "<p><a href='/account'>Account settings</a></p>"
        "<form method='post' action='/logout'><button>Log out</button></form>"
    )


def login() -> Response:
    form = flask.request.form
    if not hmac.compare_digest(form.get("password", ""), "password"):
        return Response("wrong password", status=401)
    _session().login(form["user"], method="password")
    return flask.redirect("/", code=303)


def logout() -> Response:
    _session().logout()
    return flask.redirect("/", code=303)


def revoke(handle: str) -> Response:
    user_id = _session().user_id
    if user_id is not None:
        get_manager().revoke(user_id, handle)
    return flask.redirect("/", code=303)


@require_recent_auth(300)
def account() -> str:
    return "<h1>Account settings</h1><p>You logged in within the last five minutes.</p>"


def build_store() -> SyncStore:
    """Redis when ``REDIS_URL`` is set, otherwise the embedded in-memory store."""
    url = os.environ.get("REDIS_URL")
    if not url:
        return MemoryStore().as_sync()
    from session_middleware import SyncRedisStore  # needs the redis extra

    return SyncRedisStore.from_url(url)


def create_app(store: SyncStore | None = None) -> flask.Flask:
    """The example app over ``store`` (default: see :func:`build_store`)."""
    app = flask.Flask(__name__)
    app.config["SECRET_KEY"] = os.environ.get("SESSION_SECRET", DEV_SECRET)
    init_app(app, store=store if store is not None else build_store())
    app.add_url_rule("/", view_func=home)
    app.add_url_rule("/login", view_func=login, methods=["POST"])
    app.add_url_rule("/logout", view_func=logout, methods=["POST"])
    app.add_url_rule("/revoke/<handle>", view_func=revoke, methods=["POST"])
    app.add_url_rule("/account", view_func=account)
    return app


app = create_app()
