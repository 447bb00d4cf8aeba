"""The in-memory store: the embedded default, for development, tests and single processes.

Complete semantics (compare-and-set versions, create-only saves, TTLs on the injected
clock) behind one ``threading.Lock``, so it is safe under asyncio tasks and threads alike.
The async methods never await while holding the lock. Expired entries are dropped when
read and swept every ``sweep_every`` writes, so memory stays bounded without a timer.
"""

from __future__ import annotations

import threading
import time

from session_middleware.types import Clock, StoredRecord

__all__ = ["MemoryStore"]


class MemoryStore:
    """A dict of records with TTLs. Usable both as an async and as a sync store."""

    def __init__(self, *, clock: Clock = time.time, sweep_every: int = 1000) -> None:
        self._clock = clock
        self._records: dict[str, tuple[StoredRecord, float]] = {}
        self._lock = threading.Lock()
        self._sweep_every = sweep_every
        self._writes = 0

    def __len__(self) -> int:
        with self._lock:
            self._sweep()
            return len(self._records)

    # -- sync protocol ------------------------------------------------------------------

    def load_sync(self, key: str) -> StoredRecord | None:
        """Return the live record under ``key``, or ``None``."""
        with self._lock:
            return self._live(key)

    def save_sync(
        self, key: str, blob: bytes, stamp: bytes, *, expected_version: int | None, ttl: float
    ) -> int | None:
        """Compare-and-set (``expected_version=None``: create only). New version or ``None``."""
        with self._lock:
            current = self._live(key)
            if (current.version if current else None) != expected_version:
                return None
            version = (expected_version or 0) + 1
            self._records[key] = (StoredRecord(blob, stamp, version), self._clock() + ttl)
            self._count_write()
            return version

    def touch_sync(self, key: str, stamp: bytes, *, ttl: float) -> bool:
        """Replace the stamp and TTL of a live record; ``False`` if there is none."""
        with self._lock:
            current = self._live(key)
            if current is None:
                return False
            record = StoredRecord(current.blob, stamp, current.version)
            self._records[key] = (record, self._clock() + ttl)
            return True

    def delete_sync(self, key: str) -> None:
        """Remove ``key`` if present."""
        with self._lock:
            self._records.pop(key, None)

    # -- async protocol: the same operations, which never block on I/O ------------------

    async def load(self, key: str) -> StoredRecord | None:
        """Async :meth:`load_sync`."""
        return self.load_sync(key)

    async def save(
        self, key: str, blob: bytes, stamp: bytes, *, expected_version: int | None, ttl: float
    ) -> int | None:
        """Async :meth:`save_sync`."""
        return self.save_sync(key, blob, stamp, expected_version=expected_version, ttl=ttl)

    async def touch(self, key: str, stamp: bytes, *, ttl: float) -> bool:
        """Async :meth:`touch_sync`."""
        return self.touch_sync(key, stamp, ttl=ttl)

    async def delete(self, key: str) -> None:
        """Async :meth:`delete_sync`."""
        self.delete_sync(key)

    async def aclose(self) -> None:
        """Nothing to release."""

    # -- internals (lock held) -----------------------------------------------------------

    def _live(self, key: str) -> StoredRecord | None:
        entry = self._records.get(key)
        if entry is None:
            return None
        if entry[1] <= self._clock():
            del self._records[key]
            return None
        return entry[0]

    def _count_write(self) -> None:
        self._writes += 1
        if self._writes % self._sweep_every == 0:
            self._sweep()

    def _sweep(self) -> None:
        now = self._clock()
        for key in [k for k, (_, deadline) in self._records.items() if deadline <= now]:
            del self._records[key]
