"""The loop that runs a core flow against an async store (a sync twin joins it for WSGI)."""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

from session_middleware.core.commands import Flow, Pause

__all__ = ["run_async"]

T = TypeVar("T")


async def run_async(flow: Flow[T], store: Any) -> T:
    """Drive ``flow`` against an async store, awaiting each command."""
    try:
        command = next(flow)
        while True:
            if isinstance(command, Pause):
                await asyncio.sleep(command.seconds)
                command = flow.send(None)
                continue
            command = flow.send(await command.call(store))
    except StopIteration as done:
        outcome: T = done.value
        return outcome
