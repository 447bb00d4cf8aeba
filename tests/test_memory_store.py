"""R1 for the memory store: compare-and-set semantics, TTLs on its clock, thread safety."""

from __future__ import annotations

import asyncio
import threading

from session_middleware import MemoryStore
from session_middleware.stores import RedisStore as LazyRedisStore
from session_middleware.stores.redis import RedisStore
from session_middleware.testing import FakeClock


def test_compare_and_set_and_create_only() -> None:
    store = MemoryStore()
    assert store.save_sync("k", b"1", b"s", expected_version=None, ttl=60) == 1
    assert store.save_sync("k", b"2", b"s", expected_version=None, ttl=60) is None
    assert store.save_sync("k", b"2", b"s", expected_version=5, ttl=60) is None
    assert store.save_sync("k", b"2", b"s", expected_version=1, ttl=60) == 2
    record = store.load_sync("k")
    assert record is not None and (record.blob, record.version) == (b"2", 2)


def test_a_deleted_record_is_not_recreated_by_a_stale_save() -> None:
    store = MemoryStore()
    store.save_sync("k", b"1", b"s", expected_version=None, ttl=60)
    store.delete_sync("k")
    assert store.save_sync("k", b"2", b"s", expected_version=1, ttl=60) is None
    assert store.touch_sync("k", b"s2", ttl=60) is False
    assert store.load_sync("k") is None


def test_ttl_runs_on_the_injected_clock_and_touch_extends_it() -> None:
    clock = FakeClock()
    store = MemoryStore(clock=clock, sweep_every=1)
    store.save_sync("k", b"1", b"s", expected_version=None, ttl=10)
    clock.advance(9)
    assert store.touch_sync("k", b"s2", ttl=10) is True
    clock.advance(9)
    assert store.load_sync("k") is not None
    clock.advance(1)
    assert store.load_sync("k") is None and len(store) == 0


def test_expired_entries_are_swept_without_being_read() -> None:
    clock = FakeClock()
    store = MemoryStore(clock=clock, sweep_every=10)
    for n in range(9):
        store.save_sync(f"old{n}", b"1", b"s", expected_version=None, ttl=1)
    clock.advance(2)
    store.save_sync("new", b"1", b"s", expected_version=None, ttl=1)  # the 10th write sweeps
    assert len(store._records) == 1


def test_threads_racing_on_one_version_have_one_winner() -> None:
    store = MemoryStore()
    store.save_sync("k", b"0", b"s", expected_version=None, ttl=60)
    results: list[int | None] = []
    barrier = threading.Barrier(16)

    def racer() -> None:
        barrier.wait()
        results.append(store.save_sync("k", b"x", b"s", expected_version=1, ttl=60))

    threads = [threading.Thread(target=racer) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=lambda r: r or 0) == [None] * 15 + [2]


def test_async_tasks_racing_to_create_have_one_winner() -> None:
    store = MemoryStore()

    async def main() -> list[int | None]:
        saves = (store.save("k", b"b", b"s", expected_version=None, ttl=60) for _ in range(50))
        return await asyncio.gather(*saves)

    results = asyncio.run(main())
    assert results.count(1) == 1 and results.count(None) == 49


def test_redis_store_is_importable_lazily_from_stores() -> None:
    assert LazyRedisStore is RedisStore
