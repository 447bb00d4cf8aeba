"""What to write back when the response starts (DESIGN.md W1, W3, W4, T3-T5, C4).

- A handler that failed (5xx) persists nothing and touches nothing; only a cookie for what
  already happened (an id rotated by ``login()``, a ``logout()``) is still sent.
- The data's JSON form is compared with the form loaded: equal (and no flag raised) means
  no write, only a touch when ``touch_interval`` has passed since the stamp.
- A changed session is sealed anew under the primary key (which also re-encrypts records
  of older keys, E4) and saved with compare-and-set. On conflict the request's own
  top-level changes are re-applied to the fresh record and the save retried, bounded; a
  record that vanished meanwhile (logout elsewhere) is never re-created (W2, W3).
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

import json
from dataclasses import dataclass, replace
from typing import Any

from session_middleware.core.commands import Delete, Flow, Load, Save, Touch
from session_middleware.core.lifecycle import SessionCore
from session_middleware.core.meta import RecordMeta
from session_middleware.core.record import (
    check_storable,
    dumps_json,
    encode_plaintext,
    encode_stamp,
    is_flat,
    serialize_data,
)
from session_middleware.core.state import OpenRecord, RequestState
from session_middleware.crypto.envelope import EnvelopeError, seal_envelope
from session_middleware.errors import SessionConflict
from session_middleware.events import Event, SessionCreated, SessionExpired

__all__ = ["Outcome", "commit", "new_meta", "save_command"]

EMPTY = "{}"
_TTL_GRACE = 60.0


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the adapter adds to the response once the store commands are done."""

    set_cookie: str | None = None
    events: tuple[Event, ...] = ()
    device_cookie: str | None = None

    @property
    def sets_cookies(self) -> bool:
        """Whether the response gets a ``Set-Cookie``."""
        return self.set_cookie is not None or self.device_cookie is not None


NOTHING = Outcome()


def commit(
    core: SessionCore, state: RequestState, *, now: float, status: int, secure: bool
) -> Flow[Outcome]:
    """Decide and perform the end-of-request write for ``state``."""
    outcome = yield from _commit(core, state, now, status, secure)
    if state.new_device is None:
        return outcome
    value = core.devices.value(state.new_device)
    return replace(outcome, device_cookie=core.cookies.device_cookie(value, secure=secure))


def _commit(
    core: SessionCore, state: RequestState, now: float, status: int, secure: bool
) -> Flow[Outcome]:
    if status >= 500:
        return Outcome(set_cookie=_cookie_for_done_actions(core, state, secure))
    record = state.record
    if record is not None and _untouched(state, record):
        return (yield from _keep(core, state, record, now, secure))
    form = serialize_data(state.session)
    if record is None:
        return (yield from _create(core, state, form, now, secure))
    if form == record.data_form and state.meta == record.meta:
        return (yield from _keep(core, state, record, now, secure))
    if form == EMPTY and record.data_form != EMPTY:  # emptied by this request: destroyed
        yield Delete(record.store_key, index=core.index_ref(state.session.id, record.meta))
        return Outcome(set_cookie=core.cookies.expire_cookie(secure=secure))
    check_storable(state.session, form, core.options.max_size)
    return (yield from _update(core, state, record, form, now, secure))


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


def _create(
    core: SessionCore, state: RequestState, form: str, now: float, secure: bool
) -> Flow[Outcome]:
    if form == EMPTY:
        stale = state.destroyed or state.cookie.present
        return Outcome(set_cookie=core.cookies.expire_cookie(secure=secure) if stale else None)
    check_storable(state.session, form, core.options.max_size)
    session_id = state.session.id
    meta = new_meta(core, now)
    save = save_command(core, session_id, meta, form, now, now=now, expected_version=None)
    if (yield save) is None:
        raise SessionConflict(attempts=1)  # a 256-bit id collided: never in practice
    core.remember_written(session_id, save.blob, meta, form, state.session)
    return Outcome(
        set_cookie=core.cookies.set_cookie(session_id, secure=secure),
        events=(SessionCreated(handle=core.identity.handle(session_id)),),
    )


def _keep(
    core: SessionCore, state: RequestState, record: OpenRecord, now: float, secure: bool
) -> Flow[Outcome]:
    if not state.passive and now - record.last_seen >= core.timeouts.touch_interval:
        session_id = state.session.id
        stamp = encode_stamp(core.identity.minting_key(session_id), record.store_key, now)
        ttl = remaining_life(core, record.meta, now, now)
        index = core.index_ref(session_id, record.meta)
        if not (yield Touch(record.store_key, stamp, ttl, index=index)):
            return _vanished(core, session_id, secure)
    cookie = _cookie_for_live_session(core, state, record.meta, now, secure)
    return NOTHING if cookie is None else Outcome(set_cookie=cookie)


def _update(
    core: SessionCore,
    state: RequestState,
    record: OpenRecord,
    form: str,
    now: float,
    secure: bool,
) -> Flow[Outcome]:
    session_id = state.session.id
    last_seen = record.last_seen if state.passive else now
    meta, version = state.meta or record.meta, record.version
    data: dict[str, Any] = state.session
    for _ in range(core.options.max_write_attempts):
        save = save_command(
            core, session_id, meta, form, last_seen, now=now, expected_version=version
        )
        if (yield save) is not None:
            core.remember_written(session_id, save.blob, meta, form, data)
            return Outcome(set_cookie=_cookie_for_live_session(core, state, meta, now, secure))
        fresh = yield Load(record.store_key)
        if fresh is None:
            return _vanished(core, session_id, secure)
        try:
            current, fresh_data = core.open_record(session_id, record.store_key, fresh)
        except EnvelopeError:
            return _vanished(core, session_id, secure)
        version, meta = current.version, _reapply_meta(record.meta, meta, current.meta)
        data = _reapply(record.data_form, state.session, fresh_data)
        form = serialize_data(data)
        check_storable(data, form, core.options.max_size)
    raise SessionConflict(attempts=core.options.max_write_attempts)


def _reapply(loaded_form: str, final: dict[str, Any], fresh: dict[str, Any]) -> dict[str, Any]:
    """Apply this request's top-level changes (keys set or deleted) onto ``fresh``."""
    original: dict[str, Any] = json.loads(loaded_form)
    merged = dict(fresh)
    for key, value in final.items():
        if key not in original or dumps_json(original[key]) != dumps_json(value):
            merged[key] = value
    for key in original.keys() - final.keys():
        merged.pop(key, None)
    return merged


def _reapply_meta(loaded: RecordMeta, ours: RecordMeta, fresh: RecordMeta) -> RecordMeta:
    """Keep the fresh record's meta, plus a re-authentication flag this request raised."""
    raised_flag = ours.reauth_flagged and not loaded.reauth_flagged
    return fresh.flagged() if raised_flag else fresh


def _vanished(core: SessionCore, session_id: str, secure: bool) -> Outcome:
    """The record was destroyed while this request ran: drop the write, clear the cookie."""
    event = SessionExpired(handle=core.identity.handle(session_id), reason="missing")
    return Outcome(set_cookie=core.cookies.expire_cookie(secure=secure), events=(event,))


def _cookie_for_done_actions(core: SessionCore, state: RequestState, secure: bool) -> str | None:
    if state.rotated:
        return core.cookies.set_cookie(state.session.id, secure=secure)
    return core.cookies.expire_cookie(secure=secure) if state.destroyed else None


def _cookie_for_live_session(
    core: SessionCore, state: RequestState, meta: RecordMeta, now: float, secure: bool
) -> str | None:
    if state.rotated or _cookie_needs_renewal(core, state, meta, now):
        return core.cookies.set_cookie(state.session.id, secure=secure)
    return None


def _cookie_needs_renewal(
    core: SessionCore, state: RequestState, meta: RecordMeta, now: float
) -> bool:
    max_age = core.cookies.options.max_age
    issued_at = state.cookie.issued_at
    if max_age is None or issued_at is None or now - issued_at < max_age / 2:
        return False
    return issued_at + max_age < min(meta.absolute_deadline, now + core.timeouts.idle)
