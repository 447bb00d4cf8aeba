"""Fixtures: the test run's own redis-server, both stores, a fake clock, app clients."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from hypothesis import HealthCheck, settings
from starlette.testclient import TestClient

from session_middleware import MemoryStore, RedisStore, SessionMiddleware
from session_middleware.stores.redis import SyncRedisStore
from session_middleware.testing import FakeClock
from session_middleware.types import AsyncStore
from tests.apps import build_app
from tests.browsers import Browser
from tests.redis_server import RedisServer, redis_required

settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

SECRET = "test-secret-0123456789-abcdefghijklmnop"


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    if RedisServer.binary() is None:
        if redis_required():
            pytest.fail("redis-server is missing and CI is set: install it (scripts/test does)")
        pytest.skip("redis-server is not installed")
    server = RedisServer()
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
def redis_client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    client = redis_server.client()
    yield client
    client.close()


@pytest.fixture
def prefix() -> str:
    """A key prefix of this test's own."""
    return f"t{uuid.uuid4().hex[:12]}:"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


StoreFactory = Callable[[], AsyncStore]


@pytest.fixture(params=["memory", "redis"])
def store_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
def make_store(
    store_kind: str, request: pytest.FixtureRequest, clock: FakeClock, prefix: str
) -> StoreFactory:
    """Builds a handle on this test's store (memory or real Redis), as each worker would.

    Every call in one test reaches the same data: the one MemoryStore, or the same Redis
    under the test's prefix through a new client (an asyncio client serves one loop).
    """
    if store_kind == "memory":
        shared = MemoryStore(clock=clock)
        return lambda: shared
    server: RedisServer = request.getfixturevalue("redis_server")
    return lambda: RedisStore.from_url(server.url, prefix=prefix)


@pytest.fixture
def make_client(make_store: StoreFactory, clock: FakeClock) -> Iterator[Callable[..., TestClient]]:
    """``make_client(**middleware_options)`` -> a started TestClient over the test app."""
    opened: list[tuple[TestClient, AsyncStore]] = []

    def factory(**options: Any) -> TestClient:
        store = options.pop("store") if "store" in options else make_store()
        if "secret_keys" not in options:
            options.setdefault("secret_key", SECRET)
        options.setdefault("clock", clock)
        client = TestClient(build_app(store=store, **options), base_url="http://testserver")
        client.__enter__()
        opened.append((client, store))
        return client

    yield factory
    for client, store in opened:
        client.portal.call(store.aclose)  # type: ignore[union-attr]
        client.__exit__(None, None, None)


def middleware_of(client: TestClient | Any) -> SessionMiddleware:
    """The SessionMiddleware instance inside a client's app (or inside an app)."""
    app: Any = client.app if isinstance(client, TestClient) else client
    while not isinstance(app, SessionMiddleware):
        app = app.middleware_stack if getattr(app, "middleware_stack", None) else app.app
    return app


@pytest.fixture(params=["starlette", "flask"])
def framework(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
def make_browser(
    framework: str,
    store_kind: str,
    request: pytest.FixtureRequest,
    clock: FakeClock,
    prefix: str,
    make_client: Callable[..., TestClient],
) -> Iterator[Callable[..., Browser]]:
    """``make_browser(**options)`` -> a new browser on this test's app (first call builds it).

    The same options and scenarios reach the ASGI middleware or the Flask adapter, over the
    memory store or real Redis.
    """
    from session_middleware.flask import FlaskSessionInterface  # noqa: F401
    from tests.browsers import FlaskBrowser, StarletteBrowser
    from tests.flask_apps import build_flask_app

    apps: dict[str, Any] = {}
    closers: list[Callable[[], None]] = []

    def flask_store() -> Any:
        if store_kind == "memory":
            return MemoryStore(clock=clock).as_sync()
        server: RedisServer = request.getfixturevalue("redis_server")
        store = SyncRedisStore.from_url(server.url, prefix=prefix)
        closers.append(store.close)
        return store

    def factory(**options: Any) -> Browser:
        if framework == "starlette":
            return StarletteBrowser(make_client(**options))
        if "app" not in apps:
            options.setdefault("clock", clock)
            apps["app"] = build_flask_app(SECRET, store=flask_store(), **options)
        return FlaskBrowser(apps["app"].test_client())

    yield factory
    for close in closers:
        close()
