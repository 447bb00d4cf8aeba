"""Configuration values, validated loudly at construction (STYLE.md rule 6)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from session_middleware.errors import ConfigurationError

__all__ = ["DAY", "CookieOptions", "SameSite", "SessionOptions", "Timeouts"]

DAY = 24 * 60 * 60
SameSite = Literal["lax", "strict", "none"]
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


@dataclass(frozen=True, slots=True)
class CookieOptions:
    """The session cookie's name and attributes; defaults are Starlette's own.

    ``https_only=None`` (the default) adds ``Secure`` whenever the request arrived over
    https; ``True`` always adds it, ``False`` never does.
    """

    name: str = "session"
    max_age: int | None = 14 * DAY
    path: str = "/"
    domain: str | None = None
    same_site: SameSite = "lax"
    https_only: bool | None = None
    partitioned: bool = False

    def __post_init__(self) -> None:
        if not _TOKEN.match(self.name):
            raise ConfigurationError("session_cookie", f"{self.name!r} is not a valid name")
        if self.same_site not in ("lax", "strict", "none"):
            raise ConfigurationError("same_site", "use 'lax', 'strict' or 'none'")
        if self.max_age is not None and self.max_age <= 0:
            raise ConfigurationError("max_age", "use a positive number of seconds, or None")
        if not self.path.startswith("/") or ";" in self.path:
            raise ConfigurationError("path", "must start with '/' and contain no ';'")
        self._check_prefixes()

    def _check_prefixes(self) -> None:
        if self.name.startswith(("__Host-", "__Secure-")) and self.https_only is not True:
            raise ConfigurationError(
                "https_only", f"a {self.name.split('-')[0]}- cookie needs https_only=True"
            )
        if self.name.startswith("__Host-") and (self.path != "/" or self.domain is not None):
            raise ConfigurationError(
                "session_cookie", "a __Host- cookie needs path='/' and no domain"
            )


@dataclass(frozen=True, slots=True)
class Timeouts:
    """How long a session lives (DESIGN.md T1-T4), in seconds.

    ``idle``: gone after this long unused. ``absolute``: gone this long after creation,
    however active. ``touch_interval``: an unchanged session's activity is recorded in the
    store at most this often, so the idle deadline slides in steps of this size.
    """

    idle: float = 14 * DAY
    absolute: float = 30 * DAY
    touch_interval: float = 60.0

    def __post_init__(self) -> None:
        for option, value in (("idle_timeout", self.idle), ("absolute_timeout", self.absolute)):
            if value <= 0:
                raise ConfigurationError(option, "use a positive number of seconds")
        if not 0 <= self.touch_interval < self.idle:
            raise ConfigurationError(
                "touch_interval", "use at least 0 seconds and less than idle_timeout"
            )


@dataclass(frozen=True, slots=True)
class SessionOptions:
    """What the core needs beyond the cookie and the clocks."""

    max_size: int = 64 * 1024
    compress_threshold: int | None = None
    exclude_paths: Sequence[str] = ()
    max_write_attempts: int = 5

    def __post_init__(self) -> None:
        if self.max_size <= 0:
            raise ConfigurationError("max_size", "use a positive number of bytes")
        if self.compress_threshold is not None and self.compress_threshold < 0:
            raise ConfigurationError("compress_threshold", "use a size in bytes, or None")
        if any(not p.startswith("/") for p in self.exclude_paths):
            raise ConfigurationError("exclude_paths", "each path prefix must start with '/'")
        if self.max_write_attempts < 1:
            raise ConfigurationError("max_write_attempts", "use at least 1")
