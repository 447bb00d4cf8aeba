"""W2 strategies, the conflict bound, streaming responses and fail-open (issue 5)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx2
import pytest
from starlette.testclient import TestClient

from session_middleware import (
    Event,
    LastWriteWins,
    Locking,
    MemoryStore,
    MergeChanges,
    RedisStore,
    StoreFailed,
    WriteConflict,
)
from session_middleware.testing import FakeClock
from session_middleware.types import AsyncStore, IndexRef
from tests.apps import build_app
from tests.conftest import SECRET, StoreFactory, middleware_of
from tests.counting import CountingStore
from tests.redis_server import free_port

MakeClient = Callable[..., TestClient]


class Interleaving:
    """One app in one event loop: hold a request at the gate, run others, release it."""

    def __init__(self, store: AsyncStore, **options: Any) -> None:
        self.events: list[Event] = []
        self.app = build_app(store=store, secret_key=SECRET, on_event=self.events.append, **options)
        self.app.state.gate, self.app.state.entered = asyncio.Event(), asyncio.Event()
        transport = httpx2.ASGITransport(app=self.app)
        self.client = httpx2.AsyncClient(transport=transport, base_url="http://testserver")
        self.store = store
        self.cookie: dict[str, str] = {}

    async def start(self, data: dict[str, Any]) -> None:
        created = await self.client.post("/set", json=data)
        self.cookie = {"cookie": "session=" + created.cookies["session"]}
        self.client.cookies.clear()

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.client.post(path, headers=self.cookie, **kwargs)

    async def read(self) -> dict[str, Any]:
        data: dict[str, Any] = (await self.client.get("/", headers=self.cookie)).json()["data"]
        return data

    async def close(self) -> None:
        await self.client.aclose()
        await self.store.aclose()


def _run(scenario: Callable[[Interleaving], Any], store: AsyncStore, **options: Any) -> Any:
    async def main() -> Any:
        world = Interleaving(store, **options)
        try:
            return await scenario(world)
        finally:
            await world.close()

    return asyncio.run(main())


async def _held_then(world: Interleaving, held: Any, other: Any) -> Any:
    task = asyncio.create_task(held)
    await world.app.state.entered.wait()
    await other
    world.app.state.gate.set()
    return await task


def test_last_write_wins_overwrites_a_concurrent_change(make_store: StoreFactory) -> None:
    async def scenario(world: Interleaving) -> dict[str, Any]:
        await world.start({"base": 0})
        await _held_then(
            world, world.post("/hold/set", json={"mine": 1}), world.post("/set", json={"theirs": 2})
        )
        return await world.read()

    assert _run(scenario, make_store(), write_strategy=LastWriteWins()) == {"base": 0, "mine": 1}


def test_merging_loses_a_concurrent_increment_of_the_same_key(make_store: StoreFactory) -> None:
    async def scenario(world: Interleaving) -> dict[str, Any]:
        await world.start({"counter": 0})
        await _held_then(world, world.post("/incr?hold=1"), world.post("/incr"))
        return await world.read()

    assert _run(scenario, make_store()) == {"counter": 1}  # same key: the later write wins


def test_locking_serializes_read_modify_write(make_store: StoreFactory) -> None:
    async def scenario(world: Interleaving) -> dict[str, Any]:
        await world.start({"counter": 0})
        held = asyncio.create_task(world.post("/incr?hold=1"))
        await world.app.state.entered.wait()
        waiting = asyncio.create_task(world.post("/incr"))
        await asyncio.sleep(0.05)
        assert not waiting.done()  # blocked on the lock, not in its handler
        world.app.state.gate.set()
        assert (await held).status_code == (await waiting).status_code == 200
        return await world.read()

    assert _run(scenario, make_store(), write_strategy=Locking()) == {"counter": 2}


def test_locking_answers_503_after_its_bounded_wait(make_store: StoreFactory) -> None:
    async def scenario(world: Interleaving) -> tuple[int, str]:
        await world.start({"counter": 0})
        held = asyncio.create_task(world.post("/incr?hold=1"))
        await world.app.state.entered.wait()
        refused = await world.post("/incr")
        world.app.state.gate.set()
        await held
        return refused.status_code, refused.headers["retry-after"]

    locking = Locking(wait=0.05, poll=0.01, lease_seconds=2)
    assert _run(scenario, make_store(), write_strategy=locking) == (503, "5")


def test_a_crashed_workers_lock_lapses(make_store: StoreFactory, clock: FakeClock) -> None:
    async def scenario(world: Interleaving) -> int:
        await world.start({"counter": 0})
        session_id = world.cookie["cookie"].split("=", 1)[1].split(".")[0]
        key = "lock:" + middleware_of(world.app).core.identity.store_key(session_id)
        assert await world.store.acquire_lock(key, "crashed-worker", lease=0.05)
        clock.advance(0.1)  # the memory store's clock; Redis lapses it in real time
        response = await world.post("/incr")  # polls until the lease lapses
        status: int = response.status_code
        return status

    locking = Locking(wait=1.0, poll=0.01, lease_seconds=2)
    assert _run(scenario, make_store(), write_strategy=locking) == 200


@pytest.mark.parametrize("store_kind", ["redis"])
def test_too_many_conflicts_drop_the_write_with_409(make_store: StoreFactory) -> None:
    async def scenario(world: Interleaving) -> tuple[int, dict[str, Any]]:
        await world.start({"base": 0})
        held = await _held_then(
            world, world.post("/hold/set", json={"mine": 1}), world.post("/set", json={"theirs": 2})
        )
        return held.status_code, await world.read()

    status, data = _run(scenario, make_store(), write_strategy=MergeChanges(max_attempts=1))
    assert status == 409
    assert data == {"base": 0, "theirs": 2}


def test_a_top_level_change_after_the_response_started_is_refused(
    make_client: MakeClient,
) -> None:
    client = make_client()
    client.post("/set", json={"a": 1})
    assert client.get("/stream/top").text == "first chunk refused"
    assert "late" not in client.get("/").json()["data"]


def test_a_nested_change_after_the_response_started_raises(make_client: MakeClient) -> None:
    from session_middleware import SessionCommitted

    client = make_client()
    client.post("/set", json={"cart": []})
    with pytest.raises(SessionCommitted):
        client.get("/stream/nested")
    assert client.get("/").json()["data"] == {"cart": []}


def test_fail_open_serves_an_anonymous_session_and_keeps_the_cookie() -> None:
    events: list[Event] = []
    store = RedisStore.from_url(
        f"redis://127.0.0.1:{free_port()}/0", socket_timeout=0.2, socket_connect_timeout=0.2
    )
    app = build_app(
        store=store, secret_key=SECRET, on_store_error="fail_open", on_event=events.append
    )
    with TestClient(build_app(store=MemoryStore(), secret_key=SECRET)) as minting:
        minting.post("/set", json={"a": 1})  # a genuine cookie, for a store that is down
        cookie = minting.cookies["session"]
    with TestClient(app) as client:
        client.cookies.set("session", cookie)
        response = client.get("/")
        assert response.json() == {"data": {}, "is_new": True}
        assert "set-cookie" not in response.headers
        assert client.post("/set", json={"a": 1}).status_code == 503  # writes still fail
        client.portal.call(store.aclose)
    assert any(isinstance(e, StoreFailed) for e in events)


def test_conflict_event_names_the_session(make_store: StoreFactory) -> None:
    async def scenario(world: Interleaving) -> list[Event]:
        await world.start({"base": 0})
        await _held_then(
            world, world.post("/hold/set", json={"mine": 1}), world.post("/set", json={"theirs": 2})
        )
        return world.events

    events = _run(scenario, make_store(), write_strategy=MergeChanges(max_attempts=1))
    (conflict,) = [e for e in events if isinstance(e, WriteConflict)]
    assert conflict.attempts == 1 and len(conflict.handle) == 16


class AlwaysLosing(CountingStore):
    """A store on which every compare-and-set of an existing record loses its race."""

    async def save(
        self,
        key: str,
        blob: bytes,
        stamp: bytes,
        *,
        expected_version: int | None,
        ttl: float,
        index: IndexRef | None = None,
    ) -> int | None:
        if expected_version is None:
            return await super().save(key, blob, stamp, expected_version=None, ttl=ttl, index=index)
        self.calls["save"] += 1
        return None


def test_retries_are_bounded(make_client: MakeClient, make_store: StoreFactory) -> None:
    events: list[Event] = []
    store = AlwaysLosing(make_store())
    client = make_client(
        store=store, write_strategy=MergeChanges(max_attempts=3), on_event=events.append
    )
    client.post("/set", json={"a": 1})
    store.calls.clear()
    response = client.post("/set", json={"a": 2})
    assert response.status_code == 409
    assert store.calls["save"] == 3 and store.calls["load"] == 1 + 2  # load, then 2 reloads
    assert client.get("/").json()["data"] == {"a": 1}
    assert [e.attempts for e in events if isinstance(e, WriteConflict)] == [3]
