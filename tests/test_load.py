"""W2 under load, loopback only and bounded: 20 concurrent clients x 200 requests, each
appending to its own key of one shared session, against real Redis. Nothing is lost."""

from __future__ import annotations

import asyncio

import httpx2
import pytest

from session_middleware import RedisStore
from tests.apps import build_app
from tests.conftest import SECRET
from tests.redis_server import RedisServer

CLIENTS, REQUESTS = 20, 200


async def _client_appends(client: httpx2.AsyncClient, cookie: str, name: str) -> list[int]:
    statuses = []
    for n in range(REQUESTS):
        response = await client.post(
            f"/append-own/{name}?n={n}", headers={"cookie": f"session={cookie}"}
        )
        statuses.append(response.status_code)
    return statuses


@pytest.mark.timeout_budget(60)
def test_twenty_clients_appending_to_one_session_lose_nothing(
    redis_server: RedisServer, prefix: str
) -> None:
    async def main() -> tuple[list[list[int]], dict[str, list[int]]]:
        store = RedisStore.from_url(redis_server.url, prefix=prefix)
        app = build_app(store=store, secret_key=SECRET)
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://t") as client:
            cookie = (await client.post("/set", json={"start": True})).cookies["session"]
            client.cookies.clear()
            statuses = await asyncio.wait_for(
                asyncio.gather(*(_client_appends(client, cookie, f"c{i}") for i in range(CLIENTS))),
                timeout=120,
            )
            data = (await client.get("/", headers={"cookie": f"session={cookie}"})).json()["data"]
        await store.aclose()
        return statuses, data

    statuses, data = asyncio.run(main())
    assert all(s == [200] * REQUESTS for s in statuses)
    for i in range(CLIENTS):
        assert data[f"c{i}"] == list(range(REQUESTS))
