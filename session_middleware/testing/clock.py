"""A controllable clock: pass it as ``clock=`` and move time without sleeping."""

from __future__ import annotations

import threading

__all__ = ["FakeClock"]

_START = 1_767_225_600.0  # 2026-01-01T00:00:00Z


class FakeClock:
    """A callable returning a Unix time that only moves when told to. Thread-safe."""

    def __init__(self, start: float = _START) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` and return the new time."""
        if seconds < 0:
            raise ValueError("a clock only moves forward")
        with self._lock:
            self._now += seconds
            return self._now

    def __repr__(self) -> str:
        return f"FakeClock({self._now!r})"
