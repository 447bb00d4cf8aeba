"""The answers the middleware gives instead of the app's: store unavailable, conflict.

Plain text, never a traceback or a detail of the failure, never cached.
"""

from __future__ import annotations

from starlette.types import Message, Receive, Scope, Send

from session_middleware.errors import ConfigurationError

__all__ = ["ServiceUnavailable", "conflict", "no_body"]


class ServiceUnavailable:
    """The default answer when the store is down: 503, ``Retry-After``, no details."""

    def __init__(self, retry_after: int) -> None:
        if retry_after < 0:
            raise ConfigurationError("retry_after", "use a number of seconds >= 0")
        self._headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"retry-after", str(retry_after).encode()),
            (b"cache-control", b"no-store"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b"Service Unavailable"
        headers = [*self._headers, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def conflict(scope: Scope, send: Send) -> None:
    """409: the write lost too many races and was dropped."""
    body = b"Conflict: the session changed concurrently; retry the request"
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"cache-control", b"no-store"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": 409, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def no_body() -> Message:
    """A ``receive`` for answers that read no request body."""
    return {"type": "http.disconnect"}
