"""Plug points (protocols) and the values that cross them.

A store only ever sees opaque values: a keyed hash of the session id as its key, a sealed
envelope, and a MAC'd activity stamp that can be replaced without re-encrypting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from session_middleware.events import Event

__all__ = ["AsyncStore", "Clock", "EventSink", "StoredRecord"]

Clock = Callable[[], float]
"""Returns the current Unix time in seconds. Injected everywhere; tests use a fake one."""

EventSink = Callable[["Event"], None]
"""Receives every event the middleware emits (see :mod:`session_middleware.events`)."""


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """What a store holds under one key.

    ``blob`` is the sealed envelope (session data and immutable fields), ``stamp`` the
    authenticated last-activity time that a touch replaces, ``version`` a counter the store
    increments on every successful save (the compare-and-set token).
    """

    blob: bytes
    stamp: bytes
    version: int


@runtime_checkable
class AsyncStore(Protocol):
    """The asynchronous session store protocol the ASGI middleware drives.

    Every method is one round trip. ``ttl`` is in seconds and only collects garbage: the
    core enforces the real deadlines itself. Failures raise :class:`StoreError`.
    """

    async def load(self, key: str) -> StoredRecord | None:
        """Return the record under ``key``, or ``None`` when there is none."""
        ...

    async def save(
        self, key: str, blob: bytes, stamp: bytes, *, expected_version: int | None, ttl: float
    ) -> int | None:
        """Compare-and-set: write only if the current version is ``expected_version``.

        ``expected_version=None`` means "create": succeed only if the key does not exist,
        so a deleted session can never be re-created by a slow request. Returns the new
        version, or ``None`` when the comparison failed and nothing was written.
        """
        ...

    async def touch(self, key: str, stamp: bytes, *, ttl: float) -> bool:
        """Replace the stamp and extend the TTL of an existing record; ``False`` if absent."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the record under ``key`` (absent is fine)."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
