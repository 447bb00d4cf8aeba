"""A conformance suite any session store can run (STYLE.md rule 13).

Subclass :class:`AsyncStoreContract` (or :class:`SyncStoreContract`) in a test module and
give it a store factory; pytest collects the inherited tests::

    from session_middleware.testing.conformance import AsyncStoreContract

    class TestMyStore(AsyncStoreContract):
        def make_store(self):
            return MyStore(...)          # a fresh, empty store (a new key prefix, say)

The tests only use the store protocol (:class:`~session_middleware.types.AsyncStore`) and
check the semantics the core relies on: compare-and-set versions, create-only saves, no
resurrection, touches that keep the version, atomic index changes, stamps refreshed in
index entries, lease locks and index scans. No pytest import: plain asserts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from session_middleware.types import STAMP_BYTES, IndexChange, IndexRef, NewRecord

__all__ = ["AsyncStoreContract", "SyncStoreContract"]

T = TypeVar("T")
STAMP_A = b"0000000000001." + b"A" * (STAMP_BYTES - 14)
STAMP_B = b"0000000000002." + b"B" * (STAMP_BYTES - 14)
INDEX = "idx:{contract}"
RECORD = "{contract}record"


class _Awaiting:
    """A sync store's methods as coroutines, so one set of test bodies serves both."""

    def __init__(self, store: Any) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        method = getattr(self._store, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            return method(*args, **kwargs)

        return call


class AsyncStoreContract:
    """The store protocol's semantics; override :meth:`make_store`."""

    def make_store(self) -> Any:
        """A fresh, empty store under test."""
        raise TypeError(f"{type(self).__name__} must define make_store()")

    def _run(self, test: Callable[[Any], Awaitable[T]]) -> T:
        async def main() -> T:
            store = self.make_store()
            try:
                return await test(self._wrap(store))
            finally:
                await self._close(store)

        return asyncio.run(main())

    def _wrap(self, store: Any) -> Any:
        return store

    async def _close(self, store: Any) -> None:
        await store.aclose()

    def test_a_missing_record_loads_as_none(self) -> None:
        async def test(store: Any) -> None:
            assert await store.load("nothing-here") is None

        self._run(test)

    def test_save_is_create_only_then_compare_and_set(self) -> None:
        async def test(store: Any) -> None:
            assert await store.save("k", b"one", STAMP_A, expected_version=None, ttl=60) == 1
            assert await store.save("k", b"two", STAMP_A, expected_version=None, ttl=60) is None
            assert await store.save("k", b"two", STAMP_A, expected_version=7, ttl=60) is None
            assert await store.save("k", b"two", STAMP_B, expected_version=1, ttl=60) == 2
            record = await store.load("k")
            assert (record.blob, record.stamp, record.version) == (b"two", STAMP_B, 2)

        self._run(test)

    def test_touch_replaces_the_stamp_and_keeps_the_version(self) -> None:
        async def test(store: Any) -> None:
            assert await store.touch("k", STAMP_A, ttl=60) is False
            await store.save("k", b"blob", STAMP_A, expected_version=None, ttl=60)
            assert await store.touch("k", STAMP_B, ttl=60) is True
            record = await store.load("k")
            assert (record.blob, record.stamp, record.version) == (b"blob", STAMP_B, 1)

        self._run(test)

    def test_a_deleted_record_is_never_resurrected(self) -> None:
        async def test(store: Any) -> None:
            await store.save("k", b"blob", STAMP_A, expected_version=None, ttl=60)
            await store.delete("k")
            await store.delete("k")  # deleting nothing is fine
            assert await store.load("k") is None
            assert await store.save("k", b"late", STAMP_A, expected_version=1, ttl=60) is None
            assert await store.touch("k", STAMP_B, ttl=60) is False
            assert await store.load("k") is None

        self._run(test)

    def test_an_absent_index_is_empty_at_version_zero(self) -> None:
        async def test(store: Any) -> None:
            index = await store.load_index(INDEX)
            assert (index.version, dict(index.entries)) == (0, {})

        self._run(test)

    def test_an_index_change_creates_and_registers_atomically(self) -> None:
        async def test(store: Any) -> None:
            create = NewRecord(RECORD, b"blob", STAMP_A, ttl=60)
            change = IndexChange(0, create=create, put={"h1": STAMP_A + b"entry"}, ttl=60)
            assert await store.change_index(INDEX, change) == 1
            assert (await store.load(RECORD)).version == 1
            assert dict((await store.load_index(INDEX)).entries) == {"h1": STAMP_A + b"entry"}
            assert await store.change_index(INDEX, change) is None  # stale version
            again = IndexChange(None, create=create, put={"h2": STAMP_A + b"x"}, ttl=60)
            assert await store.change_index(INDEX, again) is None  # the record exists
            assert set((await store.load_index(INDEX)).entries) == {"h1"}

        self._run(test)

    def test_an_index_change_removes_records_and_entries(self) -> None:
        async def test(store: Any) -> None:
            create = NewRecord(RECORD, b"blob", STAMP_A, ttl=60)
            await store.change_index(
                INDEX, IndexChange(0, create=create, put={"h1": STAMP_A + b"e"}, ttl=60)
            )
            assert await store.change_index(INDEX, IndexChange(None, remove={"h1": RECORD})) == 2
            assert await store.load(RECORD) is None
            assert dict((await store.load_index(INDEX)).entries) == {}

        self._run(test)

    def test_saves_touches_and_deletes_keep_the_index_entry_true(self) -> None:
        async def test(store: Any) -> None:
            ref = IndexRef(INDEX, "h1")
            create = NewRecord(RECORD, b"blob", STAMP_A, ttl=60)
            await store.change_index(
                INDEX, IndexChange(0, create=create, put={"h1": STAMP_A + b"facts"}, ttl=60)
            )
            await store.touch(RECORD, STAMP_B, ttl=60, index=ref)
            assert (await store.load_index(INDEX)).entries["h1"] == STAMP_B + b"facts"
            await store.save(RECORD, b"new", STAMP_A, expected_version=1, ttl=60, index=ref)
            assert (await store.load_index(INDEX)).entries["h1"] == STAMP_A + b"facts"
            await store.delete(RECORD, index=ref)
            assert "h1" not in (await store.load_index(INDEX)).entries

        self._run(test)

    def test_lease_locks(self) -> None:
        async def test(store: Any) -> None:
            assert await store.acquire_lock("lock:k", "me", lease=30) is True
            assert await store.acquire_lock("lock:k", "you", lease=30) is False
            await store.release_lock("lock:k", "you")  # not yours: nothing happens
            assert await store.acquire_lock("lock:k", "you", lease=30) is False
            await store.release_lock("lock:k", "me")
            assert await store.acquire_lock("lock:k", "you", lease=30) is True

        self._run(test)

    def test_scans_find_every_index(self) -> None:
        async def test(store: Any) -> None:
            for n in range(5):
                key = f"idx:{{user{n}}}"
                await store.change_index(key, IndexChange(0, put={"h": STAMP_A}, ttl=60))
            found: set[str] = set()
            cursor = 0
            while True:
                cursor, keys = await store.scan_indexes(cursor, 2)
                found.update(keys)
                if cursor == 0:
                    break
            assert {f"idx:{{user{n}}}" for n in range(5)} <= found

        self._run(test)


class SyncStoreContract(AsyncStoreContract):
    """The same contract for a :class:`~session_middleware.types.SyncStore`."""

    def _wrap(self, store: Any) -> Any:
        return _Awaiting(store)

    async def _close(self, store: Any) -> None:
        close = getattr(store, "close", None)
        if close is not None:
            close()
