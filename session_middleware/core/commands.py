"""Store commands: the frozen values the core yields and an adapter's driver executes.

A flow is a generator that yields commands and receives each one's result, and finally
returns its outcome. The same flow is driven by an async driver (which awaits each call)
and a sync one (which does not), so no decision is written twice (STYLE.md rule 2).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from session_middleware.types import IndexChange, IndexRef

__all__ = [
    "AcquireLock",
    "ChangeIndex",
    "Delete",
    "Flow",
    "Load",
    "LoadIndex",
    "Pause",
    "ReleaseLock",
    "Save",
    "ScanIndexes",
    "StoreCommand",
    "Touch",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Load:
    """Fetch the record under ``key``; the result is a ``StoredRecord`` or ``None``."""

    key: str

    def call(self, store: Any) -> Any:
        """Start the store call (a value for a sync store, an awaitable for an async one)."""
        return store.load(self.key)


@dataclass(frozen=True, slots=True)
class Save:
    """Compare-and-set write; the result is the new version, or ``None`` on conflict."""

    key: str
    blob: bytes = field(repr=False)
    stamp: bytes = field(repr=False)
    expected_version: int | None
    ttl: float
    index: IndexRef | None = None

    def call(self, store: Any) -> Any:
        """Start the store call."""
        return store.save(
            self.key,
            self.blob,
            self.stamp,
            expected_version=self.expected_version,
            ttl=self.ttl,
            index=self.index,
        )


@dataclass(frozen=True, slots=True)
class Touch:
    """Replace the activity stamp and extend the TTL; the result is ``bool`` (existed)."""

    key: str
    stamp: bytes = field(repr=False)
    ttl: float
    index: IndexRef | None = None

    def call(self, store: Any) -> Any:
        """Start the store call."""
        return store.touch(self.key, self.stamp, ttl=self.ttl, index=self.index)


@dataclass(frozen=True, slots=True)
class Delete:
    """Remove the record under ``key`` (and its index entry); the result is ``None``."""

    key: str
    index: IndexRef | None = None

    def call(self, store: Any) -> Any:
        """Start the store call."""
        return store.delete(self.key, index=self.index)


@dataclass(frozen=True, slots=True)
class LoadIndex:
    """Fetch a user's index; the result is a ``StoredIndex``."""

    key: str

    def call(self, store: Any) -> Any:
        """Start the store call."""
        return store.load_index(self.key)


@dataclass(frozen=True, slots=True)
class ChangeIndex:
    """Apply an atomic ``IndexChange``; the result is the new version or ``None``."""

    key: str
    change: IndexChange

    def call(self, store: Any) -> Any:
        """Start the store call."""
        return store.change_index(self.key, self.change)


@dataclass(frozen=True, slots=True)
class ScanIndexes:
    """One step of a scan over index keys; the result is ``(cursor, keys)``."""

    cursor: int
    count: int

    def call(self, store: Any) -> Any:
        """Start the store call."""
        return store.scan_indexes(self.cursor, self.count)


@dataclass(frozen=True, slots=True)
class AcquireLock:
    """Take the lease lock ``key`` with ``token`` if free; the result is ``bool``."""

    key: str
    token: str = field(repr=False)
    lease: float

    def call(self, store: Any) -> Any:
        """Start the store call."""
        return store.acquire_lock(self.key, self.token, lease=self.lease)


@dataclass(frozen=True, slots=True)
class ReleaseLock:
    """Release the lease lock ``key`` if ``token`` still holds it; the result is ``None``."""

    key: str
    token: str = field(repr=False)

    def call(self, store: Any) -> Any:
        """Start the store call."""
        return store.release_lock(self.key, self.token)


@dataclass(frozen=True, slots=True)
class Pause:
    """Wait ``seconds`` before the next command (the driver sleeps; no store call)."""

    seconds: float


StoreCommand = (
    Load
    | Save
    | Touch
    | Delete
    | LoadIndex
    | ChangeIndex
    | ScanIndexes
    | AcquireLock
    | ReleaseLock
    | Pause
)
Flow = Generator[StoreCommand, Any, T]
