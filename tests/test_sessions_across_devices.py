"""P1-P5 over HTTP: the per-user index, policies at login, devices, revocation, IDOR."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from session_middleware import (
    Event,
    EvictIdlest,
    EvictOldest,
    LoginRejected,
    RejectNew,
    RequireConfirmation,
    SessionEvicted,
    SessionRevoked,
)
from session_middleware.testing import FakeClock
from tests.conftest import middleware_of

MakeClient = Callable[..., TestClient]
FIREFOX = {"user-agent": "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/130.0"}


class Devices:
    """Several browsers (TestClients) on one app, all reaching the same store."""

    def __init__(self, make_client: MakeClient, **options: Any) -> None:
        self.events: list[Event] = []
        self._make_client, self._options = make_client, options
        self.first = self._make()
        self.clients = [self.first]

    def _make(self) -> TestClient:
        return self._make_client(on_event=self.events.append, **self._options)

    def new(self, *, same_device_as: TestClient | None = None) -> TestClient:
        client = self.first if not self.clients[1:] and same_device_as is None else None
        client = client if client is not None and not client.cookies else self._make()
        if client not in self.clients:
            self.clients.append(client)
        client.headers.update(FIREFOX)  # one browser each: no binding mismatches
        if same_device_as is not None:
            client.cookies.set("session_device", same_device_as.cookies["session_device"])
        return client

    def login(self, user: str = "ada", **kwargs: Any) -> TestClient:
        """Log ``user`` in on a new browser, a second after the previous login."""
        client = self.new(**kwargs)
        middleware_of(client).clock.advance(1)  # type: ignore[attr-defined]
        response = client.post("/login", json={"user": user}, headers=FIREFOX)
        assert response.status_code == 200, response.text
        return client


def _user(client: TestClient) -> str | None:
    user: str | None = client.get("/whoami", headers=FIREFOX).json()["user"]
    return user


def _listed(client: TestClient) -> list[dict[str, Any]]:
    sessions: list[dict[str, Any]] = client.get("/sessions", headers=FIREFOX).json()
    return sessions


def test_a_users_sessions_are_listed_across_devices(
    make_client: MakeClient, clock: FakeClock
) -> None:
    devices = Devices(make_client)
    phone = devices.login()
    clock.advance(1)
    laptop = devices.login()
    listed = _listed(laptop)
    assert len(listed) == 2
    assert [s["current"] for s in listed] == [False, True]
    assert listed[0]["device"] == "Firefox on Linux"
    assert listed[1]["handle"] == laptop.get("/whoami").json()["handle"]
    assert all(laptop.cookies["session"].split(".")[0] not in str(s) for s in listed)
    assert phone.cookies["session_device"] != laptop.cookies["session_device"]


def test_device_cookie_is_issued_once_and_kept(make_client: MakeClient) -> None:
    client = make_client()
    first = client.post("/login", json={"user": "ada"}).headers.get_list("set-cookie")
    assert any(c.startswith("session_device=") and "Max-Age=34560000" in c for c in first)
    device = client.cookies["session_device"]
    client.post("/logout")
    again = client.post("/login", json={"user": "ada"}).headers.get_list("set-cookie")
    assert not any(c.startswith("session_device=") for c in again)
    assert client.cookies["session_device"] == device


def test_reject_new_refuses_a_login_over_the_limit(make_client: MakeClient) -> None:
    devices = Devices(make_client, policy=RejectNew(max_per_user=2))
    devices.login(), devices.login()
    third = devices.new()
    third.post("/set", json={"cart": ["tea"]})
    response = third.post("/login", json={"user": "ada"})
    assert (response.status_code, response.json()) == (409, {"detail": "max_per_user"})
    assert third.get("/").json() == {"data": {"cart": ["tea"]}, "is_new": False}  # unchanged
    assert _user(third) is None
    assert [e.reason for e in devices.events if isinstance(e, LoginRejected)] == ["max_per_user"]


def test_evict_oldest_ends_the_first_session(make_client: MakeClient) -> None:
    devices = Devices(make_client, policy=EvictOldest(max_per_user=2))
    first, second, third = devices.login(), devices.login(), devices.login()
    assert _user(first) is None
    assert _user(second) == "ada" and _user(third) == "ada"
    assert len(_listed(third)) == 2
    assert any(isinstance(e, SessionEvicted) and e.policy == "EvictOldest" for e in devices.events)


def test_evict_idlest_ends_the_least_recently_used(
    make_client: MakeClient, clock: FakeClock
) -> None:
    devices = Devices(make_client, policy=EvictIdlest(max_per_user=2), touch_interval=10)
    first = devices.login()
    clock.advance(100)
    second = devices.login()
    clock.advance(100)
    first.get("/", headers=FIREFOX)  # first is used again: second is now the idlest
    clock.advance(100)
    devices.login()
    assert _user(first) == "ada" and _user(second) is None


def test_per_device_limit(make_client: MakeClient) -> None:
    devices = Devices(make_client, policy=EvictOldest(max_per_device=1))
    laptop = devices.login()
    other_browser = devices.login()  # another device: both stay
    assert _user(laptop) == "ada" and _user(other_browser) == "ada"
    same_laptop = devices.login(same_device_as=laptop)  # a second session on the laptop
    assert _user(laptop) is None and _user(same_laptop) == "ada"
    assert _user(other_browser) == "ada"


def test_require_confirmation_admits_pending_until_a_session_is_ended(
    make_client: MakeClient,
) -> None:
    devices = Devices(make_client, policy=RequireConfirmation(max_per_user=1))
    first = devices.login()
    second = devices.login()
    me = second.get("/whoami", headers=FIREFOX).json()
    assert me["user"] is None and me["pending"] is True
    assert second.get("/members").status_code == 401  # pending is not logged in
    choices = [s for s in _listed(second) if not s["current"]]
    assert len(choices) == 1
    assert second.post(f"/confirm/{choices[0]['handle']}", headers=FIREFOX).json() == {
        "confirmed": True
    }
    assert _user(second) == "ada" and _user(first) is None
    assert second.get("/members").status_code == 200


def test_revoked_session_is_anonymous_on_its_very_next_request(make_client: MakeClient) -> None:
    devices = Devices(make_client)
    phone, laptop = devices.login(), devices.login()
    phone_handle = phone.get("/whoami").json()["handle"]
    assert laptop.post(f"/revoke/{phone_handle}").json() == {"revoked": True}
    assert _user(phone) is None
    assert [e.handle for e in devices.events if isinstance(e, SessionRevoked)] == [phone_handle]


def test_sign_out_everywhere_else(make_client: MakeClient) -> None:
    devices = Devices(make_client)
    others = [devices.login() for _ in range(3)]
    current = devices.login()
    assert current.post("/revoke-others").json() == {"revoked": 3}
    assert all(_user(c) is None for c in others)
    assert _user(current) == "ada" and len(_listed(current)) == 1


def test_a_user_cannot_list_or_revoke_another_users_sessions(make_client: MakeClient) -> None:
    devices = Devices(make_client)
    alice, bob = devices.login("alice"), devices.login("bob")
    bob_handle = bob.get("/whoami").json()["handle"]
    assert [s["handle"] for s in _listed(alice)] == [alice.get("/whoami").json()["handle"]]
    assert alice.post(f"/revoke/{bob_handle}").json() == {"revoked": False}
    assert _user(bob) == "bob"


def test_expired_sessions_vanish_from_listings_and_limits(
    make_client: MakeClient, clock: FakeClock
) -> None:
    devices = Devices(
        make_client, policy=RejectNew(max_per_user=2), idle_timeout=600, touch_interval=60
    )
    first = devices.login()
    clock.advance(300)
    second = devices.login()
    clock.advance(400)  # first: 700 s idle, expired; second: 400 s
    assert len(_listed(second)) == 1
    third = devices.login()  # fits: the expired one does not count
    assert _user(third) == "ada" and _user(first) is None


def test_manager_flags_everything_after_a_password_change(make_client: MakeClient) -> None:
    devices = Devices(make_client)
    clients = [devices.login() for _ in range(3)]
    manager = middleware_of(clients[0]).manager
    assert clients[0].portal.call(manager.require_reauth_all, "ada") == 3  # type: ignore[union-attr]
    for client in clients:
        assert client.get("/sensitive", headers=FIREFOX).status_code == 401
        client.post("/reauth", headers=FIREFOX)
        assert client.get("/sensitive", headers=FIREFOX).status_code == 200


@pytest.mark.parametrize(
    ("risk", "action"),
    [(0.1, "none"), (0.6, "flagged"), (0.85, "reauth_all"), (0.99, "revoked_others")],
)
def test_report_acts_on_risk(make_client: MakeClient, risk: float, action: str) -> None:
    devices = Devices(make_client)
    suspect, other = devices.login(), devices.login()
    handle = suspect.get("/whoami").json()["handle"]
    manager = middleware_of(suspect).manager
    assert suspect.portal.call(manager.report, "ada", handle, risk) == action  # type: ignore[union-attr]
    suspect_refused = suspect.get("/sensitive", headers=FIREFOX).status_code == 401
    other_status = other.get("/sensitive", headers=FIREFOX).status_code
    assert suspect_refused is (action != "none")
    assert (
        other_status
        == {"none": 200, "flagged": 200, "reauth_all": 401, "revoked_others": 401}[action]
    )
    assert (_user(other) is None) is (action == "revoked_others")


def test_sweep_prunes_expired_entries(make_client: MakeClient, clock: FakeClock) -> None:
    devices = Devices(make_client, idle_timeout=600, touch_interval=60)
    for user in ("alice", "bob", "carol"):
        devices.login(user)
    clock.advance(630)  # past the idle deadline, before the store's own TTL would drop them
    manager = middleware_of(devices.first).manager
    report = devices.first.portal.call(manager.sweep)  # type: ignore[union-attr]
    assert report.pruned == 3 and report.indexes >= 3
    again = devices.first.portal.call(manager.sweep)  # type: ignore[union-attr]
    assert again.pruned == 0
