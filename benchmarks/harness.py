"""The pieces a benchmark needs besides its rows: a direct ASGI caller and Redis plumbing.

``Client`` calls an ASGI app coroutine directly with a prebuilt scope (no network, no
TestClient); ``local_redis`` runs a throwaway ``redis-server`` on a free loopback port with
persistence off; ``Bench`` owns the clients and the key prefix of one run, and
``client_commands`` counts the commands clients sent (``INFO commandstats``).
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

import redis
import redis.asyncio as aioredis
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "Bench",
    "BenchmarkError",
    "Client",
    "Handler",
    "RespondingApp",
    "Response",
    "client_commands",
    "local_redis",
]

Handler = Callable[[Scope], Awaitable[bytes]]
# Commands a client sends; what scripts run inside Redis (GETRANGE, SETRANGE...) is not.
CLIENT_COMMANDS = frozenset({"get", "set", "setex", "hmget", "evalsha", "eval", "del", "unlink"})


class BenchmarkError(Exception):
    """A row answered something other than what it must answer: its timing would lie."""


class RespondingApp:
    """The one raw ASGI app of every row: await the handler, answer 200 with its bytes."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one request."""
        body = await self.handler(scope)
        headers = [(b"content-type", b"text/plain"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


@dataclass
class Response:
    """One captured answer, for the checks made before timing."""

    status: int = 0
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: bytes) -> str | None:
        """The first value of header ``name``, or ``None``."""
        return next((v.decode("latin-1") for k, v in self.headers if k.lower() == name), None)

    async def collect(self, message: Message) -> None:
        """An ASGI ``send`` that records the message."""
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")


class Client:
    """Calls an ASGI app directly with a prebuilt ``GET /`` scope, optionally with a cookie."""

    def __init__(self, app: ASGIApp, cookie: str | None = None) -> None:
        self.app = app
        self.failures = 0
        headers = [(b"host", b"bench.local"), (b"user-agent", b"asgi-throughput")]
        if cookie is not None:
            headers.append((b"cookie", cookie.encode("latin-1")))
        self._scope: Scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/",
            "raw_path": b"/",
            "root_path": "",
            "query_string": b"",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }

    async def _receive(self) -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def _send(self, message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] != 200:
            self.failures += 1

    async def one(self) -> Response:
        """Make one request and capture the whole answer."""
        response = Response()
        await self.app(dict(self._scope), self._receive, response.collect)
        return response

    async def run(self, requests: int) -> None:
        """Make ``requests`` requests, counting any answer that is not 200."""
        app, receive, send, scope = self.app, self._receive, self._send, self._scope
        for _ in range(requests):
            await app(dict(scope), receive, send)


# -- Redis ----------------------------------------------------------------------------------


@dataclass
class Bench:
    """The Redis the rows share, a key prefix of this run's own, and what to close."""

    url: str
    prefix: str = field(default_factory=lambda: f"bench:{secrets.token_hex(4)}:")
    clients: list[aioredis.Redis] = field(default_factory=list)

    def client(self) -> aioredis.Redis:
        """A new redis.asyncio client (hiredis parser when installed), closed at the end."""
        client = aioredis.Redis.from_url(self.url)
        self.clients.append(client)
        return client

    async def aclose(self) -> None:
        """Delete this run's keys (if Redis still answers) and close every client."""
        control = self.clients[0]
        with contextlib.suppress(redis.RedisError):
            keys = [key async for key in control.scan_iter(match=f"{self.prefix}*", count=1000)]
            if keys:
                await control.delete(*keys)
        for client in self.clients:
            await client.aclose()


async def client_commands(control: aioredis.Redis) -> int | None:
    """Commands clients have sent so far (script internals excluded); ``None`` if hidden."""
    try:
        stats: dict[str, dict[str, int]] = await control.info("commandstats")
    except redis.ResponseError:
        return None
    calls = {k.removeprefix("cmdstat_"): v["calls"] for k, v in stats.items()}
    sent = sum(n for name, n in calls.items() if name in CLIENT_COMMANDS)
    # session_middleware's save script runs one GETRANGE and at most one SET inside Redis;
    # no client in these rows sends GETRANGE, so that many SETs were not sent by a client.
    return sent - min(calls.get("set", 0), calls.get("getrange", 0))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_ping(port: int, process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Return once the server on ``port`` answers PING; raise if it dies or stays silent."""
    client = redis.Redis(port=port, socket_connect_timeout=0.2)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and process.poll() is None:
            with contextlib.suppress(redis.ConnectionError):
                if client.ping():
                    return
            time.sleep(0.02)
    finally:
        client.close()
    raise BenchmarkError(f"redis-server on port {port} did not answer PING")


@contextlib.contextmanager
def local_redis() -> Iterator[str]:
    """A redis-server of this run's own on loopback, persistence off; yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise BenchmarkError("redis-server is not installed: install it or pass --redis-url")
    port = free_port()
    with tempfile.TemporaryDirectory() as workdir:
        args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "no", "--dir", workdir, "--protected-mode", "yes"]
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_ping(port, process)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(timeout=10)
