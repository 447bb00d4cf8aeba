from __future__ import annotations

from collections.abc import Callable

from starlette.testclient import TestClient


def test_write_then_read_back(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    first = client.post("/set", json={"user": "ada"})
    assert first.status_code == 200
    assert "set-cookie" in first.headers
    second = client.get("/")
    assert second.json() == {"data": {"user": "ada"}, "is_new": False}
    assert "set-cookie" not in second.headers
