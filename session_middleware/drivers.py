"""The two small loops that run a core flow against a store: one awaits, one does not.

A ``Pause`` is the only command that is not a store call: the driver sleeps.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any, TypeVar

from session_middleware.core.commands import Flow, Pause

__all__ = ["run_async", "run_sync"]

T = TypeVar("T")


async def run_async(flow: Flow[T], store: Any, counts: Counter[str] | None = None) -> T:
    """Drive ``flow`` against an async store, awaiting each command (counted in
    ``counts`` by command name, when given)."""
    try:
        command = next(flow)
        while True:
            if counts is not None:
                counts[type(command).__name__.lower()] += 1
            if isinstance(command, Pause):
                await asyncio.sleep(command.seconds)
                command = flow.send(None)
            else:
                command = flow.send(await command.call(store))
    except StopIteration as done:
        outcome: T = done.value
        return outcome


def run_sync(flow: Flow[T], store: Any, counts: Counter[str] | None = None) -> T:
    """Drive ``flow`` against a sync store (counting commands as :func:`run_async`)."""
    try:
        command = next(flow)
        while True:
            if counts is not None:
                counts[type(command).__name__.lower()] += 1
            if isinstance(command, Pause):
                time.sleep(command.seconds)
                command = flow.send(None)
            else:
                command = flow.send(command.call(store))
    except StopIteration as done:
        outcome: T = done.value
        return outcome
