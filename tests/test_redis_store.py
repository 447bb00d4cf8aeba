"""R1 and R4 for the Redis store: URLs with ACL users, client checks, eviction warning."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import redis.asyncio as aioredis
from starlette.testclient import TestClient

from session_middleware import ConfigurationError, Event, RedisStore, StoreMisconfigured
from tests.apps import build_app
from tests.conftest import SECRET
from tests.redis_server import RedisServer


def _serve(store: RedisStore, events: list[Event]) -> Iterator[TestClient]:
    app = build_app(store=store, secret_key=SECRET, on_event=events.append)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
        client.portal.call(store.aclose)


@pytest.fixture
def eviction_policy(redis_client: redis.Redis) -> Iterator[None]:
    redis_client.config_set("maxmemory-policy", "allkeys-lru")
    yield
    redis_client.config_set("maxmemory-policy", "noeviction")


@pytest.mark.usefixtures("eviction_policy")
def test_warns_at_startup_when_redis_may_evict_sessions(
    redis_server: RedisServer, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    events: list[Event] = []
    with caplog.at_level(logging.WARNING, logger="session_middleware"):
        for _ in _serve(RedisStore.from_url(redis_server.url, prefix=prefix), events):
            pass
    assert events == [StoreMisconfigured(setting="maxmemory-policy", value="allkeys-lru")]
    assert "maxmemory-policy" in caplog.text


def test_no_warning_with_a_safe_policy(redis_server: RedisServer, prefix: str) -> None:
    events: list[Event] = []
    for _ in _serve(RedisStore.from_url(redis_server.url, prefix=prefix), events):
        pass
    assert events == []


def _readme_acl() -> str:
    """The command list the README gives for an ACL user (so the two cannot drift)."""
    readme = " ".join((Path(__file__).parent.parent / "README.md").read_text().split())
    found = re.search(r"An ACL user needs `([^`]+)`", readme)
    assert found is not None
    return found.group(1)


README_ACL = _readme_acl()


@pytest.fixture
def acl_user(redis_client: redis.Redis, prefix: str) -> Iterator[str]:
    redis_client.acl_setuser(
        "sm-app",
        enabled=True,
        passwords=["+s3cret-pass"],
        keys=[f"{prefix}*"],
        commands=[f"+{c}" for c in README_ACL.split()],
    )
    yield "sm-app"
    redis_client.acl_deluser("sm-app")


def test_acl_user_and_password_come_from_the_url(
    redis_server: RedisServer, acl_user: str, prefix: str
) -> None:
    url = f"redis://{acl_user}:s3cret-pass@127.0.0.1:{redis_server.port}/0"
    events: list[Event] = []
    for client in _serve(RedisStore.from_url(url, prefix=prefix), events):
        client.post("/set", json={"a": 1})
        assert client.get("/").json()["data"] == {"a": 1}
        assert client.post("/login", json={"user": "ada"}).status_code == 200
        assert len(client.get("/sessions").json()) == 1
        handle = client.get("/whoami").json()["handle"]
        assert client.post(f"/revoke/{handle}").json() == {"revoked": True}
        assert not [e for e in events if e.name == "store_failed"]


def test_wrong_password_is_a_503_not_a_traceback(
    redis_server: RedisServer, acl_user: str, prefix: str
) -> None:
    url = f"redis://{acl_user}:wrong@127.0.0.1:{redis_server.port}/0"
    events: list[Event] = []
    for client in _serve(RedisStore.from_url(url, prefix=prefix), events):
        response = client.post("/set", json={"a": 1})
        assert response.status_code == 503 and "wrong" not in response.text


def test_a_decoding_client_is_refused() -> None:
    client = aioredis.Redis(decode_responses=True)
    with pytest.raises(ConfigurationError):
        RedisStore(client)
