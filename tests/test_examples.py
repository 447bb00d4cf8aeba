"""The examples are imported and driven, so they cannot drift from the package."""

from __future__ import annotations

from starlette.testclient import TestClient

from examples.demo import create_app
from session_middleware import MemoryStore


def test_demo_counts_visits_and_keeps_a_cart() -> None:
    with TestClient(create_app(MemoryStore())) as client:
        assert "<strong>1</strong>" in client.get("/").text
        assert "<strong>2</strong>" in client.get("/").text
        page = client.post("/cart", data={"item": "<tea>"}).text
        assert "&lt;tea&gt;" in page and "<tea>" not in page
        after_clear = client.post("/clear").text  # redirected to a fresh session's page
        assert "<strong>1</strong>" in after_clear and "Cart: empty" in after_clear


def test_demo_defaults_to_the_memory_store() -> None:
    assert isinstance(create_app().state.store, MemoryStore)
