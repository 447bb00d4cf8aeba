"""C3, L3, E1, E6: bad cookies and tampered records give a fresh session, never a 500."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from starlette.testclient import TestClient

from session_middleware import CookieRejected, Event, RecordUndecryptable, SessionMiddleware
from session_middleware.types import StoredRecord
from tests.conftest import middleware_of
from tests.strategies import garbage_cookies

MakeClient = Callable[..., TestClient]

BAD_COOKIES = [
    "",
    "null",
    "garbage",
    "a" * 5000,
    "x.y.z",
    "....",
    "95d6541f" + "A" * 43 + ".AAAAAA.AAAA",
    "%00%ff",
    '"quoted"',
]


def _store_key(client: TestClient) -> str:
    session_id = client.cookies["session"].split(".")[0]
    return middleware_of(client).core.identity.store_key(session_id)


def _replace_record(client: TestClient, change: Callable[[StoredRecord], StoredRecord]) -> None:
    """Rewrite the stored record through the store itself (compare-and-set, any store)."""
    middleware: SessionMiddleware = middleware_of(client)
    key = _store_key(client)

    async def rewrite() -> None:
        record = await middleware.store.load(key)
        assert record is not None
        new = change(record)
        saved = await middleware.store.save(
            key, new.blob, new.stamp, expected_version=record.version, ttl=600
        )
        assert saved is not None

    client.portal.call(rewrite)  # type: ignore[union-attr]


@pytest.mark.parametrize("value", BAD_COOKIES)
def test_bad_cookie_gets_a_fresh_session_and_leaves_the_real_one_alone(
    make_client: MakeClient, value: str
) -> None:
    events: list[Event] = []
    victim = make_client(on_event=events.append)
    victim.post("/set", json={"owner": "victim"})
    attacker = make_client()
    attacker.cookies.set("session", value)
    response = attacker.post("/set", json={"owner": "attacker"})
    assert response.status_code == 200
    assert response.json() == {"data": {"owner": "attacker"}, "is_new": True}
    assert victim.get("/").json()["data"] == {"owner": "victim"}


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=garbage_cookies)
def test_any_garbage_cookie_is_tolerated(make_client: MakeClient, value: str) -> None:
    client = make_client()
    client.cookies.set("session", value)
    response = client.get("/")
    assert response.status_code == 200 and response.json()["is_new"] is True


def test_a_rejected_cookie_is_reported_and_cleared(make_client: MakeClient) -> None:
    events: list[Event] = []
    client = make_client(on_event=events.append)
    client.cookies.set("session", "garbage")
    response = client.get("/")
    assert response.headers["set-cookie"].startswith("session=null;")
    assert [e.reason for e in events if isinstance(e, CookieRejected)] == ["bad_signature"]


def test_cookie_from_another_secret_is_rejected(make_client: MakeClient) -> None:
    other = make_client(secret_key="a-completely-different-secret-value")
    other.post("/set", json={"a": 1})
    client = make_client()
    client.cookies.set("session", other.cookies["session"])
    assert client.get("/").json()["is_new"] is True


def test_tampered_record_gives_a_fresh_session_and_is_not_deleted(
    make_client: MakeClient,
) -> None:
    events: list[Event] = []
    client = make_client(on_event=events.append)
    client.post("/set", json={"a": 1})
    key = _store_key(client)

    def flip(record: StoredRecord) -> StoredRecord:
        blob = bytearray(record.blob)
        blob[-1] ^= 1
        return StoredRecord(bytes(blob), record.stamp, record.version)

    _replace_record(client, flip)
    cookie = client.cookies["session"]
    response = client.get("/")
    assert response.status_code == 200 and response.json()["is_new"] is True
    assert any(isinstance(e, RecordUndecryptable) for e in events)
    assert client.portal.call(middleware_of(client).store.load, key) is not None  # type: ignore[union-attr]
    assert cookie != client.cookies.get("session")


def test_a_record_copied_under_another_session_does_not_open(make_client: MakeClient) -> None:
    alice, bob = make_client(), make_client()
    alice.post("/set", json={"role": "admin"})
    bob.post("/set", json={"role": "guest"})
    alice_key = _store_key(alice)
    alice_record = alice.portal.call(middleware_of(alice).store.load, alice_key)  # type: ignore[union-attr]
    assert alice_record is not None
    _replace_record(bob, lambda r: StoredRecord(alice_record.blob, r.stamp, r.version))
    assert bob.get("/").json() == {"data": {}, "is_new": True}


def test_a_forged_activity_stamp_does_not_extend_life(make_client: MakeClient) -> None:
    client = make_client()
    client.post("/set", json={"a": 1})
    later = b"9999999999999"  # the year 2286: a stamp that would never expire
    _replace_record(client, lambda r: StoredRecord(r.blob, later + r.stamp[13:], r.version))
    assert client.get("/").json()["is_new"] is True


def test_store_keys_are_not_session_ids(make_client: MakeClient) -> None:
    client = make_client()
    client.post("/set", json={"a": 1})
    session_id = client.cookies["session"].split(".")[0]
    key = _store_key(client)
    assert session_id not in key and key not in client.cookies["session"]


def test_every_bit_flip_of_a_real_cookie_over_http_gets_a_fresh_session() -> None:
    from hypothesis import given

    from session_middleware import MemoryStore
    from tests.apps import build_app
    from tests.conftest import SECRET
    from tests.strategies import tampered

    with TestClient(build_app(store=MemoryStore(), secret_key=SECRET)) as client:
        client.post("/set", json={"owner": "victim"})
        genuine = client.cookies["session"]

        @settings(max_examples=60)
        @given(value=tampered(genuine))
        def check(value: str) -> None:
            client.cookies.set("session", value)
            response = client.get("/")
            assert response.status_code == 200 and response.json()["is_new"] is True

        check()
        client.cookies.set("session", genuine)
        assert client.get("/").json()["data"] == {"owner": "victim"}
