"""Concurrent-session policies (DESIGN.md P3): pure functions of the user's live sessions
and the incoming login, applied atomically by ``login()``.

Any object with a ``decide(live, incoming) -> Decision`` method is a policy. The built-ins
take ``max_per_user`` and/or ``max_per_device`` (``None``: no limit of that kind); the
device limit is applied first, to the sessions of the incoming login's device.

=====================  ==============================================================
``Unlimited``          admit every login (the default)
``RejectNew``          over a limit, ``login()`` raises ``SessionLimitExceeded``
``EvictOldest``        over a limit, end the oldest sessions (by creation)
``EvictIdlest``        over a limit, end the sessions unused the longest
``RequireConfirmation`` over a limit, admit the login pending until the user picks which
                       session ends (``await session.confirm(end=handle)``)
=====================  ==============================================================
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from session_middleware.core.users import SessionInfo
from session_middleware.errors import ConfigurationError

__all__ = [
    "Decision",
    "EvictIdlest",
    "EvictOldest",
    "Incoming",
    "Policy",
    "RejectNew",
    "RequireConfirmation",
    "Unlimited",
]


@dataclass(frozen=True, slots=True)
class Incoming:
    """The login being decided."""

    user_id: str
    device_id: str
    device: str
    ip: str | None
    user_agent: str
    now: float


@dataclass(frozen=True, slots=True)
class Decision:
    """``admit`` (ending the sessions in ``evict``), ``reject`` or ``pending``."""

    action: Literal["admit", "reject", "pending"]
    evict: tuple[str, ...] = ()
    reason: str = ""

    @classmethod
    def admit(cls, evict: Sequence[str] = ()) -> Decision:
        """Let the login in, ending the sessions with these handles."""
        return cls("admit", tuple(evict))

    @classmethod
    def reject(cls, reason: str) -> Decision:
        """Refuse the login; nothing changes."""
        return cls("reject", reason=reason)

    @classmethod
    def pending(cls, reason: str) -> Decision:
        """Admit the login pending the user's choice of a session to end."""
        return cls("pending", reason=reason)


class Policy(Protocol):
    """The policy protocol: decide on one login from the user's live sessions."""

    def decide(self, live: Sequence[SessionInfo], incoming: Incoming) -> Decision: ...


class Unlimited:
    """Admit every login."""

    def decide(self, live: Sequence[SessionInfo], incoming: Incoming) -> Decision:
        """Always admit."""
        return Decision.admit()

    def __repr__(self) -> str:
        return "Unlimited()"


@dataclass(frozen=True)
class _Limits:
    max_per_user: int | None = None
    max_per_device: int | None = None

    def __post_init__(self) -> None:
        for option, value in (
            ("max_per_user", self.max_per_user),
            ("max_per_device", self.max_per_device),
        ):
            if value is not None and value < 1:
                raise ConfigurationError(option, "use at least 1, or None for no limit")
        if self.max_per_user is None and self.max_per_device is None:
            raise ConfigurationError("max_per_user", "give max_per_user and/or max_per_device")

    def over_limit(
        self, live: Sequence[SessionInfo], incoming: Incoming, order: Callable[[SessionInfo], float]
    ) -> tuple[list[str], str]:
        """The sessions to end (first in ``order``) for the login to fit, and which limit."""
        victims: list[SessionInfo] = []
        reason = ""
        if self.max_per_device is not None:
            same = sorted((s for s in live if s.device_id == incoming.device_id), key=order)
            excess = len(same) + 1 - self.max_per_device
            if excess > 0:
                victims += same[:excess]
                reason = "max_per_device"
        if self.max_per_user is not None:
            rest = sorted((s for s in live if s not in victims), key=order)
            excess = len(rest) + 1 - self.max_per_user
            if excess > 0:
                victims += rest[:excess]
                reason = reason or "max_per_user"
        return [s.handle for s in victims], reason


def _by_creation(session: SessionInfo) -> float:
    return session.created


def _by_last_use(session: SessionInfo) -> float:
    return session.last_seen


class RejectNew(_Limits):
    """Over a limit, refuse the new login."""

    def decide(self, live: Sequence[SessionInfo], incoming: Incoming) -> Decision:
        """Admit within the limits, reject beyond them."""
        victims, reason = self.over_limit(live, incoming, _by_creation)
        return Decision.reject(reason) if victims else Decision.admit()


class EvictOldest(_Limits):
    """Over a limit, end the oldest sessions."""

    def decide(self, live: Sequence[SessionInfo], incoming: Incoming) -> Decision:
        """Admit, ending the oldest sessions beyond the limits."""
        return Decision.admit(self.over_limit(live, incoming, _by_creation)[0])


class EvictIdlest(_Limits):
    """Over a limit, end the sessions unused the longest."""

    def decide(self, live: Sequence[SessionInfo], incoming: Incoming) -> Decision:
        """Admit, ending the least recently used sessions beyond the limits."""
        return Decision.admit(self.over_limit(live, incoming, _by_last_use)[0])


class RequireConfirmation(_Limits):
    """Over a limit, admit the login pending until the user ends one of the sessions."""

    def decide(self, live: Sequence[SessionInfo], incoming: Incoming) -> Decision:
        """Admit within the limits, admit pending beyond them."""
        victims, reason = self.over_limit(live, incoming, _by_creation)
        return Decision.pending(reason) if victims else Decision.admit()
