"""A1-A5, T2's reauth_after and T5 over HTTP, against the memory store and real Redis."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from session_middleware import (
    Event,
    NotAuthenticated,
    ReauthRefused,
    SessionLoggedIn,
    SessionLoggedOut,
    SessionReauthenticated,
    SessionRegenerated,
    Timeouts,
)
from session_middleware.testing import FakeClock
from tests.conftest import middleware_of

MakeClient = Callable[..., TestClient]


def _record_exists(client: TestClient, cookie: str) -> bool:
    middleware = middleware_of(client)
    key = middleware.core.identity.store_key(cookie.split(".")[0])
    return client.portal.call(middleware.store.load, key) is not None  # type: ignore[union-attr]


def _replay(client: TestClient, cookie: str) -> dict[str, object]:
    client.cookies.set("session", cookie)
    body: dict[str, object] = client.get("/").json()
    return body


def test_login_regenerates_the_id_and_the_old_record_is_gone(make_client: MakeClient) -> None:
    client = make_client()
    client.post("/set", json={"cart": ["tea"]})
    before = client.cookies["session"]
    response = client.post("/login", json={"user": "ada"})
    assert response.json() == {"data": {"cart": ["tea"]}, "is_new": False}  # data carried
    after = client.cookies["session"]
    assert after.split(".")[0] != before.split(".")[0]
    assert not _record_exists(client, before) and _record_exists(client, after)
    assert client.get("/whoami").json()["user"] == "ada"
    assert _replay(client, before) == {"data": {}, "is_new": True}


def test_login_can_drop_anonymous_data(make_client: MakeClient) -> None:
    client = make_client()
    client.post("/set", json={"cart": ["tea"]})
    client.post("/login", json={"user": "ada", "keep": False})
    assert client.get("/").json()["data"] == {}
    assert client.get("/whoami").json()["user"] == "ada"


def test_login_records_time_method_and_mfa(make_client: MakeClient, clock: FakeClock) -> None:
    client = make_client()
    client.post("/login", json={"user": 42, "method": "webauthn", "mfa": True})
    me = client.get("/whoami").json()
    assert len(me.pop("handle")) == 16
    assert me == {
        "user": "42",
        "auth_time": clock(),
        "method": "webauthn",
        "mfa": True,
        "needs_reauth": False,
        "needs_reauth_60": False,
        "pending": False,
    }


def test_logout_destroys_the_session_and_expires_the_cookie(make_client: MakeClient) -> None:
    client = make_client()
    client.post("/login", json={"user": "ada"})
    cookie = client.cookies["session"]
    response = client.post("/logout")
    assert response.headers["set-cookie"].startswith("session=null;")
    assert not _record_exists(client, cookie)
    assert _replay(client, cookie) == {"data": {}, "is_new": True}


def test_regenerate_keeps_data_under_a_new_id(make_client: MakeClient) -> None:
    client = make_client()
    client.post("/set", json={"a": 1})
    old = client.cookies["session"]
    assert client.post("/regenerate").json()["data"] == {"a": 1}
    assert client.cookies["session"].split(".")[0] != old.split(".")[0]
    assert client.get("/").json() == {"data": {"a": 1}, "is_new": False}
    assert _replay(client, old) == {"data": {}, "is_new": True}


def test_reauthenticate_rotates_the_id_and_refreshes_auth(
    make_client: MakeClient, clock: FakeClock
) -> None:
    client = make_client()
    client.post("/login", json={"user": "ada"})
    old = client.cookies["session"]
    clock.advance(1000)
    assert client.get("/whoami").json()["needs_reauth_60"] is True
    client.post("/reauth")
    me = client.get("/whoami").json()
    assert me["auth_time"] == clock() and me["method"] == "webauthn"
    assert me["needs_reauth_60"] is False
    assert _replay(client, old) == {"data": {}, "is_new": True}


def test_reauthenticate_needs_a_login(make_client: MakeClient) -> None:
    client = make_client()
    with pytest.raises(NotAuthenticated):
        client.post("/reauth")


def test_anonymous_sessions_need_reauth(make_client: MakeClient) -> None:
    assert make_client().get("/whoami").json()["needs_reauth"] is True


def test_guard_passes_fresh_auth_and_refuses_old_auth(
    make_client: MakeClient, clock: FakeClock
) -> None:
    events: list[Event] = []
    client = make_client(on_event=events.append)
    calls = client.app.state.calls  # type: ignore[attr-defined]
    client.post("/login", json={"user": "ada"})
    assert client.get("/sensitive").text == "sensitive ok"
    clock.advance(301)
    refused = client.get("/sensitive")
    assert (refused.status_code, refused.json()) == (401, {"detail": "reauth_required"})
    assert calls == ["sensitive"]  # the endpoint did not run the second time
    client.post("/reauth")
    assert client.get("/sensitive").text == "sensitive ok"
    assert calls == ["sensitive", "sensitive"]
    assert [e.reason for e in events if isinstance(e, ReauthRefused)] == ["reauth_required"]


def test_guards_refuse_anonymous_sessions(make_client: MakeClient) -> None:
    client = make_client()
    for path in ("/sensitive", "/members"):
        response = client.get(path)
        assert (response.status_code, response.json()) == (401, {"detail": "login_required"})
    assert client.app.state.calls == []  # type: ignore[attr-defined]
    client.post("/login", json={"user": "ada"})
    assert client.get("/members").text == "members ok"


def test_reauth_after_flags_old_authentications(make_client: MakeClient, clock: FakeClock) -> None:
    client = make_client(reauth_after=3600, idle_timeout=7200, touch_interval=60)
    client.post("/login", json={"user": "ada"})
    clock.advance(3000)
    assert client.get("/whoami").json()["needs_reauth"] is False
    clock.advance(601)
    assert client.get("/whoami").json()["needs_reauth"] is True
    assert client.get("/sensitive").status_code == 401


def test_authenticated_sessions_expire_idle_and_absolute(
    make_client: MakeClient, clock: FakeClock
) -> None:
    client = make_client(idle_timeout=600, absolute_timeout=3600, touch_interval=60)
    client.post("/login", json={"user": "ada"})
    clock.advance(601)
    assert client.get("/whoami").json()["user"] is None
    client.post("/login", json={"user": "ada"})
    for _ in range(12):
        clock.advance(300)
        client.get("/")
    assert client.get("/whoami").json()["user"] is None  # 3600 s after login


def test_reauthenticate_restarts_the_absolute_deadline(
    make_client: MakeClient, clock: FakeClock
) -> None:
    client = make_client(idle_timeout=600, absolute_timeout=1000, touch_interval=60)
    client.post("/login", json={"user": "ada"})
    clock.advance(500)
    client.post("/reauth")
    clock.advance(500)
    client.get("/")
    clock.advance(400)  # 1400 s after login, 900 s after re-authentication
    assert client.get("/whoami").json()["user"] == "ada"


def test_nist_aal2_preset() -> None:
    preset = Timeouts.nist_aal2()
    assert (preset.idle, preset.absolute, preset.reauth_after) == (3600, 86400, 86400)


def test_timeouts_value_is_accepted(make_client: MakeClient, clock: FakeClock) -> None:
    client = make_client(timeouts=Timeouts.nist_aal2())
    client.post("/login", json={"user": "ada"})
    clock.advance(3601)
    assert client.get("/whoami").json()["user"] is None


def test_auth_events_are_emitted(make_client: MakeClient) -> None:
    events: list[Event] = []
    client = make_client(on_event=events.append)
    client.post("/login", json={"user": "ada", "method": "password"})
    client.post("/regenerate")
    client.post("/reauth")
    client.post("/logout")
    kinds = [type(e) for e in events if e.name != "session_created"]
    assert kinds == [SessionLoggedIn, SessionRegenerated, SessionReauthenticated, SessionLoggedOut]
    logged_in = next(e for e in events if isinstance(e, SessionLoggedIn))
    assert (logged_in.user_id, logged_in.method) == ("ada", "password")


def test_passive_requests_do_not_keep_a_session_alive(
    make_client: MakeClient, clock: FakeClock
) -> None:
    client = make_client(idle_timeout=1800, touch_interval=60, passive_paths=["/passive"])
    client.post("/login", json={"user": "ada"})
    for minute in range(1, 30):  # a page polling every minute
        clock.advance(60)
        assert client.get("/poll").json()["is_new"] is False, minute
        client.get("/passive/feed")
    clock.advance(61)  # 30 minutes after the last real activity
    assert client.get("/whoami").json()["user"] is None


def test_normal_requests_keep_a_session_alive(make_client: MakeClient, clock: FakeClock) -> None:
    client = make_client(idle_timeout=1800, touch_interval=60)
    client.post("/login", json={"user": "ada"})
    for _ in range(180):  # three hours, a request a minute
        clock.advance(60)
        client.get("/")
    assert client.get("/whoami").json()["user"] == "ada"
