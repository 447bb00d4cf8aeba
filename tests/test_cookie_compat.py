"""C2: with Starlette's keywords the cookie is spelled exactly as Starlette 1.10 spells it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware as StarletteSessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from session_middleware import ConfigurationError, MemoryStore, SessionMiddleware
from tests.conftest import SECRET


async def login(request: Request) -> Response:
    request.session["user"] = "ada"
    return PlainTextResponse("ok")


async def logout(request: Request) -> Response:
    request.session.clear()
    return PlainTextResponse("bye")


def _app(middleware: Any, **options: Any) -> Starlette:
    routes = [Route("/app/login", login), Route("/app/logout", logout)]
    return Starlette(routes=routes, middleware=[Middleware(middleware, **options)])


def _cookies(middleware: Any, base_url: str = "http://example.com", **options: Any) -> list[str]:
    """Set-Cookie values (value part masked) for login then logout."""
    if middleware is SessionMiddleware:
        options["store"] = MemoryStore()
    with TestClient(_app(middleware, secret_key=SECRET, **options), base_url=base_url) as client:
        headers = [client.get("/app/login").headers["set-cookie"]]
        headers.append(client.get("/app/logout").headers["set-cookie"])
    return [re.sub(r"^([^=]+)=[^;]+", r"\1=V", h) for h in headers]


STARLETTE_KEYWORDS: list[dict[str, Any]] = [
    {},
    {"session_cookie": "sid", "max_age": 3600, "path": "/app", "same_site": "strict"},
    {"https_only": True, "domain": "example.com", "partitioned": True},
    {"max_age": None, "same_site": "none", "https_only": True},
]


@pytest.mark.parametrize("options", STARLETTE_KEYWORDS)
def test_set_cookie_is_spelled_as_starlettes(options: dict[str, Any]) -> None:
    base_url = "https://example.com" if options.get("https_only") else "http://example.com"
    ours = _cookies(SessionMiddleware, base_url, **options)
    theirs = _cookies(StarletteSessionMiddleware, base_url, **options)
    # Starlette spells the login cookie and the cleared one; ours must match both.
    assert ours[0] == theirs[0]
    assert ours[1].replace("V", "null", 1) == theirs[1].replace("V", "null", 1)


def test_default_cookie_attributes() -> None:
    login_cookie, logout_cookie = _cookies(SessionMiddleware)
    assert login_cookie == "session=V; path=/; Max-Age=1209600; httponly; samesite=lax"
    assert logout_cookie == (
        "session=V; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; httponly; samesite=lax"
    )


def test_https_request_gets_secure_cookie_when_https_only_is_unset() -> None:
    cookie = _cookies(SessionMiddleware, base_url="https://example.com")[0]
    assert cookie.endswith("; secure")


def test_https_only_false_never_sets_secure() -> None:
    cookie = _cookies(SessionMiddleware, base_url="https://example.com", https_only=False)[0]
    assert "secure" not in cookie


def test_host_prefixed_cookie_is_accepted_with_secure_root_path() -> None:
    cookie = _cookies(
        SessionMiddleware,
        base_url="https://example.com",
        session_cookie="__Host-s",
        https_only=True,
    )[0]
    assert cookie.startswith("__Host-s=V; path=/;") and cookie.endswith("; secure")


@pytest.mark.parametrize(
    ("options", "option_named"),
    [
        ({"session_cookie": "__Host-s"}, "https_only"),
        ({"session_cookie": "__Host-s", "https_only": True, "path": "/app"}, "session_cookie"),
        ({"session_cookie": "__Host-s", "https_only": True, "domain": "x.org"}, "session_cookie"),
        ({"session_cookie": "__Secure-s"}, "https_only"),
        ({"session_cookie": "bad name"}, "session_cookie"),
        ({"same_site": "sometimes"}, "same_site"),
        ({"max_age": 0}, "max_age"),
        ({"secret_key": "short"}, "secret_key"),
        ({"idle_timeout": 60, "touch_interval": 60}, "touch_interval"),
    ],
)
def test_bad_configuration_is_refused_at_start(options: dict[str, Any], option_named: str) -> None:
    options.setdefault("secret_key", SECRET)
    with pytest.raises(ConfigurationError) as info:
        SessionMiddleware(_app(StarletteSessionMiddleware, secret_key=SECRET), **options)
    assert info.value.option == option_named


def test_exactly_one_of_secret_key_and_secret_keys() -> None:
    app = _app(StarletteSessionMiddleware, secret_key=SECRET)
    with pytest.raises(ConfigurationError):
        SessionMiddleware(app)
    with pytest.raises(ConfigurationError):
        SessionMiddleware(app, secret_key=SECRET, secret_keys=[SECRET])


def test_a_starlette_app_that_swaps_the_import_keeps_working() -> None:
    """The same app, configured the Starlette way, reads back what it wrote."""
    app = Starlette(routes=[Route("/login", login)])
    app.add_middleware(SessionMiddleware, secret_key=SECRET, max_age=3600, same_site="strict")
    with TestClient(app) as client:
        assert client.get("/login").headers["set-cookie"].startswith("session=")
        assert "set-cookie" not in client.get("/login").headers
