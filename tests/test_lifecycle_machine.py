"""The shipped state machine over our own adapters and stores (issue 7)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from session_middleware import EvictOldest, MemoryStore, RedisStore, SyncRedisStore
from session_middleware.testing import FakeClock
from session_middleware.testing.machine import SessionLifecycle
from session_middleware.testing.targets import FlaskTarget, StarletteTarget

MACHINE_SETTINGS = settings(
    stateful_step_count=40, suppress_health_check=[HealthCheck.too_slow], deadline=None
)


def _prefix() -> str:
    return f"machine:{uuid.uuid4().hex[:8]}:"


def _run(make_target: Any) -> None:
    machine = SessionLifecycle.with_target(make_target)
    machine.TestCase.settings = MACHINE_SETTINGS
    machine.TestCase().runTest()


def test_starlette_over_memory() -> None:
    _run(lambda clock: StarletteTarget(store=MemoryStore(clock=clock), clock=clock))


def test_flask_over_memory() -> None:
    _run(lambda clock: FlaskTarget(store=MemoryStore(clock=clock).as_sync(), clock=clock))


@pytest.mark.usefixtures("redis_server")
def test_starlette_over_redis(request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("redis_server").url

    def target(clock: FakeClock) -> StarletteTarget:
        return StarletteTarget(store=RedisStore.from_url(url, prefix=_prefix()), clock=clock)

    _run(target)


@pytest.mark.usefixtures("redis_server")
def test_flask_over_redis(request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("redis_server").url

    def target(clock: FakeClock) -> FlaskTarget:
        return FlaskTarget(store=SyncRedisStore.from_url(url, prefix=_prefix()), clock=clock)

    _run(target)


def test_starlette_under_a_one_session_per_user_policy() -> None:
    def target(clock: FakeClock) -> StarletteTarget:
        policy = EvictOldest(max_per_user=1)
        return StarletteTarget(store=MemoryStore(clock=clock), clock=clock, policy=policy)

    machine = SessionLifecycle.with_target(target, max_per_user=1)
    machine.TestCase.settings = MACHINE_SETTINGS
    machine.TestCase().runTest()
