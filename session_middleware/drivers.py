"""The two small loops that run a core flow against a store: one awaits, one does not."""

from __future__ import annotations

from typing import Any, TypeVar

from session_middleware.core.commands import Flow

__all__ = ["run_async", "run_sync"]

T = TypeVar("T")


async def run_async(flow: Flow[T], store: Any) -> T:
    """Drive ``flow`` against an async store, awaiting each command."""
    try:
        command = next(flow)
        while True:
            command = flow.send(await command.call(store))
    except StopIteration as done:
        outcome: T = done.value
        return outcome


def run_sync(flow: Flow[T], store: Any) -> T:
    """Drive ``flow`` against a sync store."""
    try:
        command = next(flow)
        while True:
            command = flow.send(command.call(store))
    except StopIteration as done:
        outcome: T = done.value
        return outcome
