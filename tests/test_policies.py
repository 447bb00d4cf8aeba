"""P3's built-in policies as pure functions of (live sessions, incoming login)."""

from __future__ import annotations

import pytest

from session_middleware import (
    ConfigurationError,
    Decision,
    EvictIdlest,
    EvictOldest,
    Incoming,
    RejectNew,
    RequireConfirmation,
    SessionInfo,
    Unlimited,
)


def _session(handle: str, created: float, last_seen: float, device: str = "d1") -> SessionInfo:
    return SessionInfo(handle, created, last_seen, created + 1000, device, "Firefox", None, "ua")


LIVE = [_session("a", 1, 50, "d1"), _session("b", 2, 10, "d2"), _session("c", 3, 30, "d1")]
INCOMING = Incoming("ada", "d1", "Firefox", None, "ua", now=100)


def test_unlimited_admits() -> None:
    assert Unlimited().decide(LIVE, INCOMING) == Decision.admit()


def test_within_limits_everything_admits() -> None:
    for policy in (RejectNew, EvictOldest, EvictIdlest, RequireConfirmation):
        assert policy(max_per_user=4).decide(LIVE, INCOMING) == Decision.admit()


def test_reject_new_names_the_limit() -> None:
    assert RejectNew(max_per_user=3).decide(LIVE, INCOMING) == Decision.reject("max_per_user")
    assert RejectNew(max_per_device=2).decide(LIVE, INCOMING) == Decision.reject("max_per_device")


def test_evict_oldest_and_idlest_pick_different_victims() -> None:
    assert EvictOldest(max_per_user=3).decide(LIVE, INCOMING).evict == ("a",)
    assert EvictIdlest(max_per_user=3).decide(LIVE, INCOMING).evict == ("b",)
    assert EvictOldest(max_per_user=2).decide(LIVE, INCOMING).evict == ("a", "b")


def test_device_limit_counts_only_the_incoming_device() -> None:
    assert EvictOldest(max_per_device=2).decide(LIVE, INCOMING).evict == ("a",)
    assert EvictIdlest(max_per_device=1).decide(LIVE, INCOMING).evict == ("c", "a")
    other_device = Incoming("ada", "d2", "Firefox", None, "ua", now=100)
    assert EvictOldest(max_per_device=1).decide(LIVE, other_device).evict == ("b",)


def test_device_and_user_limits_together() -> None:
    decision = EvictOldest(max_per_user=2, max_per_device=1).decide(LIVE, INCOMING)
    assert decision.evict == ("a", "c")  # both d1 sessions for the device limit, then fits


def test_require_confirmation_admits_pending() -> None:
    assert RequireConfirmation(max_per_user=3).decide(LIVE, INCOMING).action == "pending"


@pytest.mark.parametrize("options", [{}, {"max_per_user": 0}, {"max_per_device": -1}])
def test_bad_limits_are_refused(options: dict[str, int]) -> None:
    with pytest.raises(ConfigurationError):
        EvictOldest(**options)
