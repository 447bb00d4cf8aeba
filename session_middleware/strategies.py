"""Write strategies: what a compare-and-set write does when it loses a race (DESIGN.md W2).

Browsers send parallel requests with one cookie. Every write is a compare-and-set on the
record's version; when another request wrote first, the strategy says what to write now:

==================  ===================================================================
``MergeChanges``    (default) re-apply this request's own top-level changes (keys set or
                    deleted) to the fresh record and try again, so two requests changing
                    different keys both persist; the same key: the later write wins
``LastWriteWins``   write this request's whole session over the fresh one
``Locking``         a session's requests take a short lease lock in the store before the
                    handler runs, so read-modify-write of one key is safe; bounded wait,
                    and the lease expires so a crashed worker never wedges a session
==================  ===================================================================

Whatever the strategy, a record that was destroyed meanwhile (a logout in another tab) is
never re-created, and after ``max_attempts`` lost races the write is dropped with
:class:`~session_middleware.errors.SessionConflict`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from session_middleware.errors import ConfigurationError

__all__ = ["LastWriteWins", "LockPlan", "Locking", "MergeChanges", "WriteStrategy"]


class WriteStrategy(Protocol):
    """The write strategy protocol."""

    @property
    def max_attempts(self) -> int:
        """How many compare-and-set writes to try in all (the first one included)."""
        ...

    @property
    def locking(self) -> LockPlan | None:
        """How requests lock the session before the handler runs, or ``None`` for no lock."""
        ...

    def resolve(
        self, original: dict[str, Any], final: dict[str, Any], fresh: dict[str, Any]
    ) -> dict[str, Any]:
        """The data to write after losing a race: from what this request loaded, what it
        ended with, and what the store holds now."""
        ...


@dataclass(frozen=True, slots=True)
class LockPlan:
    """A lease lock: held ``lease`` seconds at most, tried ``tries`` times ``pause`` apart."""

    lease: float
    tries: int
    pause: float


def _check_attempts(max_attempts: int) -> None:
    if max_attempts < 1:
        raise ConfigurationError("max_attempts", "use at least 1")


def _same(before: Any, after: Any) -> bool:
    """Unchanged: equal, and of the same type (``True`` and ``1`` are equal in Python)."""
    return type(before) is type(after) and before == after


@dataclass(frozen=True)
class _Unlocked:
    """A strategy that takes no lock and tries ``max_attempts`` writes."""

    max_attempts: int = 16

    def __post_init__(self) -> None:
        _check_attempts(self.max_attempts)

    @property
    def locking(self) -> LockPlan | None:
        """No lock."""
        return None


@dataclass(frozen=True)
class MergeChanges(_Unlocked):
    """Re-apply this request's top-level changes onto the fresh record."""

    def resolve(
        self, original: dict[str, Any], final: dict[str, Any], fresh: dict[str, Any]
    ) -> dict[str, Any]:
        """``fresh`` with the keys this request set or deleted, set or deleted."""
        merged = dict(fresh)
        for key, value in final.items():
            if key not in original or not _same(original[key], value):
                merged[key] = value
        for key in original.keys() - final.keys():
            merged.pop(key, None)
        return merged


@dataclass(frozen=True)
class LastWriteWins(_Unlocked):
    """This request's session replaces whatever was written meanwhile."""

    def resolve(
        self, original: dict[str, Any], final: dict[str, Any], fresh: dict[str, Any]
    ) -> dict[str, Any]:
        """Exactly this request's data."""
        return dict(final)


@dataclass(frozen=True, slots=True)
class Locking:
    """Serialize a session's requests with a lease lock taken before the handler runs.

    ``lease``: how long a holder keeps the lock at most (a crashed worker's lock lapses).
    ``wait``: how long a request waits for it, polling every ``poll`` seconds, before it
    is answered 503. Writes stay compare-and-set and merge, should a lease ever lapse.
    """

    lease_seconds: float = 5.0
    wait: float = 2.0
    poll: float = 0.01
    max_attempts: int = 16

    def __post_init__(self) -> None:
        _check_attempts(self.max_attempts)
        if not 0 < self.poll <= self.wait < self.lease_seconds:
            raise ConfigurationError("Locking", "need 0 < poll <= wait < lease_seconds")

    @property
    def locking(self) -> LockPlan | None:
        """Lease, number of tries and the pause between them."""
        return LockPlan(self.lease_seconds, round(self.wait / self.poll) + 1, self.poll)

    def resolve(
        self, original: dict[str, Any], final: dict[str, Any], fresh: dict[str, Any]
    ) -> dict[str, Any]:
        """As :class:`MergeChanges` (only reached if a lease lapsed)."""
        return MergeChanges().resolve(original, final, fresh)
