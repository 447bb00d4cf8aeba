"""A store wrapper that counts calls: every store method is one round trip."""

from __future__ import annotations

from collections import Counter

from session_middleware.types import AsyncStore, IndexChange, IndexRef, StoredIndex, StoredRecord


class CountingStore:
    """Delegates to ``inner`` and counts each operation."""

    def __init__(self, inner: AsyncStore) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()

    @property
    def round_trips(self) -> int:
        return sum(self.calls.values())

    @property
    def writes(self) -> int:
        return sum(n for name, n in self.calls.items() if name not in ("load", "load_index"))

    async def load(self, key: str) -> StoredRecord | None:
        self.calls["load"] += 1
        return await self.inner.load(key)

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
        self.calls["save"] += 1
        return await self.inner.save(
            key, blob, stamp, expected_version=expected_version, ttl=ttl, index=index
        )

    async def touch(
        self, key: str, stamp: bytes, *, ttl: float, index: IndexRef | None = None
    ) -> bool:
        self.calls["touch"] += 1
        return await self.inner.touch(key, stamp, ttl=ttl, index=index)

    async def delete(self, key: str, *, index: IndexRef | None = None) -> None:
        self.calls["delete"] += 1
        await self.inner.delete(key, index=index)

    async def load_index(self, key: str) -> StoredIndex:
        self.calls["load_index"] += 1
        return await self.inner.load_index(key)

    async def change_index(self, key: str, change: IndexChange) -> int | None:
        self.calls["change_index"] += 1
        return await self.inner.change_index(key, change)

    async def scan_indexes(self, cursor: int, count: int) -> tuple[int, list[str]]:
        self.calls["scan_indexes"] += 1
        return await self.inner.scan_indexes(cursor, count)

    async def acquire_lock(self, key: str, token: str, *, lease: float) -> bool:
        self.calls["acquire_lock"] += 1
        return await self.inner.acquire_lock(key, token, lease=lease)

    async def release_lock(self, key: str, token: str) -> None:
        self.calls["release_lock"] += 1
        await self.inner.release_lock(key, token)

    async def aclose(self) -> None:
        await self.inner.aclose()
