"""Configuration values, validated loudly at construction (STYLE.md rule 6)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from session_middleware.errors import ConfigurationError

__all__ = [
    "DAY",
    "HOUR",
    "Binding",
    "CookieOptions",
    "MismatchAction",
    "SameSite",
    "SessionOptions",
    "Timeouts",
    "fails_open",
    "secrets_from",
    "timeouts_from",
]

HOUR = 60 * 60
DAY = 24 * HOUR
SameSite = Literal["lax", "strict", "none"]
MismatchAction = Literal["ignore", "flag", "revoke"]
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

    ``idle``: gone after this long unused. ``absolute``: gone this long after creation (or
    the last login / re-authentication), however active. ``touch_interval``: an unchanged
    session's activity is recorded at most this often, so the idle deadline slides in steps
    of this size. ``reauth_after``: an authenticated session needs re-authentication this
    long after it last authenticated (``needs_reauth()`` turns true; guards refuse).
    """

    idle: float = 14 * DAY
    absolute: float = 30 * DAY
    touch_interval: float = 60.0
    reauth_after: float | None = None

    @classmethod
    def nist_aal2(cls) -> Timeouts:
        """NIST SP 800-63B-4 AAL2: 1 h of inactivity, re-authentication every 24 h.

        The session ends 24 h after its (re-)authentication however active it is; calling
        ``reauthenticate()`` before then starts both clocks again and keeps the data.
        """
        return cls(idle=HOUR, absolute=DAY, touch_interval=60.0, reauth_after=DAY)

    def __post_init__(self) -> None:
        for option, value in (
            ("idle_timeout", self.idle),
            ("absolute_timeout", self.absolute),
            ("reauth_after", 1.0 if self.reauth_after is None else self.reauth_after),
        ):
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
    exclude_paths: tuple[str, ...] = ()
    passive_paths: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.max_size <= 0:
            raise ConfigurationError("max_size", "use a positive number of bytes")
        if self.compress_threshold is not None and self.compress_threshold < 0:
            raise ConfigurationError("compress_threshold", "use a size in bytes, or None")
        for option, paths in (
            ("exclude_paths", self.exclude_paths),
            ("passive_paths", self.passive_paths),
        ):
            if isinstance(paths, str) or any(not p.startswith("/") for p in paths):
                raise ConfigurationError(option, "give a list of path prefixes starting with '/'")


@dataclass(frozen=True, slots=True)
class Binding:
    """Which client signals an authenticated session is bound to (DESIGN.md A6).

    Recorded at login and compared on every load: the User-Agent, and optionally the
    client's network (an IPv4 /24 or IPv6 /48 by default, so a phone changing addresses
    inside its carrier's block is not a mismatch). On a mismatch: ``"ignore"`` (an event
    only), ``"flag"`` (``needs_reauth()`` turns true, guarded routes refuse) or
    ``"revoke"`` (the session is destroyed, the request goes on anonymous).
    """

    user_agent: bool = True
    ip: bool = False
    ipv4_prefix: int = 24
    ipv6_prefix: int = 48
    on_mismatch: MismatchAction = "flag"

    def __post_init__(self) -> None:
        if self.on_mismatch not in ("ignore", "flag", "revoke"):
            raise ConfigurationError("binding", "on_mismatch is 'ignore', 'flag' or 'revoke'")
        if not (0 <= self.ipv4_prefix <= 32 and 0 <= self.ipv6_prefix <= 128):
            raise ConfigurationError("binding", "prefix lengths are 0-32 (IPv4), 0-128 (IPv6)")


def secrets_from(
    secret_key: str | bytes | object | None, secret_keys: Sequence[str | bytes | object] | None
) -> list[str | bytes | object]:
    """The secrets given as ``secret_key=`` (one) or ``secret_keys=`` (newest first)."""
    if (secret_key is None) == (secret_keys is None):
        raise ConfigurationError("secret_key", "give exactly one of secret_key or secret_keys")
    if secret_keys is not None:
        if isinstance(secret_keys, (str, bytes)):
            raise ConfigurationError("secret_keys", "give a list of secrets, newest first")
        return list(secret_keys)
    return [secret_key]


def timeouts_from(
    timeouts: Timeouts | None,
    idle: float | None,
    absolute: float | None,
    touch_interval: float | None,
    reauth_after: float | None,
) -> Timeouts:
    """One :class:`Timeouts` from either the single keywords or a ``timeouts=`` value."""
    single = {
        "idle": idle,
        "absolute": absolute,
        "touch_interval": touch_interval,
        "reauth_after": reauth_after,
    }
    given = {k: v for k, v in single.items() if v is not None}
    if timeouts is None:
        return Timeouts(**given)
    if given:
        raise ConfigurationError("timeouts", "give timeouts= or the single timeouts, not both")
    return timeouts


def fails_open(on_store_error: str) -> bool:
    """Whether ``on_store_error`` asks for an anonymous session when the store is down."""
    if on_store_error not in ("fail_closed", "fail_open"):
        raise ConfigurationError("on_store_error", "use 'fail_closed' or 'fail_open'")
    return on_store_error == "fail_open"
