"""A store wrapper that counts calls: every store method is one round trip."""

from __future__ import annotations

from collections import Counter

from session_middleware.types import AsyncStore, StoredRecord


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
        return self.calls["save"] + self.calls["touch"] + self.calls["delete"]

    async def load(self, key: str) -> StoredRecord | None:
        self.calls["load"] += 1
        return await self.inner.load(key)

    async def save(
        self, key: str, blob: bytes, stamp: bytes, *, expected_version: int | None, ttl: float
    ) -> int | None:
        self.calls["save"] += 1
        return await self.inner.save(key, blob, stamp, expected_version=expected_version, ttl=ttl)

    async def touch(self, key: str, stamp: bytes, *, ttl: float) -> bool:
        self.calls["touch"] += 1
        return await self.inner.touch(key, stamp, ttl=ttl)

    async def delete(self, key: str) -> None:
        self.calls["delete"] += 1
        await self.inner.delete(key)

    async def aclose(self) -> None:
        await self.inner.aclose()
