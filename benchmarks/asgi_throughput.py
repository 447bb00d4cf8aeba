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
warmed up; in each round they take turns every 500 requests (so drift in the machine's
speed hits every row alike), and the table shows the best and the median round. Ratios use
the best rounds. ``cmds/req`` is the Redis commands the row sent per request, from ``INFO
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
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import redis
import redis.asyncio as aioredis
from starlette.middleware.sessions import SessionMiddleware as CookieSessionMiddleware
from starlette.types import ASGIApp, Scope
from starsessions import SessionAutoloadMiddleware
from starsessions import SessionMiddleware as StarSessionMiddleware
from starsessions.stores.redis import RedisStore as StarRedisStore

from benchmarks.harness import (
    Bench,
    BenchmarkError,
    Client,
    Handler,
    RespondingApp,
    Response,
    client_commands,
    local_redis,
)
from session_middleware import SessionMiddleware
from session_middleware.stores.redis import RedisStore

SECRET = "benchmark-secret-0123456789-abcdefghijklmnop"
STORED_VALUE = "stored-value"
DAY = 24 * 60 * 60
# Rows take turns every SLICE requests, so drift in the machine's speed hits them alike.
SLICE = 500

Wrap = Callable[[ASGIApp], ASGIApp]


# -- handlers -------------------------------------------------------------------------------


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
    wrapped: ASGIApp = StarSessionMiddleware(
        SessionAutoloadMiddleware(app),
        store=store,
        lifetime=14 * DAY,
        cookie_https_only=False,
    )
    return wrapped


async def build_rows(bench: Bench) -> list[Row]:
    """Every row, each checked once."""
    floor_key = bench.prefix + "floor"
    floor_client = bench.client()
    await floor_client.set(floor_key, STORED_VALUE)
    ours_store = RedisStore.from_url(bench.url, prefix=bench.prefix + "ours:")
    bench.clients.append(ours_store.client)
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


@dataclass
class Tally:
    """One row's share of a round: requests made, seconds spent, Redis commands sent."""

    requests: int = 0
    seconds: float = 0.0
    commands: int | None = 0

    def record_into(self, row: Row) -> None:
        """Append this round's rate (and commands per request) to ``row``."""
        row.rates.append(self.requests / self.seconds)
        if self.commands is not None:
            row.commands.append(self.commands / self.requests)


async def timed_slice(row: Row, requests: int, control: aioredis.Redis, tally: Tally) -> None:
    """Time ``requests`` requests of ``row`` into ``tally``; raise if any was not 200."""
    before = await client_commands(control)
    start = time.perf_counter()
    await row.client.run(requests)
    tally.seconds += time.perf_counter() - start
    tally.requests += requests
    after = await client_commands(control)
    if before is None or after is None or tally.commands is None:
        tally.commands = None
    else:
        tally.commands += after - before
    if row.client.failures:
        raise BenchmarkError(f"{row.key}: {row.client.failures} answers were not 200")


def slice_sizes(requests: int, size: int = SLICE) -> list[int]:
    """``requests`` cut into slices of at most ``size``."""
    return [min(size, requests - start) for start in range(0, requests, size)]


async def run_round(rows: list[Row], requests: int, control: aioredis.Redis) -> None:
    """One round: every row's requests in slices taken in turn, so drift hits rows alike."""
    tallies = {row.key: Tally() for row in rows}
    gc.collect()
    for number, size in enumerate(slice_sizes(requests)):
        shift = number % len(rows)
        for row in rows[shift:] + rows[:shift]:
            await timed_slice(row, size, control, tallies[row.key])
    for row in rows:
        tallies[row.key].record_into(row)


async def run_rounds(rows: list[Row], requests: int, rounds: int, control: aioredis.Redis) -> None:
    """Warm every row up, then run the timed rounds."""
    for row in rows:
        await row.client.run(max(1, requests // 5))
    for _ in range(rounds):
        await run_round(rows, requests, control)


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


# -- entry point ----------------------------------------------------------------------------


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
    except (redis.RedisError, OSError) as exc:
        print(f"benchmark failed: Redis: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
