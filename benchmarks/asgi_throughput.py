"""In-process ASGI throughput of session middlewares against one local Redis.

Every row calls an ASGI app coroutine directly, in a loop, in one asyncio event loop: no
network between client and app, no TestClient. Every row wraps the same tiny raw ASGI app
(it answers 200 with a small body); only the handler it calls and the middleware differ.

Rows:

1. ``bare``: the app alone, reading nothing.
2. ``floor``: the app plus one raw ``await redis.get(key)`` (redis.asyncio, hiredis parser).
3. ``ours-read``: ``session_middleware.SessionMiddleware`` with ``RedisStore``; the request
   carries the cookie of a session created beforehand, the handler reads one key.
4. ``ours-write``: the same, the handler sets one key to a new value on every request.
5. ``starsessions``: starsessions' middleware, autoload middleware and Redis store, on the
   read-only work of row 3.
6. ``starlette-cookie``: Starlette's signed-cookie ``SessionMiddleware`` (no Redis), on the
   same read-only work.

Before timing, each row's answer is checked once (status 200; for the read-only rows the
body is the value stored in the session), and every timed request must answer 200. Rows are
warmed up, then interleaved in each round; the table shows the best and the median round.
``cmds/req`` is the number of Redis commands the row sent per request, from ``INFO
commandstats`` (commands run inside Lua scripts are not counted).

Run from the project root (it starts its own ``redis-server`` on a free loopback port,
persistence off, and stops it at the end; ``--redis-url`` uses a running server instead)::

    .venv/bin/python -m benchmarks.asgi_throughput [--requests 3000] [--rounds 3]
        [--redis-url redis://127.0.0.1:6379/0] [--profile ours-read]

``--profile ROW`` also runs that row once more under cProfile and prints the top entries by
own time. Timings never change the exit status; a failed check or a non-200 answer does.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import functools
import gc
import itertools
import pstats
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

import redis
import redis.asyncio as aioredis
from starlette.middleware.sessions import SessionMiddleware as CookieSessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starsessions import SessionAutoloadMiddleware
from starsessions import SessionMiddleware as StarSessionMiddleware
from starsessions.stores.redis import RedisStore as StarRedisStore

from session_middleware import SessionMiddleware
from session_middleware.stores.redis import RedisStore

SECRET = "benchmark-secret-0123456789-abcdefghijklmnop"
STORED_VALUE = "stored-value"
DAY = 24 * 60 * 60
# Commands a client sends; what scripts run inside Redis (HSET, PEXPIRE...) is not listed.
CLIENT_COMMANDS = frozenset({"get", "set", "setex", "hmget", "evalsha", "eval", "del", "unlink"})

Handler = Callable[[Scope], Awaitable[bytes]]
Wrap = Callable[[ASGIApp], ASGIApp]


class BenchmarkError(Exception):
    """A row answered something other than what it must answer: its timing would lie."""


# -- the app, its handlers, and a direct ASGI caller ---------------------------------------


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


async def answer_ok(scope: Scope) -> bytes:
    """Read nothing."""
    return b"ok"


async def read_stored_value(scope: Scope) -> bytes:
    """Read one session key."""
    return str(scope["session"]["k"]).encode()


async def write_stored_value(scope: Scope) -> bytes:
    """Write the key the read-only rows read (the request that creates a session)."""
    scope["session"]["k"] = STORED_VALUE
    return b"ok"


class CountingWriter:
    """Set one session key to a new value on every request."""

    def __init__(self) -> None:
        self._numbers = itertools.count()

    async def __call__(self, scope: Scope) -> bytes:
        """Write the next number."""
        scope["session"]["n"] = next(self._numbers)
        return b"ok"


class RedisGet:
    """One raw ``GET`` per request: the floor's only work."""

    def __init__(self, client: aioredis.Redis, key: str) -> None:
        self._client = client
        self._key = key

    async def __call__(self, scope: Scope) -> bytes:
        """Fetch the key and answer with its value."""
        value = await self._client.get(self._key)
        return value if isinstance(value, bytes) else b""


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


# -- rows -----------------------------------------------------------------------------------


@dataclass
class Row:
    """One benchmarked configuration and its measurements."""

    key: str
    label: str
    client: Client
    rates: list[float] = field(default_factory=list)
    commands: list[float] = field(default_factory=list)

    @property
    def best(self) -> float:
        """The best round, in requests per second."""
        return max(self.rates)

    @property
    def median(self) -> float:
        """The median round, in requests per second."""
        return statistics.median(self.rates)


def check(row: str, response: Response, body: bytes) -> None:
    """Raise :class:`BenchmarkError` unless ``response`` is a 200 with ``body``."""
    if response.status != 200 or response.body != body:
        raise BenchmarkError(
            f"{row}: expected 200 {body!r}, got {response.status} {response.body[:80]!r}"
        )


async def checked_row(key: str, label: str, client: Client, body: bytes) -> Row:
    """A row whose app has answered ``body`` once."""
    check(key, await client.one(), body)
    return Row(key, label, client)


async def create_session(key: str, wrap: Wrap) -> str:
    """Create a session through ``wrap``'s middleware; return the ``name=value`` cookie."""
    response = await Client(wrap(RespondingApp(write_stored_value))).one()
    check(key, response, b"ok")
    set_cookie = response.header(b"set-cookie")
    if set_cookie is None:
        raise BenchmarkError(f"{key}: the request that wrote the session set no cookie")
    return set_cookie.split(";", 1)[0]


async def session_row(key: str, label: str, wrap: Wrap, handler: Handler, body: bytes) -> Row:
    """A row of requests carrying a fresh session's cookie, through ``wrap``'s middleware."""
    cookie = await create_session(key, wrap)
    return await checked_row(key, label, Client(wrap(RespondingApp(handler)), cookie), body)


def wrap_starsessions(app: ASGIApp, *, store: StarRedisStore) -> ASGIApp:
    """starsessions as its docs stack it: session middleware outside, autoload inside."""
    return StarSessionMiddleware(
        SessionAutoloadMiddleware(app),
        store=store,
        lifetime=14 * DAY,
        cookie_https_only=False,
    )


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
        """Delete this run's keys and close every client."""
        control = self.clients[0]
        keys = [key async for key in control.scan_iter(match=f"{self.prefix}*", count=1000)]
        if keys:
            await control.delete(*keys)
        for client in self.clients:
            await client.aclose()


async def build_rows(bench: Bench) -> list[Row]:
    """Every row, each checked once."""
    floor_key = bench.prefix + "floor"
    floor_client = bench.client()
    await floor_client.set(floor_key, STORED_VALUE)
    ours_store = RedisStore(bench.client(), prefix=bench.prefix + "ours:")
    ours: Wrap = functools.partial(SessionMiddleware, secret_key=SECRET, store=ours_store)
    star_store = StarRedisStore(connection=bench.client(), prefix=bench.prefix + "star:")
    star: Wrap = functools.partial(wrap_starsessions, store=star_store)
    cookie: Wrap = functools.partial(CookieSessionMiddleware, secret_key=SECRET)
    value = STORED_VALUE.encode()
    return [
        await checked_row("bare", "bare app", Client(RespondingApp(answer_ok)), b"ok"),
        await checked_row(
            "floor",
            "floor: bare + 1 GET",
            Client(RespondingApp(RedisGet(floor_client, floor_key))),
            value,
        ),
        await session_row("ours-read", "ours, read-only", ours, read_stored_value, value),
        await session_row("ours-write", "ours, write 1 key", ours, CountingWriter(), b"ok"),
        await session_row(
            "starsessions", "starsessions, read-only", star, read_stored_value, value
        ),
        await session_row(
            "starlette-cookie", "starlette cookie, read-only", cookie, read_stored_value, value
        ),
    ]


# -- measuring ------------------------------------------------------------------------------


async def client_commands(control: aioredis.Redis) -> int | None:
    """Commands clients have sent so far (script internals excluded); ``None`` if hidden."""
    try:
        stats: dict[str, dict[str, int]] = await control.info("commandstats")
    except redis.ResponseError:
        return None
    return sum(
        v["calls"] for k, v in stats.items() if k.removeprefix("cmdstat_") in CLIENT_COMMANDS
    )


async def measure(row: Row, requests: int, control: aioredis.Redis) -> None:
    """Time ``requests`` requests of ``row`` and record the rate and commands per request."""
    before = await client_commands(control)
    gc.collect()
    start = time.perf_counter()
    await row.client.run(requests)
    elapsed = time.perf_counter() - start
    after = await client_commands(control)
    row.rates.append(requests / elapsed)
    if before is not None and after is not None:
        row.commands.append((after - before) / requests)
    if row.client.failures:
        raise BenchmarkError(f"{row.key}: {row.client.failures} answers were not 200")


async def run_rounds(rows: list[Row], requests: int, rounds: int, control: aioredis.Redis) -> None:
    """Warm every row up, then run the rounds, rows interleaved and rotated each round."""
    for row in rows:
        await row.client.run(max(1, requests // 5))
    for number in range(rounds):
        shift = number % len(rows)
        for row in rows[shift:] + rows[:shift]:
            await measure(row, requests, control)


async def profile_row(row: Row, requests: int, top: int = 15) -> None:
    """Run ``row`` under cProfile and print the ``top`` entries by own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    await row.client.run(requests)
    profiler.disable()
    print(f"\ncProfile of {row.key!r}, {requests} requests, top {top} by tottime:")
    pstats.Stats(profiler, stream=sys.stdout).strip_dirs().sort_stats("tottime").print_stats(top)


# -- reporting ------------------------------------------------------------------------------


def format_table(rows: list[Row]) -> str:
    """The results: best and median rounds, ratios of the best rounds, commands per request."""
    by_key = {row.key: row for row in rows}
    floor, bare = by_key["floor"].best, by_key["bare"].best
    lines = [
        f"{'row':<30}{'best req/s':>12}{'median':>10}{'x floor':>9}{'x bare':>8}{'cmds/req':>10}",
        "-" * 79,
    ]
    for row in rows:
        cmds = f"{statistics.median(row.commands):.2f}" if row.commands else "n/a"
        lines.append(
            f"{row.label:<30}{row.best:>12,.0f}{row.median:>10,.0f}"
            f"{row.best / floor:>9.2f}{row.best / bare:>8.3f}{cmds:>10}"
        )
    return "\n".join(lines)


def format_verdicts(rows: list[Row]) -> str:
    """The design targets (DESIGN.md "Performance targets"), held or not, in this run."""
    by_key = {row.key: row.best for row in rows}
    ours = by_key["ours-read"]
    floor_ratio = ours / by_key["floor"]
    lines = [f"read-only >= 0.9x floor: {_verdict(floor_ratio >= 0.9)} ({floor_ratio:.2f}x)"]
    for rival in ("starsessions", "starlette-cookie"):
        ratio = ours / by_key[rival]
        lines.append(f"ours beats {rival} on read-only: {_verdict(ratio > 1)} ({ratio:.2f}x)")
    return "\n".join(lines)


def _verdict(held: bool) -> str:
    return "yes" if held else "NO"


# -- redis-server and entry point -----------------------------------------------------------


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


async def benchmark(url: str, options: argparse.Namespace) -> None:
    """Build, check, time and report every row against the Redis at ``url``."""
    bench = Bench(url)
    control = bench.client()
    try:
        rows = await build_rows(bench)
        await run_rounds(rows, options.requests, options.rounds, control)
        print(f"{options.rounds} rounds x {options.requests} requests per row, Redis at {url}\n")
        print(format_table(rows))
        print()
        print(format_verdicts(rows))
        if options.profile:
            row = next(row for row in rows if row.key == options.profile)
            await profile_row(row, options.requests)
    finally:
        await bench.aclose()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=3000, help="requests per row and round")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per row")
    parser.add_argument("--redis-url", help="use this Redis instead of starting one")
    keys = ["bare", "floor", "ours-read", "ours-write", "starsessions", "starlette-cookie"]
    parser.add_argument("--profile", choices=keys, help="also profile this row with cProfile")
    options = parser.parse_args(argv)
    if options.requests < 1 or options.rounds < 1:
        parser.error("--requests and --rounds must be at least 1")
    return options


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 whatever the timings, 1 if a row failed its checks."""
    options = parse_args(argv)
    try:
        with contextlib.ExitStack() as stack:
            url = options.redis_url or stack.enter_context(local_redis())
            asyncio.run(benchmark(url, options))
    except BenchmarkError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
