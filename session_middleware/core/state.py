"""Per-request state: what was loaded, and what the handler's actions changed since.

These two are built on every request, so they are plain slotted classes rather than frozen
dataclasses (whose ``object.__setattr__`` per field costs more than the rest of the load).
"""

from __future__ import annotations

from session_middleware.core.cookies import CookieRead
from session_middleware.core.meta import ClientSignals, RecordMeta
from session_middleware.core.session import Session
from session_middleware.events import Event

__all__ = ["OpenRecord", "RequestState"]


class OpenRecord:
    """A stored record, verified and decrypted: the base a later write compares against."""

    __slots__ = ("data_form", "last_seen", "meta", "store_key", "version")

    def __init__(
        self, store_key: str, meta: RecordMeta, data_form: str, version: int, last_seen: float
    ) -> None:
        self.store_key = store_key
        self.meta = meta
        self.data_form = data_form
        self.version = version
        self.last_seen = last_seen


class RequestState:
    """One request's session state. The core's flows update it; the adapter only reads it.

    ``record`` is the stored record the next write must compare-and-set against (``None``
    for a session not stored yet). ``meta`` is the current meta, which differs from
    ``record.meta`` when a flag was raised during this request. ``rotated`` means the id
    changed and the new cookie must be sent; ``destroyed`` that the session was ended.
    """

    __slots__ = (
        "committed_form",
        "cookie",
        "destroyed",
        "device_cookie",
        "events",
        "lock",
        "meta",
        "new_device",
        "passive",
        "record",
        "rotated",
        "session",
        "signals",
    )

    def __init__(
        self,
        session: Session,
        cookie: CookieRead,
        signals: ClientSignals,
        record: OpenRecord | None = None,
        events: list[Event] | None = None,
    ) -> None:
        self.session = session
        self.cookie = cookie
        self.signals = signals
        self.record = record
        self.meta: RecordMeta | None = record.meta if record is not None else None
        self.passive = False
        self.rotated = False
        self.destroyed = False
        self.events: list[Event] = events if events is not None else []
        self.device_cookie: str | None = None  # the device cookie's value, as sent
        self.new_device: str | None = None  # a device id minted at login, to hand out
        self.lock: tuple[str, str] | None = None  # (key, token) of a held lease lock
        self.committed_form: str | None = None  # the data's form when the response started

    def drain_events(self) -> list[Event]:
        """The events raised since the last drain, in order."""
        events, self.events = self.events, []
        return events
