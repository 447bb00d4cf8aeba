"""Helpers for testing apps and stores that use session_middleware.

Importable without pytest or hypothesis: :class:`FakeClock` is always here; the hypothesis
strategies (:mod:`.strategies`), the reference model and state machine (:mod:`.model`,
:mod:`.machine`) need the ``test`` extra, and the store conformance suite is in
:mod:`.conformance`.
"""

from session_middleware.testing.clock import FakeClock

__all__ = ["FakeClock"]
