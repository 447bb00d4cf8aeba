"""T1-T4: idle and absolute deadlines, sliding, touch throttling, cookie renewal.

All on the injected FakeClock: nothing sleeps.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis
from starlette.testclient import TestClient

from session_middleware import Event, SessionExpired
from session_middleware.testing import FakeClock

MakeClient = Callable[..., TestClient]
TIMEOUTS = {"idle_timeout": 600, "absolute_timeout": 3600, "touch_interval": 60}


def test_idle_session_is_gone_and_its_cookie_cleared(
    make_client: MakeClient, clock: FakeClock
) -> None:
    events: list[Event] = []
    client = make_client(on_event=events.append, **TIMEOUTS)
    client.post("/set", json={"a": 1})
    clock.advance(600)
    response = client.get("/")
    assert response.json() == {"data": {}, "is_new": True}
    assert response.headers["set-cookie"].startswith("session=null;")
    assert [e.reason for e in events if isinstance(e, SessionExpired)] == ["idle"]


def test_activity_slides_the_idle_deadline(make_client: MakeClient, clock: FakeClock) -> None:
    client = make_client(**TIMEOUTS)
    client.post("/set", json={"a": 1})
    for _ in range(5):  # 2500 s in all, never 600 s idle
        clock.advance(500)
        assert client.get("/").json()["data"] == {"a": 1}


def test_absolute_deadline_ends_even_an_active_session(
    make_client: MakeClient, clock: FakeClock
) -> None:
    events: list[Event] = []
    client = make_client(on_event=events.append, **TIMEOUTS)
    client.post("/set", json={"a": 1})
    for _ in range(11):  # 3300 s, active every 300 s
        clock.advance(300)
        assert client.get("/").json()["data"] == {"a": 1}
    clock.advance(300)
    assert client.get("/").json() == {"data": {}, "is_new": True}
    assert [e.reason for e in events if isinstance(e, SessionExpired)] == ["absolute"]


def test_writes_also_slide_and_do_not_extend_the_absolute_deadline(
    make_client: MakeClient, clock: FakeClock
) -> None:
    client = make_client(**TIMEOUTS)
    client.post("/set", json={"n": 0})
    for n in range(1, 12):
        clock.advance(300)
        client.post("/set", json={"n": n})
    clock.advance(300)
    assert client.get("/").json()["is_new"] is True


def test_a_session_touched_just_inside_the_interval_still_expires_on_time(
    make_client: MakeClient, clock: FakeClock
) -> None:
    """Reads within touch_interval do not slide: the deadline moves in touch steps."""
    client = make_client(**TIMEOUTS)
    client.post("/set", json={"a": 1})
    clock.advance(59)
    client.get("/")  # inside the touch interval: not recorded
    clock.advance(541)  # 600 s after the last recorded activity
    assert client.get("/").json()["is_new"] is True


def test_cookie_is_renewed_past_half_its_max_age(make_client: MakeClient, clock: FakeClock) -> None:
    client = make_client(max_age=1000, idle_timeout=5000, absolute_timeout=50_000)
    client.post("/set", json={"a": 1})
    original = client.cookies["session"]
    clock.advance(400)
    assert "set-cookie" not in client.get("/").headers
    clock.advance(200)
    renewed = client.get("/").headers["set-cookie"]
    assert renewed.startswith("session=") and "Max-Age=1000" in renewed
    assert client.cookies["session"] != original
    assert client.cookies["session"].split(".")[0] == original.split(".")[0]  # same id
    assert client.get("/").json()["data"] == {"a": 1}


def test_cookie_is_not_renewed_when_the_session_dies_first(
    make_client: MakeClient, clock: FakeClock
) -> None:
    client = make_client(max_age=1000, idle_timeout=5000, absolute_timeout=900)
    client.post("/set", json={"a": 1})
    clock.advance(700)
    assert "set-cookie" not in client.get("/").headers


def test_cookie_older_than_max_age_is_refused(make_client: MakeClient, clock: FakeClock) -> None:
    client = make_client(max_age=1000, idle_timeout=5000)
    client.post("/set", json={"a": 1})
    clock.advance(1001)
    assert client.get("/").json()["is_new"] is True


@pytest.mark.parametrize("store_kind", ["redis"])
def test_redis_ttl_is_the_remaining_life_and_expired_records_are_deleted(
    make_client: MakeClient, clock: FakeClock, redis_client: redis.Redis, prefix: str
) -> None:
    client = make_client(idle_timeout=600, absolute_timeout=1000, touch_interval=60)
    client.post("/set", json={"a": 1})
    (key,) = redis_client.keys(prefix + "*")
    grace = 60_000
    assert 599_000 + grace <= redis_client.pttl(key) <= 600_000 + grace  # idle deadline first
    clock.advance(500)
    client.get("/")  # touch: life left is now the absolute deadline, 500 s away
    assert 499_000 + grace <= redis_client.pttl(key) <= 500_000 + grace
    clock.advance(500)
    assert client.get("/").json()["is_new"] is True
    assert redis_client.exists(key) == 0
