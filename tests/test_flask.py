"""Flask's own habits (F1): session_transaction, permanent sessions, SECRET_KEY_FALLBACKS,
Vary on access, tagged JSON values, fail-closed; and one login shared with Starlette."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from markupsafe import Markup
from starlette.testclient import TestClient

from session_middleware import MemoryStore, RedisStore
from session_middleware.flask import FlaskSession
from session_middleware.stores.redis import SyncRedisStore
from tests.apps import build_app
from tests.conftest import SECRET
from tests.flask_apps import build_flask_app
from tests.redis_server import RedisServer, free_port

OLD = "an-old-flask-secret-0123456789"


def test_session_transaction_reads_and_writes() -> None:
    client = build_flask_app(SECRET).test_client()
    client.post("/set", json={"a": 1})
    with client.session_transaction() as session:
        assert dict(session) == {"a": 1}
        session["b"] = 2
    assert client.get("/").json == {"data": {"a": 1, "b": 2}, "is_new": False}


def test_permanent_sessions_get_the_configured_lifetime() -> None:
    config = {"PERMANENT_SESSION_LIFETIME": datetime.timedelta(hours=2)}
    client = build_flask_app(SECRET, config=config).test_client()
    assert "Max-Age" not in client.post("/set", json={"a": 1}).headers["Set-Cookie"]
    cookie = client.post("/permanent").headers["Set-Cookie"]
    assert "Max-Age=7200" in cookie
    refreshed = client.get("/").headers.get("Set-Cookie", "")
    assert "Max-Age=7200" in refreshed  # SESSION_REFRESH_EACH_REQUEST


def test_no_refresh_each_request_when_disabled() -> None:
    config = {"SESSION_REFRESH_EACH_REQUEST": False}
    client = build_flask_app(SECRET, config=config).test_client()
    client.post("/permanent")
    assert "Set-Cookie" not in client.get("/").headers


def test_flask_cookie_configuration_is_honoured() -> None:
    config = {
        "SESSION_COOKIE_NAME": "sid",
        "SESSION_COOKIE_PATH": "/",
        "SESSION_COOKIE_SAMESITE": "Strict",
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_DOMAIN": "example.com",
    }
    client = build_flask_app(SECRET, config=config).test_client()
    cookie = client.post("/set", json={"a": 1}, base_url="https://example.com").headers[
        "Set-Cookie"
    ]
    assert cookie.startswith("sid=")
    for attribute in ("Domain=example.com", "Secure", "HttpOnly", "SameSite=Strict", "Path=/"):
        assert attribute in cookie


def test_secret_key_fallbacks_rotate_without_logging_anyone_out() -> None:
    store = MemoryStore().as_sync()
    old = build_flask_app(OLD, store=store).test_client()
    old.post("/set", json={"a": 1})
    cookie = old.get_cookie("session")
    assert cookie is not None
    rotated = build_flask_app(SECRET, store=store, config={"SECRET_KEY_FALLBACKS": [OLD]})
    client = rotated.test_client()
    client.set_cookie("session", cookie.value)
    assert client.get("/").json == {"data": {"a": 1}, "is_new": False}


def test_vary_cookie_only_when_the_session_is_accessed() -> None:
    app = build_flask_app(SECRET)

    @app.get("/plain")
    def plain() -> str:
        return "no session"

    client = app.test_client()
    assert "Vary" not in client.get("/plain").headers
    assert "Cookie" in client.get("/").headers["Vary"]


def test_flask_tagged_values_round_trip() -> None:
    app = build_flask_app(SECRET)
    values: dict[str, Any] = {
        "tuple": (1, 2),
        "bytes": b"\x00raw",
        "markup": Markup("<b>hi</b>"),
        "uuid": uuid.UUID(int=7),
        "when": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
    }

    @app.post("/tagged")
    def tagged() -> str:
        import flask

        flask.session.update(values)
        return "ok"

    @app.get("/tagged")
    def read_tagged() -> str:
        import flask

        return "same" if {k: flask.session[k] for k in values} == values else "different"

    client = app.test_client()
    client.post("/tagged")
    assert client.get("/tagged").text == "same"


def test_store_down_is_a_503_before_the_view() -> None:
    store = SyncRedisStore.from_url(
        f"redis://127.0.0.1:{free_port()}/0", socket_timeout=0.2, socket_connect_timeout=0.2
    )
    app = build_flask_app(SECRET, store=store)
    client = app.test_client()
    client.set_cookie("session", "anything")  # no cookie-less shortcut: it is rejected
    assert client.get("/").status_code == 200  # a bad cookie needs no store
    response = client.post("/set", json={"a": 1})
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "Traceback" not in response.text


def test_the_flask_session_is_a_flask_session() -> None:
    app = build_flask_app(SECRET)
    with app.test_request_context("/"):
        import flask

        app.preprocess_request()
        assert isinstance(flask.session, FlaskSession)
        assert flask.session.new and not flask.session.permanent


@pytest.fixture
def shared_redis(redis_server: RedisServer, prefix: str) -> Iterator[tuple[str, str]]:
    yield redis_server.url, prefix


def test_a_login_is_shared_between_flask_and_starlette(shared_redis: tuple[str, str]) -> None:
    url, prefix = shared_redis
    sync_store = SyncRedisStore.from_url(url, prefix=prefix)
    flask_client = build_flask_app(SECRET, store=sync_store).test_client()
    flask_client.post("/set", json={"cart": ["tea"]})
    flask_client.post("/login", json={"user": "ada"})
    cookie = flask_client.get_cookie("session")
    assert cookie is not None
    async_store = RedisStore.from_url(url, prefix=prefix)
    with TestClient(build_app(store=async_store, secret_key=SECRET)) as api:
        api.cookies.set("session", cookie.value)
        assert api.get("/").json() == {"data": {"cart": ["tea"]}, "is_new": False}
        assert api.get("/whoami").json()["user"] == "ada"
        api.post("/set", json={"from": "starlette"})
        api.portal.call(async_store.aclose)
    body = flask_client.get("/").get_json()
    assert body["data"] == {"cart": ["tea"], "from": "starlette"}
    sync_store.close()


def test_a_memory_store_is_shared_in_one_process() -> None:
    store = MemoryStore()
    flask_client = build_flask_app(SECRET, store=store.as_sync()).test_client()
    flask_client.post("/set", json={"a": 1})
    cookie = flask_client.get_cookie("session")
    assert cookie is not None
    with TestClient(build_app(store=store, secret_key=SECRET)) as api:
        api.cookies.set("session", cookie.value)
        assert api.get("/").json()["data"] == {"a": 1}


def test_session_transaction_with_the_clients_environ_keeps_a_login_unflagged() -> None:
    client = build_flask_app(SECRET).test_client()
    client.post("/login", json={"user": "ada"})
    with client.session_transaction(environ_base=client.environ_base) as session:
        session["x"] = 1
    assert client.get("/sensitive").status_code == 200


def test_a_weak_secret_is_refused_at_init_app() -> None:
    from session_middleware import ConfigurationError

    with pytest.raises(ConfigurationError) as info:
        build_flask_app("short")
    assert info.value.option == "secret_key"


def test_a_bad_on_store_error_is_refused_as_in_asgi() -> None:
    from session_middleware import ConfigurationError

    with pytest.raises(ConfigurationError) as info:
        build_flask_app(SECRET, on_store_error="shrug")
    assert info.value.option == "on_store_error"
