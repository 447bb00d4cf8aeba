"""Store commands: the frozen values the core yields and an adapter's driver executes.

A flow is a generator that yields commands and receives each one's result, and finally
returns its outcome. The same flow is driven by an async driver (which awaits each call)
and a sync one (which does not), so no decision is written twice (STYLE.md rule 2).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any, TypeVar

__all__ = ["Delete", "Flow", "Load", "Save", "StoreCommand", "Touch"]

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

    def call(self, store: Any) -> Any:
        """Start the store call."""
        return store.save(
            self.key, self.blob, self.stamp, expected_version=self.expected_version, ttl=self.ttl
        )


@dataclass(frozen=True, slots=True)
class Touch:
    """Replace the activity stamp and extend the TTL; the result is ``bool`` (existed)."""

    key: str
    stamp: bytes = field(repr=False)
    ttl: float

    def call(self, store: Any) -> Any:
        """Start the store call."""
        return store.touch(self.key, self.stamp, ttl=self.ttl)


@dataclass(frozen=True, slots=True)
class Delete:
    """Remove the record under ``key``; the result is ``None``."""

    key: str

    def call(self, store: Any) -> Any:
        """Start the store call."""
        return store.delete(self.key)


StoreCommand = Load | Save | Touch | Delete
Flow = Generator[StoreCommand, Any, T]
