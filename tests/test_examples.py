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


def test_flask_example_logs_in_lists_revokes_and_guards() -> None:
    from examples.flask_app import create_app as create_flask_app

    app = create_flask_app(MemoryStore().as_sync())
    laptop, phone = app.test_client(), app.test_client()
    assert "Welcome" in laptop.get("/").text
    assert laptop.post("/login", data={"user": "ada", "password": "nope"}).status_code == 401
    for browser in (laptop, phone):
        browser.post("/login", data={"user": "ada", "password": "password"})
    page = laptop.get("/").text
    assert "Hello ada" in page and page.count("Sign out") == 2 and "(this one)" in page
    assert laptop.get("/account").status_code == 200  # logged in just now
    phone_page = phone.get("/").text
    phones_own = phone_page.split(" (this one)<form method='post' action='/revoke/")[1]
    laptop.post(f"/revoke/{phones_own.split(chr(39))[0]}")
    assert "Welcome" in phone.get("/").text  # revoked from the laptop
    assert "Hello ada" in laptop.get("/").text
    laptop.post("/logout")
    assert laptop.get("/account").status_code == 401


def test_the_demo_runs_without_redis_installed() -> None:
    """scripts/demo installs only the demo extra: the demo must not need redis."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['redis'] = None\n"
        "from examples.demo import app\n"
        "print(type(app.state.store).__name__)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "MemoryStore"
