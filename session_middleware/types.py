"""Plug points (protocols) and the values that cross them.

A store only ever sees opaque values: a keyed hash of the session id as its key, a sealed
envelope, and a MAC'd activity stamp that can be replaced without re-encrypting.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from session_middleware.events import Event

__all__ = [
    "STAMP_BYTES",
    "AsyncStore",
    "Clock",
    "EventSink",
    "IndexChange",
    "IndexRef",
    "NewRecord",
    "StoredIndex",
    "StoredRecord",
    "SyncStore",
]

STAMP_BYTES = 13 + 1 + 22
"""Length of every activity stamp (13 digits of milliseconds, a dot, a 22-character MAC)."""

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


@dataclass(frozen=True, slots=True)
class IndexRef:
    """Where a session's entry lives: its user's index key and the session's handle.

    Saves and touches of an authenticated session also refresh the first
    ``STAMP_BYTES`` of that entry (its activity stamp); deletes remove the entry.
    """

    key: str
    handle: str


@dataclass(frozen=True, slots=True)
class StoredIndex:
    """A user's index: a version (0 when absent) and entry values by handle.

    Each value is an activity stamp (``STAMP_BYTES``) followed by a sealed entry.
    """

    version: int
    entries: Mapping[str, bytes]


@dataclass(frozen=True, slots=True)
class NewRecord:
    """A record to create as part of an index change (fails the change if it exists)."""

    key: str
    blob: bytes = field(repr=False)
    stamp: bytes = field(repr=False)
    ttl: float


@dataclass(frozen=True, slots=True)
class IndexChange:
    """One atomic change of a user's index and the records it names.

    Applied only if the index is still at ``expected_version`` (``None``: any version)
    and ``create`` (if any) does not exist yet: then the records in ``remove`` are deleted
    with their entries, ``create`` is written, ``put`` entries are set, the version goes up
    by one and the index lives at least ``ttl`` more seconds.
    """

    expected_version: int | None
    create: NewRecord | None = None
    put: Mapping[str, bytes] = field(default_factory=dict)
    remove: Mapping[str, str] = field(default_factory=dict)
    ttl: float = 0.0


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
        self,
        key: str,
        blob: bytes,
        stamp: bytes,
        *,
        expected_version: int | None,
        ttl: float,
        index: IndexRef | None = None,
    ) -> int | None:
        """Compare-and-set: write only if the current version is ``expected_version``.

        ``expected_version=None`` means "create": succeed only if the key does not exist,
        so a deleted session can never be re-created by a slow request. Returns the new
        version, or ``None`` when the comparison failed and nothing was written.
        """
        ...

    async def touch(
        self, key: str, stamp: bytes, *, ttl: float, index: IndexRef | None = None
    ) -> bool:
        """Replace the stamp and extend the TTL of an existing record; ``False`` if absent."""
        ...

    async def delete(self, key: str, *, index: IndexRef | None = None) -> None:
        """Remove the record under ``key`` and its index entry (absent is fine)."""
        ...

    async def load_index(self, key: str) -> StoredIndex:
        """The user index under ``key`` (version 0 and no entries when absent)."""
        ...

    async def change_index(self, key: str, change: IndexChange) -> int | None:
        """Apply ``change`` atomically; the new version, or ``None`` if a check failed."""
        ...

    async def scan_indexes(self, cursor: int, count: int) -> tuple[int, list[str]]:
        """Up to about ``count`` index keys from ``cursor``; cursor 0 back means done."""
        ...

    async def acquire_lock(self, key: str, token: str, *, lease: float) -> bool:
        """Take the lock ``key`` for ``lease`` seconds if nobody holds it."""
        ...

    async def release_lock(self, key: str, token: str) -> None:
        """Release the lock ``key`` if ``token`` still holds it."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


@runtime_checkable
class SyncStore(Protocol):
    """The synchronous twin of :class:`AsyncStore`, for WSGI (Flask): the same operations,
    the same semantics, no awaiting."""

    def load(self, key: str) -> StoredRecord | None:
        """See :meth:`AsyncStore.load`."""
        ...

    def save(
        self,
        key: str,
        blob: bytes,
        stamp: bytes,
        *,
        expected_version: int | None,
        ttl: float,
        index: IndexRef | None = None,
    ) -> int | None:
        """See :meth:`AsyncStore.save`."""
        ...

    def touch(self, key: str, stamp: bytes, *, ttl: float, index: IndexRef | None = None) -> bool:
        """See :meth:`AsyncStore.touch`."""
        ...

    def delete(self, key: str, *, index: IndexRef | None = None) -> None:
        """See :meth:`AsyncStore.delete`."""
        ...

    def load_index(self, key: str) -> StoredIndex:
        """See :meth:`AsyncStore.load_index`."""
        ...

    def change_index(self, key: str, change: IndexChange) -> int | None:
        """See :meth:`AsyncStore.change_index`."""
        ...

    def scan_indexes(self, cursor: int, count: int) -> tuple[int, list[str]]:
        """See :meth:`AsyncStore.scan_indexes`."""
        ...

    def acquire_lock(self, key: str, token: str, *, lease: float) -> bool:
        """See :meth:`AsyncStore.acquire_lock`."""
        ...

    def release_lock(self, key: str, token: str) -> None:
        """See :meth:`AsyncStore.release_lock`."""
        ...
