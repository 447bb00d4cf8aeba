"""L1, L2, W1, T4 in numbers: store round trips and Redis commands per request."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import redis
from starlette.testclient import TestClient

from session_middleware.testing import FakeClock
from tests.conftest import StoreFactory
from tests.counting import CountingStore

MakeClient = Callable[..., TestClient]


@pytest.fixture
def counted(
    make_client: MakeClient, make_store: StoreFactory
) -> Iterator[tuple[TestClient, CountingStore]]:
    store = CountingStore(make_store())
    client = make_client(store=store, touch_interval=60)
    client.post("/set", json={"a": 1})
    store.calls.clear()
    yield client, store


def test_no_cookie_means_no_store_io(counted: tuple[TestClient, CountingStore]) -> None:
    client, store = counted
    client.cookies.clear()
    client.get("/")
    assert store.round_trips == 0


def test_forged_cookie_means_no_store_io(counted: tuple[TestClient, CountingStore]) -> None:
    client, store = counted
    value = client.cookies["session"]
    client.cookies.set("session", value[:-2] + ("AA" if value[-2:] != "AA" else "BB"))
    assert client.get("/").json()["is_new"] is True
    assert store.round_trips == 0


def test_read_only_request_is_one_round_trip(counted: tuple[TestClient, CountingStore]) -> None:
    client, store = counted
    for _ in range(3):
        client.get("/")
    assert store.calls == {"load": 3}


def test_touch_is_due_once_per_interval(
    counted: tuple[TestClient, CountingStore], clock: FakeClock
) -> None:
    client, store = counted
    clock.advance(61)
    client.get("/")
    client.get("/")
    assert store.calls == {"load": 2, "touch": 1}


def test_changed_session_is_one_load_and_one_save(
    counted: tuple[TestClient, CountingStore],
) -> None:
    client, store = counted
    client.post("/set", json={"a": 2})
    assert store.calls == {"load": 1, "save": 1}


def test_unchanged_write_is_no_write(counted: tuple[TestClient, CountingStore]) -> None:
    client, store = counted
    client.post("/set", json={"a": 1})
    assert store.writes == 0


def _commands(client: redis.Redis) -> dict[str, int]:
    stats = client.info("commandstats")
    counts = {name.removeprefix("cmdstat_"): int(v["calls"]) for name, v in stats.items()}
    return {name: n for name, n in counts.items() if name not in ("info", "config|resetstat")}


@pytest.mark.parametrize("store_kind", ["redis"])
def test_redis_sees_zero_then_one_command(
    counted: tuple[TestClient, CountingStore], redis_client: redis.Redis
) -> None:
    client, _ = counted
    cookie = client.cookies["session"]
    client.cookies.clear()
    redis_client.config_resetstat()
    client.get("/")
    assert _commands(redis_client) == {}
    client.cookies.set("session", cookie)
    client.get("/")
    assert _commands(redis_client) == {"get": 1}


def test_counters_add_up_commands_and_events(make_client: MakeClient, clock: FakeClock) -> None:
    from tests.conftest import middleware_of

    client = make_client(idle_timeout=600, touch_interval=60)
    client.post("/set", json={"a": 1})  # save
    client.get("/")  # load
    clock.advance(61)
    client.get("/")  # load + touch
    clock.advance(610)
    client.get("/")  # load, expired: delete
    client.cookies.set("session", "forged")
    client.get("/")  # rejected, no I/O
    counts = middleware_of(client).counters
    assert (counts["save"], counts["load"], counts["touch"], counts["delete"]) == (1, 3, 1, 1)
    assert (counts["session_expired"], counts["cookie_rejected"]) == (1, 1)
