"""R3: a store that is down or slow gets a bounded 503 with Retry-After, never a traceback,
and the app recovers by itself when the store returns."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from session_middleware import Event, RedisStore, StoreFailed
from session_middleware.testing import FakeClock
from tests.apps import build_app
from tests.conftest import SECRET
from tests.redis_server import RedisServer, free_port


@pytest.fixture
def own_redis(redis_server: RedisServer) -> Iterator[RedisServer]:
    """A redis-server of this test's own, free to be paused or stopped."""
    server = RedisServer(durable=True)
    server.start()
    yield server
    if server.process is not None:
        os.kill(server.process.pid, signal.SIGCONT)
    server.cleanup()


@contextlib.contextmanager
def _client(url: str, events: list[Event] | None = None, **options: object) -> Iterator[TestClient]:
    store = RedisStore.from_url(url, socket_timeout=0.3, socket_connect_timeout=0.3)
    sink = events.append if events is not None else None
    app = build_app(store=store, secret_key=SECRET, clock=FakeClock(), on_event=sink, **options)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
        client.portal.call(store.aclose)


def _assert_unavailable(response_status: int, headers: dict[str, str], body: str) -> None:
    assert response_status == 503
    assert headers["retry-after"] == "5"
    assert "Traceback" not in body and "Error" not in body


def test_store_down_gives_503_with_retry_after(redis_server: RedisServer) -> None:
    events: list[Event] = []
    with _client(f"redis://127.0.0.1:{free_port()}/0", events) as client:
        client.cookies.set("session", "x")  # even a bad cookie: no store I/O
        assert client.get("/").status_code == 200
        response = client.post("/set", json={"a": 1})  # the write fails
        _assert_unavailable(response.status_code, dict(response.headers), response.text)
        assert "set-cookie" not in response.headers
    failed = [e.operation for e in events if isinstance(e, StoreFailed)]
    assert failed == ["inspect", "save"]  # the startup check, then the write


def test_load_failure_answers_before_the_handler_runs(own_redis: RedisServer) -> None:
    with _client(own_redis.url) as client:
        client.post("/set", json={"a": 1})
        own_redis.stop()
        response = client.get("/")
        _assert_unavailable(response.status_code, dict(response.headers), response.text)


def test_slow_store_times_out_within_the_bound(own_redis: RedisServer) -> None:
    with _client(own_redis.url) as client:
        client.post("/set", json={"a": 1})
        assert own_redis.process is not None
        os.kill(own_redis.process.pid, signal.SIGSTOP)
        started = time.monotonic()
        response = client.get("/")
        elapsed = time.monotonic() - started
        os.kill(own_redis.process.pid, signal.SIGCONT)
        _assert_unavailable(response.status_code, dict(response.headers), response.text)
        assert elapsed < 3  # 0.3 s timeout, one retry: a bound, not a benchmark
        assert client.get("/").json()["data"] == {"a": 1}  # recovered, record intact


def test_recovers_when_the_store_comes_back(own_redis: RedisServer) -> None:
    with _client(own_redis.url) as client:
        client.post("/set", json={"a": 1})
        own_redis.stop()
        for _ in range(3):
            response = client.get("/")
            _assert_unavailable(response.status_code, dict(response.headers), response.text)
        own_redis.start()  # same port, same append-only file: the records survive
        response = client.get("/")  # the pool reconnects: no restart of the app
        assert response.json() == {"data": {"a": 1}, "is_new": False}
        client.post("/set", json={"b": 2})
        assert client.get("/").json()["data"] == {"a": 1, "b": 2}


async def teapot(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 418, "headers": []})
    await send({"type": "http.response.body", "body": b"store is resting"})


def test_unavailable_response_is_configurable(redis_server: RedisServer) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    with _client(url, unavailable_response=teapot) as client:
        response = client.post("/set", json={"a": 1})
        assert (response.status_code, response.text) == (418, "store is resting")


def test_login_with_the_store_down_is_a_503(redis_server: RedisServer) -> None:
    with _client(f"redis://127.0.0.1:{free_port()}/0") as client:
        response = client.post("/login", json={"user": "ada"})  # no cookie: fails in login()
        _assert_unavailable(response.status_code, dict(response.headers), response.text)
        assert "set-cookie" not in response.headers
