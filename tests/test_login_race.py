"""P3's atomicity: 50 parallel logins of one user under a limit of 5 leave at most 5, and
the user's index agrees with the records that exist."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx2
import pytest
from starlette.testclient import TestClient

from session_middleware import EvictOldest, MemoryStore, RedisStore, RejectNew
from session_middleware.core.users import user_tag
from session_middleware.manager import SessionManager
from session_middleware.types import AsyncStore
from tests.apps import build_app
from tests.conftest import SECRET, StoreFactory, middleware_of
from tests.redis_server import RedisServer


async def _login(client: httpx2.AsyncClient) -> int:
    response = await client.post("/login", json={"user": "ada"}, headers={"user-agent": "ua"})
    return response.status_code


async def _race(store: AsyncStore, policy: Any, logins: int = 50) -> tuple[list[int], int]:
    app = build_app(store=store, secret_key=SECRET, policy=policy)
    transport = httpx2.ASGITransport(app=app)
    clients = [httpx2.AsyncClient(transport=transport, base_url="http://t") for _ in range(logins)]
    statuses = await asyncio.gather(*(_login(c) for c in clients))
    for client in clients:
        await client.aclose()
    manager: SessionManager = middleware_of(app).manager
    listed = await manager.list("ada")
    return list(statuses), len(listed)


async def _records_of(store: AsyncStore, prefix: str) -> int:
    """How many session records of user "ada" exist in the store."""
    tag = "{" + user_tag("ada") + "}"
    if isinstance(store, MemoryStore):
        return sum(1 for key in store._records if key.startswith(tag))
    assert isinstance(store, RedisStore)
    keys = [k async for k in store.client.scan_iter(match=f"{prefix}{{{user_tag('ada')}}}*")]
    return len(keys)


@pytest.mark.parametrize("run", range(3))
def test_fifty_parallel_logins_under_a_limit_of_five(
    make_store: StoreFactory, prefix: str, run: int
) -> None:
    async def main() -> tuple[list[int], int, int]:
        store = make_store()
        statuses, listed = await _race(store, EvictOldest(max_per_user=5))
        records = await _records_of(store, prefix)
        await store.aclose()
        return statuses, listed, records

    statuses, listed, records = asyncio.run(main())
    assert statuses == [200] * 50
    assert listed == records == 5


def test_reject_new_admits_exactly_five_of_fifty(make_store: StoreFactory, prefix: str) -> None:
    async def main() -> tuple[list[int], int, int]:
        store = make_store()
        statuses, listed = await _race(store, RejectNew(max_per_user=5))
        records = await _records_of(store, prefix)
        await store.aclose()
        return statuses, listed, records

    statuses, listed, records = asyncio.run(main())
    assert sorted(statuses) == [200] * 5 + [409] * 45
    assert listed == records == 5


def test_two_processes_racing_through_one_redis(redis_server: RedisServer, prefix: str) -> None:
    """Threads over two separate middleware instances sharing one Redis, as two workers."""
    policy = EvictOldest(max_per_user=5)
    workers = [
        TestClient(
            build_app(
                store=RedisStore.from_url(redis_server.url, prefix=prefix),
                secret_key=SECRET,
                policy=policy,
            )
        )
        for _ in range(2)
    ]
    statuses: list[int] = []
    barrier = threading.Barrier(20)

    def browser(worker: TestClient) -> None:
        barrier.wait()
        for _ in range(3):
            response = worker.post("/login", json={"user": "ada"}, headers={"user-agent": "ua"})
            statuses.append(response.status_code)
            worker.cookies.clear()

    with workers[0] as first, workers[1] as second:
        threads = [threading.Thread(target=browser, args=(w,)) for w in [first, second] * 10]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        listed = first.portal.call(middleware_of(first).manager.list, "ada")
        store = middleware_of(first).store
        records = first.portal.call(_records_of, store, prefix)
        for client in (first, second):
            client.portal.call(middleware_of(client).store.aclose)
    assert statuses == [200] * 60
    assert len(listed) == records == 5
