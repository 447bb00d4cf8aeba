"""The sans-IO session lifecycle: what to load, how to open it, what to write back.

Rules, in the order a request meets them:

1. No cookie: no store command at all (L1). A cookie that fails any check (size, shape,
   signature, key, age) is never looked up: a fresh session, an event (C3).
2. A valid cookie: one ``Load`` (L2). Missing, undecryptable, badly stamped or past a
   deadline: a fresh session under a new id, an event, and the stale cookie is cleared
   unless something new is written (L3). An expired record is deleted; an undecryptable one
   is left alone, since a worker with a wrong keyring must not log everyone out.
3. Deadlines come from the record and the injected ``now``: ``absolute_deadline`` is sealed
   at creation; the idle deadline is ``last_seen + idle`` from the authenticated stamp (T1-T3).
4. At the response: see :mod:`session_middleware.core.saving`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from session_middleware.core.commands import Delete, Flow, Load
from session_middleware.core.cookies import CookieCodec, CookieRead, new_session_id
from session_middleware.core.identity import Identity
from session_middleware.core.options import CookieOptions, SessionOptions, Timeouts
from session_middleware.core.record import RecordMeta, decode_plaintext, decode_stamp
from session_middleware.core.session import Session
from session_middleware.crypto.envelope import EnvelopeError, open_envelope
from session_middleware.crypto.keyring import Keyring
from session_middleware.events import (
    CookieRejected,
    Event,
    RecordUndecryptable,
    SessionExpired,
)
from session_middleware.types import Clock, StoredRecord

__all__ = ["Loaded", "OpenRecord", "SessionCore"]


@dataclass(frozen=True, slots=True)
class OpenRecord:
    """A stored record, verified and decrypted, as it was when the request loaded it."""

    store_key: str
    meta: RecordMeta
    data_form: str
    version: int
    last_seen: float


@dataclass(frozen=True, slots=True)
class Loaded:
    """The outcome of the load step: the session for the handler and what it came from."""

    session: Session
    cookie: CookieRead
    record: OpenRecord | None
    events: tuple[Event, ...] = ()


class SessionCore:
    """Every session decision, with no I/O: adapters drive its flows against a store."""

    __slots__ = ("cookies", "identity", "keyring", "options", "timeouts")

    def __init__(
        self,
        *,
        keyring: Keyring,
        cookie: CookieOptions,
        timeouts: Timeouts,
        options: SessionOptions,
        clock: Clock,
    ) -> None:
        self.keyring = keyring
        self.timeouts = timeouts
        self.options = options
        self.identity = Identity(keyring)
        self.cookies = CookieCodec(cookie, keyring, clock)

    def is_excluded(self, path: str) -> bool:
        """Whether ``path`` is configured to do no session I/O at all (L4)."""
        prefixes = self.options.exclude_paths
        return bool(prefixes) and path.startswith(tuple(prefixes))

    def open(self, cookie_value: str | None, now: float) -> Flow[Loaded]:
        """Read the cookie, load the record if the cookie is good, open it."""
        cookie = self.cookies.read(cookie_value, now)
        if cookie.rejected is not None:
            return self._fresh(cookie, CookieRejected(reason=cookie.rejected))
        if cookie.session_id is None:
            return self._fresh(cookie)
        stored = yield Load(self.identity.store_key(cookie.session_id))
        return (yield from self._open_stored(cookie, cookie.session_id, stored, now))

    def _open_stored(
        self, cookie: CookieRead, session_id: str, stored: StoredRecord | None, now: float
    ) -> Flow[Loaded]:
        store_key = self.identity.store_key(session_id)
        handle = self.identity.handle(session_id)
        if stored is None:
            return self._fresh(cookie, SessionExpired(handle=handle, reason="missing"))
        try:
            record, data = self.open_record(session_id, store_key, stored)
        except EnvelopeError as exc:
            return self._fresh(cookie, RecordUndecryptable(handle=handle, reason=exc.reason))
        expired = self.expiry(record, now)
        if expired is not None:
            yield Delete(record.store_key)
            return self._fresh(cookie, SessionExpired(handle=handle, reason=expired))
        session = Session(data, session_id=session_id, is_new=False)
        return Loaded(session=session, cookie=cookie, record=record)

    def open_record(
        self, session_id: str, store_key: str, stored: StoredRecord
    ) -> tuple[OpenRecord, dict[str, Any]]:
        """Verify and decrypt ``stored``; raise :class:`EnvelopeError` if anything is off."""
        plaintext = open_envelope(
            stored.blob, session_id, self.keyring, max_size=self.options.max_size + 1024
        )
        try:
            meta, data, data_form = decode_plaintext(plaintext)
        except ValueError:
            raise EnvelopeError("malformed record") from None
        last_seen = decode_stamp(self.identity.minting_key(session_id), store_key, stored.stamp)
        if last_seen is None:
            raise EnvelopeError("activity stamp does not verify")
        return OpenRecord(store_key, meta, data_form, stored.version, last_seen), data

    def expiry(self, record: OpenRecord, now: float) -> Literal["idle", "absolute"] | None:
        """Which deadline ``record`` is past at ``now``, if any."""
        if now >= record.meta.absolute_deadline:
            return "absolute"
        if now >= record.last_seen + self.timeouts.idle:
            return "idle"
        return None

    def _fresh(self, cookie: CookieRead, *events: Event) -> Loaded:
        session = Session({}, session_id=new_session_id(self.keyring.primary.kid), is_new=True)
        return Loaded(session=session, cookie=cookie, record=None, events=events)
