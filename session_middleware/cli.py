"""``session-middleware`` (and ``python -m session_middleware``): operate a Redis session store.

    session-middleware keygen
    session-middleware --redis-url redis://localhost/0 --secret "$S" stats
    session-middleware ... list USER | revoke USER HANDLE | revoke-user USER | sweep | rekey

The secrets (``--secret``, repeatable, newest first, or ``SESSION_SECRETS`` separated by
commas) and ``--prefix`` must be the app's: listings are decrypted with them and rekeying
seals everything under the first. Every command uses ``SCAN`` in bounded batches, never
``KEYS``, and works while the app is serving.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from collections.abc import Sequence
from typing import Any

from session_middleware.core import manage
from session_middleware.core.lifecycle import SessionCore
from session_middleware.core.options import CookieOptions, SessionOptions, Timeouts
from session_middleware.crypto.keyring import Keyring
from session_middleware.drivers import run_sync
from session_middleware.errors import SessionError
from session_middleware.events import EventEmitter
from session_middleware.manager import SyncSessionManager

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="session-middleware", description=__doc__.split("\n")[0])
    parser.add_argument("--redis-url", default=os.environ.get("SESSION_REDIS_URL"))
    parser.add_argument("--prefix", default="session:")
    parser.add_argument("--secret", action="append", default=[], help="newest first")
    parser.add_argument("--batch", type=int, default=100, help="keys per SCAN step")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("keygen", help="print a new random secret")
    commands.add_parser("stats", help="count sessions and user indexes")
    commands.add_parser("list", help="a user's sessions").add_argument("user")
    revoke = commands.add_parser("revoke", help="end one of a user's sessions")
    revoke.add_argument("user")
    revoke.add_argument("handle")
    commands.add_parser("revoke-user", help="end every session of a user").add_argument("user")
    commands.add_parser("sweep", help="prune expired entries from user indexes")
    commands.add_parser("rekey", help="re-seal authenticated sessions under the first secret")
    return parser


class _Tool:
    """The core, the store and the manager the commands share."""

    def __init__(self, args: argparse.Namespace) -> None:
        from session_middleware.stores.redis import SyncRedisStore

        if not args.redis_url:
            raise SessionError("give --redis-url (or set SESSION_REDIS_URL)")
        keys = args.secret or [s for s in os.environ.get("SESSION_SECRETS", "").split(",") if s]
        if not keys:
            raise SessionError("give --secret (or set SESSION_SECRETS)")
        self.store = SyncRedisStore.from_url(args.redis_url, prefix=args.prefix)
        self.core = SessionCore(
            keyring=Keyring(keys),
            cookie=CookieOptions(),
            timeouts=Timeouts(),
            options=SessionOptions(),
            clock=time.time,
        )
        self.manager = SyncSessionManager(self.core, self.store, time.time, EventEmitter())
        self.batch: int = args.batch

    def stats(self) -> dict[str, int]:
        counts = {"records": 0, "user_indexes": 0, "locks": 0}
        prefix = self.store.prefix
        for key in self.store.client.scan_iter(match=prefix + "*", count=self.batch):
            name = key.decode().removeprefix(prefix)
            kind = (
                "user_indexes"
                if name.startswith("idx:")
                else ("locks" if name.startswith("lock:") else "records")
            )
            counts[kind] += 1
        return counts

    def rekey(self) -> int:
        cursor, total = 0, 0
        while True:
            cursor, keys = self.store.scan_indexes(cursor, self.batch)
            for key in keys:
                total += run_sync(manage.rekey(self.core, key, time.time()), self.store)
            if cursor == 0:
                return total


def _run(args: argparse.Namespace, out: Any) -> None:
    if args.command == "keygen":
        print(secrets.token_urlsafe(32), file=out)
        return
    tool = _Tool(args)
    try:
        if args.command == "stats":
            for name, count in tool.stats().items():
                print(f"{name}: {count}", file=out)
        elif args.command == "list":
            for s in tool.manager.list(args.user):
                print(
                    f"{s.handle}  {s.device}  created={s.created:.0f} last_seen={s.last_seen:.0f}",
                    file=out,
                )
        elif args.command == "revoke":
            print(
                "revoked" if tool.manager.revoke(args.user, args.handle) else "not found", file=out
            )
        elif args.command == "revoke-user":
            print(f"revoked {tool.manager.revoke_all(args.user)}", file=out)
        elif args.command == "sweep":
            report = tool.manager.sweep(batch=args.batch)
            print(f"indexes: {report.indexes} pruned: {report.pruned}", file=out)
        elif args.command == "rekey":
            print(
                f"re-sealed {tool.rekey()} (anonymous sessions re-seal on their next write)",
                file=out,
            )
    finally:
        tool.store.close()


def main(argv: Sequence[str] | None = None, out: Any = None) -> int:
    """Run one command; 0 on success, 2 with a message on a usage or store error."""
    args = _parser().parse_args(argv)
    try:
        _run(args, out or sys.stdout)
    except SessionError as exc:
        print(f"session-middleware: {exc}", file=sys.stderr)
        return 2
    return 0
