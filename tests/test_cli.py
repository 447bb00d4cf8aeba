"""O1: the command-line tool against a real Redis the app wrote to."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from starlette.testclient import TestClient

from session_middleware import RedisStore
from session_middleware.cli import main
from session_middleware.crypto.envelope import envelope_kid
from session_middleware.crypto.keyring import Keyring
from tests.apps import build_app
from tests.redis_server import RedisServer

OLD, NEW = "old-cli-secret-0123456789abcdef", "new-cli-secret-0123456789abcdef"


def _cli(server: RedisServer, prefix: str, *args: str, secrets: tuple[str, ...] = (OLD,)) -> str:
    out = io.StringIO()
    argv = ["--redis-url", server.url, "--prefix", prefix, "--batch", "2"]
    for secret in secrets:
        argv += ["--secret", secret]
    assert main([*argv, *args], out=out) == 0
    return out.getvalue()


@pytest.fixture
def logged_in(redis_server: RedisServer, prefix: str) -> list[TestClient]:
    """Three browsers: two of ada's, one of bob's, logged in through the app."""
    browsers = []
    for user in ("ada", "ada", "bob"):
        store = RedisStore.from_url(redis_server.url, prefix=prefix)
        client = TestClient(build_app(store=store, secret_key=OLD))
        client.__enter__()
        client.post("/login", json={"user": user}, headers={"user-agent": "Firefox/130.0"})
        client.portal.call(store.aclose)  # type: ignore[union-attr]
        client.__exit__(None, None, None)
        browsers.append(client)
    return browsers


def test_keygen_prints_a_fresh_secret() -> None:
    out = io.StringIO()
    assert main(["keygen"], out=out) == 0
    assert len(out.getvalue().strip()) == 43


def test_python_dash_m_runs_the_tool() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "session_middleware", "keygen"], capture_output=True, text=True
    )
    assert result.returncode == 0 and len(result.stdout.strip()) == 43


def test_a_missing_url_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--secret", OLD, "stats"]) == 2
    assert "--redis-url" in capsys.readouterr().err


@pytest.mark.usefixtures("logged_in")
def test_stats_list_revoke_and_sweep(redis_server: RedisServer, prefix: str) -> None:
    assert _cli(redis_server, prefix, "stats").splitlines() == [
        "records: 3",
        "user_indexes: 2",
        "locks: 0",
    ]
    listed = _cli(redis_server, prefix, "list", "ada").splitlines()
    assert len(listed) == 2 and all("Firefox" in line for line in listed)
    handle = listed[0].split()[0]
    assert _cli(redis_server, prefix, "revoke", "bob", handle).strip() == "not found"
    assert _cli(redis_server, prefix, "revoke", "ada", handle).strip() == "revoked"
    assert len(_cli(redis_server, prefix, "list", "ada").splitlines()) == 1
    assert _cli(redis_server, prefix, "revoke-user", "bob").strip() == "revoked 1"
    assert _cli(redis_server, prefix, "sweep").startswith("indexes: 2 pruned: 0")


def test_rekey_reseals_under_the_new_primary(
    redis_server: RedisServer, prefix: str, logged_in: list[TestClient]
) -> None:
    out = _cli(redis_server, prefix, "rekey", secrets=(NEW, OLD))
    assert out.startswith("re-sealed 3")
    new_kid = Keyring([NEW]).primary.kid
    client = redis_server.client()
    records = [k for k in client.scan_iter(match=prefix + "{*") if b"idx:" not in k]
    assert len(records) == 3
    values = [bytes(client.get(k) or b"") for k in records]  # type: ignore[arg-type]
    assert all(envelope_kid(v[48:]) == new_kid for v in values)
    client.close()
    assert _cli(redis_server, prefix, "rekey", secrets=(NEW, OLD)).startswith("re-sealed 0")
    # the app, rotated, still reads every session
    store = RedisStore.from_url(redis_server.url, prefix=prefix)
    with TestClient(build_app(store=store, secret_keys=[NEW, OLD])) as app:
        app.cookies.update(logged_in[0].cookies)
        assert app.get("/whoami", headers={"user-agent": "Firefox/130.0"}).json()["user"] == "ada"
        app.portal.call(store.aclose)
