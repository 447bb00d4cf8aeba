"""E2, E4 key rotation over HTTP; O2 events and logs that never carry a session id."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from session_middleware import Event, SessionCreated
from session_middleware.crypto.envelope import envelope_kid
from session_middleware.testing import FakeClock
from tests.conftest import middleware_of

MakeClient = Callable[..., TestClient]
OLD, NEW = "old-secret-0123456789abcdefgh", "new-secret-0123456789abcdefgh"


def _stored_kid(client: TestClient) -> str | None:
    middleware = middleware_of(client)
    key = middleware.core.identity.store_key(client.cookies["session"].split(".")[0])
    record = client.portal.call(middleware.store.load, key)  # type: ignore[union-attr]
    return envelope_kid(record.blob) if record else None


def test_rotation_logs_nobody_out_and_rewrites_under_the_new_key(
    make_client: MakeClient,
) -> None:
    before = make_client(secret_key=OLD)
    before.post("/set", json={"a": 1})
    after = make_client(secret_keys=[NEW, OLD])
    after.cookies.update(before.cookies)
    old_kid = _stored_kid(after)
    assert after.get("/").json() == {"data": {"a": 1}, "is_new": False}
    after.post("/set", json={"a": 2})  # the next write re-encrypts under the primary
    new_kid = _stored_kid(after)
    assert old_kid != new_kid
    assert new_kid == middleware_of(after).core.keyring.primary.kid
    assert after.get("/").json()["data"] == {"a": 2}


def test_a_retired_key_ends_its_sessions_cleanly(make_client: MakeClient) -> None:
    before = make_client(secret_key=OLD)
    before.post("/set", json={"a": 1})
    retired = make_client(secret_key=NEW)
    retired.cookies.update(before.cookies)
    response = retired.get("/")
    assert response.status_code == 200 and response.json()["is_new"] is True


def test_logs_never_contain_a_session_id(
    make_client: MakeClient, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(idle_timeout=600, touch_interval=60)
    with caplog.at_level(logging.DEBUG, logger="session_middleware"):
        client.post("/set", json={"a": 1})
        cookie = client.cookies["session"]
        clock.advance(610)  # past the idle deadline, inside the store's grace
        client.get("/")
        client.cookies.set("session", cookie[:-3] + "xyz")
        client.get("/")
    messages = [r.getMessage() for r in caplog.records]
    assert any("session_created" in m for m in messages)
    assert any("session_expired" in m and "idle" in m for m in messages)
    assert any("cookie_rejected" in m for m in messages)
    session_id = cookie.split(".")[0]
    assert not any(session_id in m or session_id[8:] in m for m in messages)


def test_events_name_sessions_by_a_stable_handle(make_client: MakeClient) -> None:
    events: list[Event] = []
    client = make_client(on_event=events.append)
    client.post("/set", json={"a": 1})
    (created,) = [e for e in events if isinstance(e, SessionCreated)]
    session_id = client.cookies["session"].split(".")[0]
    assert created.handle == middleware_of(client).core.identity.handle(session_id)
    assert created.handle not in session_id and len(created.handle) == 16


def test_a_failing_event_callback_does_not_fail_the_request(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(event: Event) -> None:
        raise RuntimeError("sink down")

    client = make_client(on_event=explode)
    assert client.post("/set", json={"a": 1}).status_code == 200
    assert "event callback raised" in caplog.text
