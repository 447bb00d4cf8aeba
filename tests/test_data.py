"""W1 and W4: what a session can hold, and the clear errors for what it cannot."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from starlette.testclient import TestClient

from session_middleware import SessionTooLarge, UnserializableValue
from tests.strategies import session_data

MakeClient = Callable[..., TestClient]


@pytest.mark.parametrize(
    ("kind", "key"),
    [
        ("set", "set"),
        ("tuple", "tuple"),
        ("bytes", "bytes"),
        ("nan", "nan"),
        ("object", "object"),
        ("nested-set", "cart"),
        ("int-key", "nested"),
    ],
)
def test_value_json_cannot_carry_raises_naming_the_key(
    make_client: MakeClient, kind: str, key: str
) -> None:
    client = make_client()
    client.post("/set", json={"cart": [], "keep": "me"})
    with pytest.raises(UnserializableValue) as info:
        client.post(f"/store/{kind}")
    assert info.value.key == key
    assert repr(key) in str(info.value)
    assert client.get("/").json()["data"] == {"cart": [], "keep": "me"}


def test_session_over_max_size_raises_and_the_stored_one_is_untouched(
    make_client: MakeClient,
) -> None:
    client = make_client(max_size=10_000)
    client.post("/set", json={"keep": "me"})
    with pytest.raises(SessionTooLarge) as info:
        client.post("/store/big")
    assert info.value.max_size == 10_000 and info.value.size > 100_000
    assert client.get("/").json()["data"] == {"keep": "me"}


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=session_data)
def test_json_data_survives_a_store_round_trip(
    make_client: MakeClient, data: dict[str, Any]
) -> None:
    client = make_client()
    client.post("/set", json=data)
    if data:
        assert client.get("/").json() == {"data": data, "is_new": False}
    else:
        assert "session" not in client.cookies


def test_compressed_sessions_read_back(make_client: MakeClient) -> None:
    client = make_client(compress_threshold=100)
    client.post("/set", json={"text": "lorem ipsum " * 500})
    assert client.get("/").json()["data"] == {"text": "lorem ipsum " * 500}
