"""Reading what the middleware needs from the request headers, in one pass."""

from __future__ import annotations

from starlette.types import Scope

__all__ = ["request_headers"]


def request_headers(scope: Scope, names: tuple[bytes, bytes]) -> tuple[str | None, str | None, str]:
    """The session and device cookies' values (or ``None``) and the User-Agent, in one pass."""
    cookies: list[str | None] = [None, None]
    user_agent = b""
    header: bytes
    raw: bytes
    for header, raw in scope["headers"]:
        if header == b"cookie":
            cookie_values(raw, names, cookies)
        elif header == b"user-agent":
            user_agent = raw
    return cookies[0], cookies[1], user_agent.decode("latin-1")


def cookie_values(header: bytes, names: tuple[bytes, bytes], found: list[str | None]) -> None:
    """Fill ``found`` with the first value of each of ``names`` in one Cookie header."""
    for part in header.split(b";"):
        key, sep, value = part.strip().partition(b"=")
        if not sep:
            continue
        for i, name in enumerate(names):
            if key == name and found[i] is None:
                found[i] = value.decode("latin-1")
