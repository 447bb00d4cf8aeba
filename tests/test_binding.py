"""A6: a session bound at login to its client's User-Agent (and optionally its network)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from session_middleware import Binding, BindingMismatch, ConfigurationError, Event
from session_middleware.core.binding import BindingCheck

MakeClient = Callable[..., TestClient]
FIREFOX = {"user-agent": "Mozilla/5.0 Firefox/130.0"}
CURL = {"user-agent": "curl/8.0"}


def _logged_in(make_client: MakeClient, events: list[Event], **options: object) -> TestClient:
    client = make_client(on_event=events.append, **options)
    client.post("/login", json={"user": "ada"}, headers=FIREFOX)
    return client


def test_same_client_is_not_a_mismatch(make_client: MakeClient) -> None:
    events: list[Event] = []
    client = _logged_in(make_client, events)
    assert client.get("/sensitive", headers=FIREFOX).status_code == 200
    assert not any(isinstance(e, BindingMismatch) for e in events)


def test_flag_makes_guards_refuse_until_reauthentication(make_client: MakeClient) -> None:
    events: list[Event] = []
    client = _logged_in(make_client, events, binding=Binding(on_mismatch="flag"))
    assert client.get("/whoami", headers=CURL).json()["needs_reauth"] is True
    assert client.get("/sensitive", headers=FIREFOX).status_code == 401  # the flag persists
    assert client.app.state.calls == []  # type: ignore[attr-defined]
    client.post("/reauth", headers=CURL)  # re-authenticating records the new client
    assert client.get("/sensitive", headers=CURL).status_code == 200
    mismatch = next(e for e in events if isinstance(e, BindingMismatch))
    assert (mismatch.signal, mismatch.action) == ("user_agent", "flag")


def test_revoke_ends_the_session(make_client: MakeClient) -> None:
    events: list[Event] = []
    client = _logged_in(make_client, events, binding=Binding(on_mismatch="revoke"))
    cookie = client.cookies["session"]
    response = client.get("/whoami", headers=CURL)
    assert response.json()["user"] is None
    assert response.headers["set-cookie"].startswith("session=null;")
    client.cookies.set("session", cookie)
    assert client.get("/whoami", headers=FIREFOX).json()["user"] is None  # gone for good


def test_ignore_only_reports(make_client: MakeClient) -> None:
    events: list[Event] = []
    client = _logged_in(make_client, events, binding=Binding(on_mismatch="ignore"))
    assert client.get("/sensitive", headers=CURL).status_code == 200
    assert [e.action for e in events if isinstance(e, BindingMismatch)] == ["ignore"]


def test_user_agent_binding_can_be_off(make_client: MakeClient) -> None:
    events: list[Event] = []
    client = _logged_in(make_client, events, binding=Binding(user_agent=False))
    assert client.get("/sensitive", headers=CURL).status_code == 200


def test_ip_prefixes() -> None:
    check = BindingCheck(Binding(ip=True))
    same = check.signals("ua", "203.0.113.7"), check.signals("ua", "203.0.113.200")
    assert same[0] == same[1] and same[0].ip_prefix == "203.0.113.0/24"
    assert check.signals("ua", "203.0.114.7") != same[0]
    v6 = check.signals("ua", "2001:db8:1:2::1"), check.signals("ua", "2001:db8:1:ffff::1")
    assert v6[0] == v6[1] and v6[0].ip_prefix == "2001:db8:1::/48"
    assert check.signals("ua", "not an address").ip_prefix is None
    assert BindingCheck(Binding()).signals("ua", "203.0.113.7").ip_prefix is None


@pytest.mark.parametrize("store_kind", ["memory"])
def test_ip_binding_over_http(make_client: MakeClient) -> None:
    events: list[Event] = []
    client = _logged_in(make_client, events, binding=Binding(ip=True, on_mismatch="flag"))
    # TestClient's peer is "testclient", which is not an address: no prefix either way.
    assert client.get("/sensitive", headers=FIREFOX).status_code == 200


def test_bad_binding_options_are_refused() -> None:
    with pytest.raises(ConfigurationError):
        Binding(on_mismatch="shrug")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        Binding(ipv4_prefix=33)
