"""What a record knows about its session beside the data: lifetimes, who, how, from where.

All of it is sealed inside the envelope with the data, so nobody with access to the store
can read it, extend a session's life or move it to another user (DESIGN.md E6). The JSON
keys are short because they are stored with every record; absent values are omitted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

__all__ = ["ClientSignals", "RecordMeta"]

_MAX_USER_AGENT = 512
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class ClientSignals:
    """What a request says about its client: the User-Agent and the network prefix."""

    user_agent: str = ""
    ip_prefix: str | None = None

    def __post_init__(self) -> None:
        if len(self.user_agent) > _MAX_USER_AGENT:
            object.__setattr__(self, "user_agent", self.user_agent[:_MAX_USER_AGENT])


@dataclass(frozen=True, slots=True)
class RecordMeta:
    """A session's lifetimes and authentication state, sealed with its data.

    ``created`` and ``absolute_deadline`` are set when the id is minted and change only
    when the id does (login, re-authentication). ``user_id``, ``auth_time``,
    ``auth_method`` and ``mfa`` describe the last authentication; ``bound_to`` the client
    signals recorded then; ``reauth_flagged`` that something asked for a re-authentication;
    ``device_id`` the device cookie's id at login; ``pending`` that a concurrency policy
    admitted the login only until the user picks which other session ends.
    """

    created: float
    absolute_deadline: float
    user_id: str | None = None
    auth_time: float | None = None
    auth_method: str | None = None
    mfa: bool = False
    bound_to: ClientSignals | None = None
    reauth_flagged: bool = False
    device_id: str | None = None
    pending: bool = False

    @property
    def is_authenticated(self) -> bool:
        """Whether a user logged in to this session and it is not waiting for confirmation."""
        return self.user_id is not None and not self.pending

    def flagged(self) -> RecordMeta:
        """The same meta, marked as needing re-authentication."""
        return replace(self, reauth_flagged=True)

    def to_json(self) -> str:
        """The compact JSON line stored before the data."""
        raw: dict[str, Any] = {"c": self.created, "x": self.absolute_deadline}
        if self.user_id is not None:
            raw |= {"u": self.user_id, "t": self.auth_time, "m": self.auth_method}
        if self.mfa:
            raw["f"] = 1
        if self.reauth_flagged:
            raw["r"] = 1
        if self.bound_to is not None:
            raw["b"] = [self.bound_to.user_agent, self.bound_to.ip_prefix]
        if self.device_id is not None:
            raw["d"] = self.device_id
        if self.pending:
            raw["p"] = 1
        return _ENCODER.encode(raw)

    @classmethod
    def from_json(cls, text: str) -> RecordMeta:
        """Parse :meth:`to_json` output; ``KeyError``/``TypeError``/``ValueError`` if malformed."""
        raw = json.loads(text)
        bound = raw.get("b")
        return cls(
            created=float(raw["c"]),
            absolute_deadline=float(raw["x"]),
            user_id=_optional_str(raw.get("u")),
            auth_time=None if raw.get("t") is None else float(raw["t"]),
            auth_method=_optional_str(raw.get("m")),
            mfa=bool(raw.get("f")),
            bound_to=None if bound is None else ClientSignals(str(bound[0]), bound[1]),
            reauth_flagged=bool(raw.get("r")),
            device_id=_optional_str(raw.get("d")),
            pending=bool(raw.get("p")),
        )


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)
