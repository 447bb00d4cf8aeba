"""A bounded memo for pure, hot computations (verified cookies, stamps, record keys).

Every entry is the result of a pure function of its key, so a hit can only return what the
computation itself would; a full cache is simply emptied (hot entries come straight back).
Keys are whole values a client or the store supplied: a lookup that misses costs one hash
and tells nothing about other entries.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["Memo"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(Generic[K, V]):
    """Caches ``compute(key)``: at most ``capacity`` entries, only keys ``admit`` accepts.

    A ``compute`` that raises caches nothing.
    """

    __slots__ = ("_admit", "_capacity", "_compute", "_entries")

    def __init__(
        self,
        compute: Callable[[K], V],
        capacity: int = 10_000,
        admit: Callable[[K], bool] | None = None,
    ) -> None:
        self._compute = compute
        self._capacity = capacity
        self._admit = admit
        self._entries: dict[K, V] = {}

    def __call__(self, key: K) -> V:
        try:
            return self._entries[key]
        except KeyError:
            pass
        value = self._compute(key)
        self.remember(key, value)
        return value

    def remember(self, key: K, value: V) -> None:
        """Store a value known to equal ``compute(key)`` (say, what was just written)."""
        if self._admit is not None and not self._admit(key):
            return
        if len(self._entries) >= self._capacity:
            self._entries.clear()
        self._entries[key] = value
