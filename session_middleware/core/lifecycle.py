"""The sans-IO session lifecycle: what to load and how to open it.

Rules, in the order a request meets them:

1. No cookie: no store command at all (L1). A cookie that fails any check (size, shape,
   signature, key, age) is never looked up: a fresh session, an event (C3).
2. A valid cookie: one ``Load`` (L2). Missing, undecryptable, badly stamped or past a
   deadline: a fresh session under a new id, an event, and the stale cookie is cleared
   unless something new is written (L3). An expired record is deleted; an undecryptable one
   is left alone, since a worker with a wrong keyring must not log everyone out.
3. Deadlines come from the record and the injected ``now``: ``absolute_deadline`` is sealed
   in the record; the idle deadline is ``last_seen + idle`` from the authenticated stamp.
4. An authenticated record is compared with the request's client signals (A6); a mismatch
   is ignored, flags the session for re-authentication, or revokes it, as configured.

What happens at the response is in :mod:`.saving`; login and friends in :mod:`.auth`.
"""

from __future__ import annotations

import secrets
from typing import Any, Literal

from session_middleware.cache import Memo
from session_middleware.core.binding import BindingCheck
from session_middleware.core.commands import (
    AcquireLock,
    Delete,
    Flow,
    Load,
    Pause,
    ReleaseLock,
)
from session_middleware.core.cookies import CookieCodec, CookieRead, new_session_id
from session_middleware.core.devices import DeviceCookie
from session_middleware.core.identity import Identity
from session_middleware.core.meta import ClientSignals, RecordMeta
from session_middleware.core.options import Binding, CookieOptions, SessionOptions, Timeouts
from session_middleware.core.record import (
    JSON,
    DataCodec,
    decode_plaintext,
    decode_stamp,
    is_flat,
)
from session_middleware.core.session import Session
from session_middleware.core.state import OpenRecord, RequestState
from session_middleware.core.users import UserIndex
from session_middleware.crypto.envelope import EnvelopeError, open_envelope
from session_middleware.crypto.keyring import Keyring
from session_middleware.errors import SessionBusy
from session_middleware.events import (
    CookieRejected,
    Event,
    RecordUndecryptable,
    SessionExpired,
)
from session_middleware.policies import Policy, Unlimited
from session_middleware.strategies import LockPlan, MergeChanges, WriteStrategy
from session_middleware.types import Clock, IndexRef, StoredRecord

__all__ = ["SessionCore"]


class SessionCore:
    """Every session decision, with no I/O: adapters drive its flows against a store."""

    __slots__ = (
        "_contents",
        "_stamps",
        "binding",
        "codec",
        "cookies",
        "devices",
        "identity",
        "keyring",
        "options",
        "policy",
        "session_class",
        "strategy",
        "timeouts",
        "users",
    )

    def __init__(
        self,
        *,
        keyring: Keyring,
        cookie: CookieOptions,
        timeouts: Timeouts,
        options: SessionOptions,
        clock: Clock,
        binding: Binding | None = None,
        policy: Policy | None = None,
        strategy: WriteStrategy | None = None,
        codec: DataCodec = JSON,
        session_class: type[Session] = Session,
    ) -> None:
        self.keyring = keyring
        self.timeouts = timeouts
        self.options = options
        self.identity = Identity(keyring)
        self.cookies = CookieCodec(cookie, keyring, clock)
        self.binding = BindingCheck(binding or Binding())
        self.policy: Policy = policy if policy is not None else Unlimited()
        self.strategy: WriteStrategy = strategy if strategy is not None else MergeChanges()
        self.codec = codec
        self.session_class = session_class
        self.users = UserIndex(keyring, timeouts)
        self.devices = DeviceCookie(self.cookies.signer)
        self._stamps: Memo[tuple[str, str, bytes], float | None] = Memo(self._check_stamp)
        # An unchanged session's blob is the same on every request: it is authenticated,
        # decrypted and parsed once, then served from memory (small records only: <16 MiB).
        self._contents: Memo[tuple[str, bytes], _Contents] = Memo(
            self._open_contents, capacity=2_000, admit=_small_blob
        )

    def is_excluded(self, path: str) -> bool:
        """Whether ``path`` is configured to do no session I/O at all (L4)."""
        return bool(self.options.exclude_paths) and path.startswith(self.options.exclude_paths)

    def is_passive(self, path: str) -> bool:
        """Whether ``path`` is configured as passive: it never slides the idle deadline (T5)."""
        return bool(self.options.passive_paths) and path.startswith(self.options.passive_paths)

    def open(
        self, cookie_value: str | None, now: float, signals: ClientSignals
    ) -> Flow[RequestState]:
        """Read the cookie, load the record if the cookie is good, open and check it."""
        cookie = self.cookies.read(cookie_value, now)
        if cookie.session_id is None:
            rejected = () if cookie.rejected is None else (CookieRejected(reason=cookie.rejected),)
            return self.fresh(cookie, signals, *rejected)
        store_key = self.identity.store_key(cookie.session_id)
        lock = (yield from self._lock(store_key)) if self.strategy.locking else None
        stored = yield Load(store_key)
        state, expired = self._open_stored(cookie, store_key, stored, now, signals)
        if expired is not None:
            yield expired
        state.lock = lock
        if state.meta is not None and state.meta.bound_to is not None:
            yield from self.binding.check(self, state)
        return state

    def _lock(self, store_key: str) -> Flow[tuple[str, str] | None]:
        """Under the ``Locking`` strategy, take the session's lease lock (bounded wait)."""
        plan = self.strategy.locking
        if plan is None:
            return None
        lock = yield from self.take_lock(store_key, plan)
        if lock is None:
            raise SessionBusy()
        return lock

    def take_lock(self, store_key: str, plan: LockPlan) -> Flow[tuple[str, str] | None]:
        """Try for the session's lease lock as ``plan`` says; ``(key, token)`` or ``None``."""
        key, token = "lock:" + store_key, secrets.token_urlsafe(16)
        for _ in range(plan.tries):
            if (yield AcquireLock(key, token, plan.lease)):
                return key, token
            yield Pause(plan.pause)
        return None

    def release(self, state: RequestState) -> Flow[None]:
        """Release the request's lease lock, if it holds one."""
        if state.lock is not None:
            key, token = state.lock
            state.lock = None
            yield ReleaseLock(key, token)

    def _open_stored(
        self,
        cookie: CookieRead,
        store_key: str,
        stored: StoredRecord | None,
        now: float,
        signals: ClientSignals,
    ) -> tuple[RequestState, Delete | None]:
        """The request's state from what the store returned, and the delete of an expired
        record (a plain function: the common case yields nothing more)."""
        session_id = cookie.session_id or ""
        if stored is None:
            return self.fresh(cookie, signals, self._expired(session_id, "missing")), None
        try:
            record, data = self.open_record(session_id, store_key, stored)
        except EnvelopeError as exc:
            event = RecordUndecryptable(handle=self.identity.handle(session_id), reason=exc.reason)
            return self.fresh(cookie, signals, event), None
        expired = self.expiry(record, now)
        if expired is not None:
            delete = Delete(store_key, index=self.index_ref(session_id, record.meta))
            return self.fresh(cookie, signals, self._expired(session_id, expired)), delete
        session = self.session_class(data, session_id=session_id, is_new=False)
        return RequestState(session, cookie, signals, record), None

    def open_record(
        self, session_id: str, store_key: str, stored: StoredRecord
    ) -> tuple[OpenRecord, dict[str, Any]]:
        """Verify and decrypt ``stored``; raise :class:`EnvelopeError` if anything is off."""
        last_seen = self._stamps((session_id, store_key, stored.stamp))
        if last_seen is None:
            raise EnvelopeError("activity stamp does not verify")
        meta, data_form, flat = self._contents((session_id, stored.blob))
        # Scalars only: a shallow copy is a fresh session. Containers: parse anew, so a
        # handler's nested mutation can never reach the memo.
        data = dict(flat) if flat is not None else self.codec.loads(data_form)
        return OpenRecord(store_key, meta, data_form, stored.version, last_seen), data

    def remember_written(
        self, session_id: str, blob: bytes, meta: RecordMeta, form: str, data: dict[str, Any]
    ) -> None:
        """Seed the memo with a record just written, so the next load needs no decryption."""
        flat = dict(data) if is_flat(data) else None
        self._contents.remember((session_id, blob), (meta, form, flat))

    def _open_contents(self, key: tuple[str, bytes]) -> _Contents:
        session_id, blob = key
        plaintext = open_envelope(
            blob, session_id, self.keyring, max_size=self.options.max_size + 4096
        )
        try:
            meta, data, data_form = decode_plaintext(plaintext, self.codec)
        except ValueError:
            raise EnvelopeError("malformed record") from None
        return meta, data_form, data if is_flat(data) else None

    def _check_stamp(self, key: tuple[str, str, bytes]) -> float | None:
        session_id, store_key, stamp = key
        return decode_stamp(self.identity.minting_key(session_id), store_key, stamp)

    def expiry(self, record: OpenRecord, now: float) -> Literal["idle", "absolute"] | None:
        """Which deadline ``record`` is past at ``now``, if any."""
        if now >= record.meta.absolute_deadline:
            return "absolute"
        if now >= record.last_seen + self.timeouts.idle:
            return "idle"
        return None

    def index_ref(self, session_id: str, meta: RecordMeta | None) -> IndexRef | None:
        """Where an authenticated session's entry is in its user's index (else ``None``)."""
        if meta is None or meta.user_id is None:
            return None
        return IndexRef(self.users.key_for(meta.user_id), self.identity.handle(session_id))

    def needs_reauth(self, state: RequestState, now: float, max_age: float | None) -> bool:
        """Anonymous, flagged, or authenticated longer ago than ``max_age``/``reauth_after``."""
        meta = state.meta
        if meta is None or not meta.is_authenticated or meta.auth_time is None:
            return True
        if meta.reauth_flagged:
            return True
        limits = [x for x in (max_age, self.timeouts.reauth_after) if x is not None]
        return any(now - meta.auth_time > limit for limit in limits)

    def fresh(self, cookie: CookieRead, signals: ClientSignals, *events: Event) -> RequestState:
        """A new, empty, unsaved session under a new id."""
        session = self.session_class(
            {}, session_id=new_session_id(self.keyring.primary.kid), is_new=True
        )
        return RequestState(session, cookie, signals, events=list(events))

    def _expired(self, session_id: str, reason: Literal["idle", "absolute", "missing"]) -> Event:
        return SessionExpired(handle=self.identity.handle(session_id), reason=reason)


_Contents = tuple[RecordMeta, str, "dict[str, Any] | None"]


def _small_blob(key: tuple[str, bytes]) -> bool:
    return len(key[1]) <= 8192
