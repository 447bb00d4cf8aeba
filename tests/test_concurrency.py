"""W2 and W3 under deterministic interleavings: one request held inside its handler while
another with the same cookie completes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx2
import pytest
import redis

from session_middleware.types import AsyncStore
from tests.apps import build_app
from tests.conftest import SECRET, StoreFactory

Scenario = Callable[[httpx2.AsyncClient, dict[str, str]], Awaitable[None]]


async def _interleave(store: AsyncStore, held_body: dict[str, Any], other: Scenario) -> Any:
    """Create a session, hold one write in its handler, run ``other``, release, read back."""
    app = build_app(store=store, secret_key=SECRET)
    app.state.gate, app.state.entered = asyncio.Event(), asyncio.Event()
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
        created = await client.post("/set", json={"base": 0})
        cookie = {"cookie": "session=" + created.cookies["session"]}
        client.cookies.clear()
        held = asyncio.create_task(client.post("/hold/set", json=held_body, headers=cookie))
        await app.state.entered.wait()
        await other(client, cookie)
        app.state.gate.set()
        held_response = await held
        final = await client.get("/", headers=cookie)
    await store.aclose()
    return held_response, final.json()


def _run(coro: Awaitable[Any]) -> Any:
    async def main() -> Any:
        return await coro

    return asyncio.run(main())


def test_concurrent_changes_to_different_keys_both_persist(make_store: StoreFactory) -> None:
    async def other(client: httpx2.AsyncClient, cookie: dict[str, str]) -> None:
        await client.post("/set", json={"theirs": 2}, headers=cookie)

    _, final = _run(_interleave(make_store(), {"mine": 1}, other))
    assert final["data"] == {"base": 0, "mine": 1, "theirs": 2}


def test_concurrent_changes_to_the_same_key_later_write_wins(make_store: StoreFactory) -> None:
    async def other(client: httpx2.AsyncClient, cookie: dict[str, str]) -> None:
        await client.post("/set", json={"base": "earlier", "theirs": 1}, headers=cookie)

    _, final = _run(_interleave(make_store(), {"base": "later"}, other))
    assert final["data"] == {"base": "later", "theirs": 1}


def test_a_deletion_made_meanwhile_is_kept(make_store: StoreFactory) -> None:
    async def other(client: httpx2.AsyncClient, cookie: dict[str, str]) -> None:
        await client.post("/set", json={"gone": 1}, headers=cookie)
        await client.post("/delete/gone", headers=cookie)

    _, final = _run(_interleave(make_store(), {"mine": 1}, other))
    assert final["data"] == {"base": 0, "mine": 1}


async def _logout(client: httpx2.AsyncClient, cookie: dict[str, str]) -> None:
    await client.post("/clear", headers=cookie)


def test_a_session_destroyed_meanwhile_is_not_resurrected(make_store: StoreFactory) -> None:
    held, final = _run(_interleave(make_store(), {"mine": 1}, _logout))
    assert held.headers["set-cookie"].startswith("session=null;")
    assert final == {"data": {}, "is_new": True}


@pytest.mark.parametrize("store_kind", ["redis"])
def test_no_key_reappears_in_redis_after_a_concurrent_logout(
    make_store: StoreFactory, redis_client: redis.Redis, prefix: str
) -> None:
    _run(_interleave(make_store(), {"mine": 1}, _logout))
    assert redis_client.keys(prefix + "*") == []
