"""The in-memory store: the embedded default, for development, tests and single processes.

Complete semantics (compare-and-set versions, create-only saves, user indexes changed
atomically, TTLs on the injected clock) behind one ``threading.Lock``, so it is safe under
asyncio tasks and threads alike. The async methods never await while holding the lock.
Expired entries are dropped when read and swept every ``sweep_every`` writes, so memory
stays bounded without a timer.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from session_middleware.types import (
    STAMP_BYTES,
    Clock,
    IndexChange,
    IndexRef,
    StoredIndex,
    StoredRecord,
)

__all__ = ["MemoryStore", "SyncMemoryStore"]


@dataclass
class _Index:
    version: int = 0
    entries: dict[str, bytes] = field(default_factory=dict)
    deadline: float = 0.0


class MemoryStore:
    """Records and user indexes in dicts, with TTLs. Usable as an async and a sync store."""

    def __init__(self, *, clock: Clock = time.time, sweep_every: int = 1000) -> None:
        self._clock = clock
        self._records: dict[str, tuple[StoredRecord, float]] = {}
        self._indexes: dict[str, _Index] = {}
        self._locks: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._sweep_every = sweep_every
        self._writes = 0

    def as_sync(self) -> SyncMemoryStore:
        """This store under the :class:`~session_middleware.types.SyncStore` names (the
        same data: a Flask app and an ASGI app in one process can share it)."""
        return SyncMemoryStore(self)

    def __len__(self) -> int:
        """The number of live records."""
        with self._lock:
            self._sweep()
            return len(self._records)

    # -- sync protocol ------------------------------------------------------------------

    def load_sync(self, key: str) -> StoredRecord | None:
        """Return the live record under ``key``, or ``None``."""
        with self._lock:
            return self._live(key)

    def save_sync(
        self,
        key: str,
        blob: bytes,
        stamp: bytes,
        *,
        expected_version: int | None,
        ttl: float,
        index: IndexRef | None = None,
    ) -> int | None:
        """Compare-and-set (``expected_version=None``: create only). New version or ``None``."""
        with self._lock:
            current = self._live(key)
            if (current.version if current else None) != expected_version:
                return None
            version = (expected_version or 0) + 1
            self._records[key] = (StoredRecord(blob, stamp, version), self._clock() + ttl)
            self._restamp(index, stamp, ttl)
            self._count_write()
            return version

    def touch_sync(
        self, key: str, stamp: bytes, *, ttl: float, index: IndexRef | None = None
    ) -> bool:
        """Replace the stamp and TTL of a live record; ``False`` if there is none."""
        with self._lock:
            current = self._live(key)
            if current is None:
                return False
            record = StoredRecord(current.blob, stamp, current.version)
            self._records[key] = (record, self._clock() + ttl)
            self._restamp(index, stamp, ttl)
            return True

    def delete_sync(self, key: str, *, index: IndexRef | None = None) -> None:
        """Remove ``key`` and its index entry, if present."""
        with self._lock:
            self._records.pop(key, None)
            found = self._live_index(index.key) if index is not None else None
            if found is not None and index is not None:
                found.entries.pop(index.handle, None)

    def load_index_sync(self, key: str) -> StoredIndex:
        """The index under ``key`` (version 0, no entries, when absent)."""
        with self._lock:
            found = self._live_index(key)
            if found is None:
                return StoredIndex(0, {})
            return StoredIndex(found.version, dict(found.entries))

    def change_index_sync(self, key: str, change: IndexChange) -> int | None:
        """Apply ``change`` atomically; the new version or ``None`` if a check failed."""
        with self._lock:
            found = self._live_index(key) or _Index()
            expected = change.expected_version
            if expected is not None and found.version != expected:
                return None
            create = change.create
            if create is not None and self._live(create.key) is not None:
                return None
            for handle, record_key in change.remove.items():
                self._records.pop(record_key, None)
                found.entries.pop(handle, None)
            now = self._clock()
            if create is not None:
                record = StoredRecord(create.blob, create.stamp, 1)
                self._records[create.key] = (record, now + create.ttl)
            found.entries.update(change.put)
            found.version += 1
            found.deadline = max(found.deadline, now + change.ttl)
            self._indexes[key] = found
            self._count_write()
            return found.version

    def scan_indexes_sync(self, cursor: int, count: int) -> tuple[int, list[str]]:
        """Index keys in sorted order, ``count`` at a time; cursor 0 back means done."""
        with self._lock:
            self._sweep()
            keys = sorted(self._indexes)[cursor : cursor + count]
            following = cursor + count
            return (following if following < len(self._indexes) else 0), keys

    def acquire_lock_sync(self, key: str, token: str, *, lease: float) -> bool:
        """Take the lock if it is free or its lease lapsed."""
        with self._lock:
            now = self._clock()
            held = self._locks.get(key)
            if held is not None and held[1] > now:
                return False
            self._locks[key] = (token, now + lease)
            return True

    def release_lock_sync(self, key: str, token: str) -> None:
        """Release the lock if ``token`` holds it."""
        with self._lock:
            held = self._locks.get(key)
            if held is not None and held[0] == token:
                del self._locks[key]

    # -- async protocol: the same operations, which never block on I/O ------------------

    async def load(self, key: str) -> StoredRecord | None:
        """Async :meth:`load_sync`."""
        return self.load_sync(key)

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
        """Async :meth:`save_sync`."""
        return self.save_sync(
            key, blob, stamp, expected_version=expected_version, ttl=ttl, index=index
        )

    async def touch(
        self, key: str, stamp: bytes, *, ttl: float, index: IndexRef | None = None
    ) -> bool:
        """Async :meth:`touch_sync`."""
        return self.touch_sync(key, stamp, ttl=ttl, index=index)

    async def delete(self, key: str, *, index: IndexRef | None = None) -> None:
        """Async :meth:`delete_sync`."""
        self.delete_sync(key, index=index)

    async def load_index(self, key: str) -> StoredIndex:
        """Async :meth:`load_index_sync`."""
        return self.load_index_sync(key)

    async def change_index(self, key: str, change: IndexChange) -> int | None:
        """Async :meth:`change_index_sync`."""
        return self.change_index_sync(key, change)

    async def scan_indexes(self, cursor: int, count: int) -> tuple[int, list[str]]:
        """Async :meth:`scan_indexes_sync`."""
        return self.scan_indexes_sync(cursor, count)

    async def acquire_lock(self, key: str, token: str, *, lease: float) -> bool:
        """Async :meth:`acquire_lock_sync`."""
        return self.acquire_lock_sync(key, token, lease=lease)

    async def release_lock(self, key: str, token: str) -> None:
        """Async :meth:`release_lock_sync`."""
        self.release_lock_sync(key, token)

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

    def _live_index(self, key: str) -> _Index | None:
        found = self._indexes.get(key)
        if found is not None and found.deadline <= self._clock():
            del self._indexes[key]
            return None
        return found

    def _restamp(self, index: IndexRef | None, stamp: bytes, ttl: float) -> None:
        found = self._live_index(index.key) if index is not None else None
        if found is None or index is None or index.handle not in found.entries:
            return
        found.entries[index.handle] = stamp + found.entries[index.handle][STAMP_BYTES:]
        found.deadline = max(found.deadline, self._clock() + ttl)

    def _count_write(self) -> None:
        self._writes += 1
        if self._writes % self._sweep_every == 0:
            self._sweep()

    def _sweep(self) -> None:
        now = self._clock()
        for key in [k for k, (_, deadline) in self._records.items() if deadline <= now]:
            del self._records[key]
        for key in [k for k, found in self._indexes.items() if found.deadline <= now]:
            del self._indexes[key]


class SyncMemoryStore:
    """A :class:`MemoryStore` seen through the sync protocol's method names."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.load = store.load_sync
        self.save = store.save_sync
        self.touch = store.touch_sync
        self.delete = store.delete_sync
        self.load_index = store.load_index_sync
        self.change_index = store.change_index_sync
        self.scan_indexes = store.scan_indexes_sync
        self.acquire_lock = store.acquire_lock_sync
        self.release_lock = store.release_lock_sync
