"""The Flask adapter: the same sessions for WSGI apps, through ``flask.session``.

    from session_middleware.flask import init_app

    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ["SESSION_SECRET"]
    init_app(app, store=SyncRedisStore.from_url(os.environ["REDIS_URL"]))

Flask's own configuration keys mean what they mean in Flask: ``SECRET_KEY`` and
``SECRET_KEY_FALLBACKS`` (the keyring, newest first), ``SESSION_COOKIE_NAME``, ``_DOMAIN``,
``_PATH``, ``_HTTPONLY``, ``_SECURE``, ``_SAMESITE``, ``_PARTITIONED``,
``PERMANENT_SESSION_LIFETIME`` (the cookie's life when ``session.permanent``, and the idle
timeout unless one is given) and ``SESSION_REFRESH_EACH_REQUEST``. Values are kept in
Flask's tagged JSON, so tuples, bytes, ``Markup``, UUIDs and datetimes round-trip as with
Flask's default session. Everything else is the core the ASGI middleware runs: a session
written here loads in a Starlette app with the same secrets and store, and back.
"""

from session_middleware.flask.guards import require_login, require_recent_auth
from session_middleware.flask.interface import (
    FlaskSessionInterface,
    get_manager,
    init_app,
    mark_passive,
)
from session_middleware.flask.session import FlaskSession, TaggedJSON

__all__ = [
    "FlaskSession",
    "FlaskSessionInterface",
    "TaggedJSON",
    "get_manager",
    "init_app",
    "mark_passive",
    "require_login",
    "require_recent_auth",
]
