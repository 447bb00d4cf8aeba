"""Helpers for testing apps that use session_middleware (importable without pytest)."""

from session_middleware.testing.clock import FakeClock

__all__ = ["FakeClock"]
