"""What to write back when the response starts (DESIGN.md W1, W3, W4, T3-T5, C4).

- A handler that failed (5xx) persists nothing and touches nothing; only a cookie for what
  already happened (an id rotated by ``login()``, a ``logout()``) is still sent.
- The data's JSON form is compared with the form loaded: equal (and no flag raised) means
  no write, only a touch when ``touch_interval`` has passed since the stamp.
- A changed session is sealed anew under the primary key (which also re-encrypts records
  of older keys, E4) and saved with compare-and-set. On conflict the write strategy says
  what to write over the fresh record (by default: this request's own top-level changes)
  and the save is retried, bounded; a record that vanished meanwhile (logout elsewhere) is
  never re-created (W2, W3).
- A fresh session is persisted only if it holds data; a session emptied by its handler
  (``session.clear()``, Starlette's logout idiom) is destroyed and its cookie expired.
- Passive requests (T5) never move the activity stamp, neither by a touch nor by a write.
- ``Set-Cookie`` only when a session is first persisted, changes id, is destroyed, is found
  stale, or its cookie is past half its ``max_age`` and would die before the session (C4).
- The store TTL is the remaining life plus a minute's grace: never shorter than the real
  life (T3), and long enough that the core, not the store, sees an expired record, so it
  can say why the session ended and delete it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Any

from session_middleware.core.commands import (
    Delete,
    Flow,
    Load,
    Pause,
    ReleaseLock,
    Save,
    Touch,
)
from session_middleware.core.lifecycle import SessionCore
from session_middleware.core.meta import RecordMeta
from session_middleware.core.record import (
    check_storable,
    encode_plaintext,
    encode_stamp,
    is_flat,
    serialize_data,
)
from session_middleware.core.state import OpenRecord, RequestState
from session_middleware.crypto.envelope import EnvelopeError, seal_envelope
from session_middleware.errors import SessionConflict
from session_middleware.events import Event, SessionCreated, SessionExpired
from session_middleware.strategies import LockPlan

__all__ = [
    "EXPIRE",
    "NOTHING",
    "Outcome",
    "commit",
    "new_meta",
    "save_command",
    "settled",
    "with_device",
]

EMPTY = "{}"
_TTL_GRACE = 60.0
_BACKOFF_BASE, _BACKOFF_CAP = 0.001, 0.05
_jitter = random.Random()  # timing only, never a secret: secrets makes the ids
CONTENTION_LOCK = LockPlan(lease=2.0, tries=400, pause=0.005)
"""The lock a writer that lost a race queues on: held 2 s at most, waited for 2 s at most."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the adapter adds to the response once the store commands are done.

    ``set_id``: hand out a cookie for this session id; ``expire``: remove the session
    cookie; ``device_id``: hand out a device cookie for this new device. The adapter
    formats them in its framework's own spelling.
    """

    set_id: str | None = None
    expire: bool = False
    events: tuple[Event, ...] = ()
    device_id: str | None = None

    @property
    def sets_cookies(self) -> bool:
        """Whether the response gets a ``Set-Cookie``."""
        return self.set_id is not None or self.expire or self.device_id is not None


NOTHING = Outcome()
EXPIRE = Outcome(expire=True)


def commit(core: SessionCore, state: RequestState, *, now: float, status: int) -> Flow[Outcome]:
    """Decide and perform the end-of-request write for ``state`` (then see
    :func:`with_device`)."""
    if status >= 500:
        return _done_actions(state)
    record = state.record
    if record is not None and _untouched(state, record):
        return (yield from _keep(core, state, record, now))
    form = state.committed_form = serialize_data(state.session, core.codec)
    if record is None:
        return (yield from _create(core, state, form, now))
    if form == record.data_form and state.meta == record.meta:
        return (yield from _keep(core, state, record, now))
    if form == EMPTY and record.data_form != EMPTY:  # emptied by this request: destroyed
        yield Delete(record.store_key, index=core.index_ref(state.session.id, record.meta))
        return EXPIRE
    check_storable(state.session, form, core.options.max_size, codec=core.codec)
    return (yield from _update(core, state, record, form, now))


def settled(core: SessionCore, state: RequestState, *, now: float, status: int) -> Outcome | None:
    """The outcome without running :func:`commit`, when provably no store command is due
    (an unchanged session, no touch yet); ``None`` means: run the flow."""
    record = state.record
    if status >= 500 or record is None or not _untouched(state, record):
        return None
    if not state.passive and now - record.last_seen >= core.timeouts.touch_interval:
        return None
    return _live_session(core, state, record.meta, now)


def with_device(state: RequestState, outcome: Outcome) -> Outcome:
    """Add the device cookie to ``outcome`` when this request's login minted a device."""
    if state.new_device is None:
        return outcome
    return replace(outcome, device_id=state.new_device)


def _untouched(state: RequestState, record: OpenRecord) -> bool:
    """Provably unchanged without serializing: no top-level change was made and no value
    is a container, so no nested mutation can have happened either (W1's fast path)."""
    session = state.session
    return not session.modified and state.meta is record.meta and is_flat(session)


def new_meta(core: SessionCore, now: float) -> RecordMeta:
    """The meta of an anonymous session created at ``now``."""
    return RecordMeta(created=now, absolute_deadline=now + core.timeouts.absolute)


def save_command(
    core: SessionCore,
    session_id: str,
    meta: RecordMeta,
    form: str,
    last_seen: float,
    *,
    now: float,
    expected_version: int | None,
) -> Save:
    """The sealed compare-and-set write of ``form`` and ``meta`` under ``session_id``."""
    store_key = core.identity.store_key(session_id)
    blob = seal_envelope(
        encode_plaintext(meta, form),
        session_id,
        core.keyring.primary,
        compress_threshold=core.options.compress_threshold,
    )
    stamp = encode_stamp(core.identity.minting_key(session_id), store_key, last_seen)
    ttl = remaining_life(core, meta, last_seen, now)
    index = core.index_ref(session_id, meta)
    return Save(store_key, blob, stamp, expected_version=expected_version, ttl=ttl, index=index)


def remaining_life(core: SessionCore, meta: RecordMeta, last_seen: float, now: float) -> float:
    """Seconds from ``now`` to the earlier deadline, plus the grace (never shorter)."""
    deadline = min(meta.absolute_deadline, last_seen + core.timeouts.idle)
    return max(0.0, deadline - now) + _TTL_GRACE


def _create(core: SessionCore, state: RequestState, form: str, now: float) -> Flow[Outcome]:
    if form == EMPTY:
        return EXPIRE if state.destroyed or state.cookie.present else NOTHING
    check_storable(state.session, form, core.options.max_size, codec=core.codec)
    session_id = state.session.id
    meta = new_meta(core, now)
    save = save_command(core, session_id, meta, form, now, now=now, expected_version=None)
    if (yield save) is None:
        raise SessionConflict(attempts=1)  # a 256-bit id collided: never in practice
    core.remember_written(session_id, save.blob, meta, form, state.session)
    return Outcome(
        set_id=session_id, events=(SessionCreated(handle=core.identity.handle(session_id)),)
    )


def _keep(core: SessionCore, state: RequestState, record: OpenRecord, now: float) -> Flow[Outcome]:
    if not state.passive and now - record.last_seen >= core.timeouts.touch_interval:
        session_id = state.session.id
        stamp = encode_stamp(core.identity.minting_key(session_id), record.store_key, now)
        ttl = remaining_life(core, record.meta, now, now)
        index = core.index_ref(session_id, record.meta)
        if not (yield Touch(record.store_key, stamp, ttl, index=index)):
            return _vanished(core, session_id)
    return _live_session(core, state, record.meta, now)


def _update(
    core: SessionCore,
    state: RequestState,
    record: OpenRecord,
    form: str,
    now: float,
) -> Flow[Outcome]:
    last_seen = record.last_seen if state.passive else now
    meta = state.meta or record.meta
    written = yield from _write(
        core, state, meta, form, state.session, last_seen, now, record.version
    )
    if written is not None:
        return written
    if core.strategy.max_attempts == 1:
        raise SessionConflict(attempts=1)
    # Lost a race. Writers that lose queue on the session's lease lock and take turns, so
    # heavy contention on one session degrades to a queue instead of a livelock.
    lock = None
    if state.lock is None:
        lock = yield from core.take_lock(record.store_key, CONTENTION_LOCK)
    try:
        outcome = yield from _retry(core, state, record, meta, last_seen, now)
    except SessionConflict:
        yield from _unlock(lock)
        raise
    yield from _unlock(lock)
    return outcome


def _retry(
    core: SessionCore,
    state: RequestState,
    record: OpenRecord,
    meta: RecordMeta,
    last_seen: float,
    now: float,
) -> Flow[Outcome]:
    """Reload, resolve by the write strategy, compare-and-set again; bounded."""
    session_id = state.session.id
    for attempt in range(core.strategy.max_attempts - 1):
        fresh = yield Load(record.store_key)
        if fresh is None:
            return _vanished(core, session_id)
        try:
            current, fresh_data = core.open_record(session_id, record.store_key, fresh)
        except EnvelopeError:
            return _vanished(core, session_id)
        meta = _reapply_meta(record.meta, meta, current.meta)
        original = core.codec.loads(record.data_form)
        data = core.strategy.resolve(original, state.session, fresh_data)
        form = serialize_data(data, core.codec)
        # Fresh data was parsed from the store and this request's own values checked already.
        check_storable(data, form, core.options.max_size, round_trip=False, codec=core.codec)
        written = yield from _write(core, state, meta, form, data, last_seen, now, current.version)
        if written is not None:
            return written
        yield Pause(_backoff(attempt))
    raise SessionConflict(attempts=core.strategy.max_attempts)


def _write(
    core: SessionCore,
    state: RequestState,
    meta: RecordMeta,
    form: str,
    data: dict[str, Any],
    last_seen: float,
    now: float,
    version: int,
) -> Flow[Outcome | None]:
    """One compare-and-set of ``form`` over ``version``: the outcome, or ``None`` if lost."""
    session_id = state.session.id
    save = save_command(core, session_id, meta, form, last_seen, now=now, expected_version=version)
    if (yield save) is None:
        return None
    core.remember_written(session_id, save.blob, meta, form, data)
    return _live_session(core, state, meta, now)


def _unlock(lock: tuple[str, str] | None) -> Flow[None]:
    if lock is not None:
        yield ReleaseLock(*lock)


def _backoff(attempt: int) -> float:
    """Full-jitter exponential backoff after a lost race, so racing writers spread out."""
    return _jitter.uniform(0, min(_BACKOFF_CAP, _BACKOFF_BASE * 2**attempt))


def _reapply_meta(loaded: RecordMeta, ours: RecordMeta, fresh: RecordMeta) -> RecordMeta:
    """Keep the fresh record's meta, plus a re-authentication flag this request raised."""
    raised_flag = ours.reauth_flagged and not loaded.reauth_flagged
    return fresh.flagged() if raised_flag else fresh


def _vanished(core: SessionCore, session_id: str) -> Outcome:
    """The record was destroyed while this request ran: drop the write, clear the cookie."""
    event = SessionExpired(handle=core.identity.handle(session_id), reason="missing")
    return Outcome(expire=True, events=(event,))


def _done_actions(state: RequestState) -> Outcome:
    """After a failed handler: only the cookie for what already happened (login, logout)."""
    if state.rotated:
        return Outcome(set_id=state.session.id)
    return EXPIRE if state.destroyed else NOTHING


def _live_session(core: SessionCore, state: RequestState, meta: RecordMeta, now: float) -> Outcome:
    if state.rotated or _cookie_needs_renewal(core, state, meta, now):
        return Outcome(set_id=state.session.id)
    return NOTHING


def _cookie_needs_renewal(
    core: SessionCore, state: RequestState, meta: RecordMeta, now: float
) -> bool:
    max_age = core.cookies.options.max_age
    issued_at = state.cookie.issued_at
    if max_age is None or issued_at is None or now - issued_at < max_age / 2:
        return False
    return issued_at + max_age < min(meta.absolute_deadline, now + core.timeouts.idle)
