"""Reading and writing request.session over HTTP, against the memory store and real Redis."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

MakeClient = Callable[..., TestClient]


def test_first_write_sets_cookie_and_later_requests_read_it(make_client: MakeClient) -> None:
    client = make_client()
    first = client.post("/set", json={"user": "ada"})
    assert first.json() == {"data": {"user": "ada"}, "is_new": True}
    assert first.headers["set-cookie"].startswith("session=")
    second = client.get("/")
    assert second.json() == {"data": {"user": "ada"}, "is_new": False}


def test_no_cookie_and_no_write_sends_no_cookie(make_client: MakeClient) -> None:
    response = make_client().get("/")
    assert response.json() == {"data": {}, "is_new": True}
    assert "set-cookie" not in response.headers


def test_unchanged_session_sends_no_set_cookie(make_client: MakeClient) -> None:
    client = make_client()
    client.post("/set", json={"a": 1})
    client.post("/set", json={"a": 1})  # same value: nothing changed
    response = client.get("/")
    assert "set-cookie" not in response.headers


def test_changed_session_keeps_its_id_and_sends_no_new_cookie(make_client: MakeClient) -> None:
    client = make_client()
    client.post("/set", json={"a": 1})
    cookie = client.cookies["session"]
    response = client.post("/set", json={"a": 2})
    assert "set-cookie" not in response.headers
    assert client.cookies["session"] == cookie
    assert client.get("/").json()["data"] == {"a": 2}


def test_nested_mutation_is_persisted(make_client: MakeClient) -> None:
    client = make_client()
    client.post("/set", json={"cart": []})
    client.post("/append/cart?item=apple")
    client.post("/append/cart?item=pear")
    assert client.get("/").json()["data"] == {"cart": ["apple", "pear"]}


def test_deleting_a_key_is_persisted(make_client: MakeClient) -> None:
    client = make_client()
    client.post("/set", json={"a": 1, "b": 2})
    client.post("/delete/a")
    assert client.get("/").json()["data"] == {"b": 2}


def test_clear_destroys_the_session_and_expires_the_cookie(make_client: MakeClient) -> None:
    client = make_client()
    client.post("/set", json={"a": 1})
    old_cookie = client.cookies["session"]
    response = client.post("/clear")
    assert response.headers["set-cookie"].startswith("session=null; path=/; expires=Thu, 01 Jan")
    client.cookies.set("session", old_cookie)
    replay = client.get("/")
    assert replay.json() == {"data": {}, "is_new": True}


def test_vary_cookie_when_the_session_was_read(make_client: MakeClient) -> None:
    client = make_client()
    assert "cookie" in client.get("/").headers["vary"].lower()
    assert "vary" not in client.get("/untouched").headers


def test_set_cookie_response_is_not_cacheable(make_client: MakeClient) -> None:
    response = make_client().post("/set", json={"a": 1})
    assert response.headers["cache-control"] == "no-store"


def test_app_cache_control_is_kept(make_client: MakeClient) -> None:
    response = make_client().post("/cached")
    assert "set-cookie" in response.headers
    assert response.headers["cache-control"] == "private, max-age=60"


def test_failed_handler_persists_nothing(make_client: MakeClient) -> None:
    client = make_client()
    client.post("/set", json={"a": 1})
    assert client.post("/fail").status_code == 500
    assert client.get("/").json()["data"] == {"a": 1}


def test_raising_handler_persists_nothing(make_client: MakeClient) -> None:
    client = make_client()
    client.post("/set", json={"a": 1})
    with pytest.raises(RuntimeError):
        client.post("/raise")
    assert client.get("/").json()["data"] == {"a": 1}


def test_excluded_paths_do_no_session_io(make_client: MakeClient) -> None:
    client = make_client(exclude_paths=["/health"])
    client.post("/set", json={"a": 1})
    response = client.get("/health")
    assert response.text == "no session here"
    assert "set-cookie" not in response.headers and "vary" not in response.headers


def test_websocket_reads_the_session(make_client: MakeClient) -> None:
    client = make_client()
    client.post("/set", json={"a": 1})
    with client.websocket_connect("/ws") as ws:
        assert ws.receive_json() == {"a": 1}


def test_two_clients_have_separate_sessions(make_client: MakeClient) -> None:
    alice, bob = make_client(), make_client()
    alice.post("/set", json={"who": "alice"})
    bob.post("/set", json={"who": "bob"})
    assert alice.get("/").json()["data"] == {"who": "alice"}
    assert bob.get("/").json()["data"] == {"who": "bob"}


def test_sessions_survive_a_restart_with_the_same_secret(make_client: MakeClient) -> None:
    first = make_client()
    first.post("/set", json={"a": 1})
    second = make_client()  # a new middleware instance and store client: another worker
    second.cookies.update(first.cookies)
    assert second.get("/").json() == {"data": {"a": 1}, "is_new": False}
