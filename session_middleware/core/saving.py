"""What to write back when the response starts (DESIGN.md W1, W3, W4, T3, T4, C4).

- A handler that failed (5xx) persists nothing and touches nothing.
- The data's JSON form is compared with the form loaded: equal means no write, only a
  touch when ``touch_interval`` has passed since the stamp (a cheap stamp replacement).
- A changed session is sealed anew under the primary key (which also re-encrypts records
  of older keys, E4) and saved with compare-and-set. On conflict the request's own
  top-level changes are re-applied to the fresh record and the save retried, bounded; a
  record that vanished meanwhile (logout elsewhere) is never re-created.
- A fresh session is persisted only if it holds data; a session emptied by its handler
  (``session.clear()``, Starlette's logout idiom) is destroyed and its cookie expired.
- ``Set-Cookie`` only when a session is first persisted, destroyed, found stale, or its
  cookie is past half its ``max_age`` and would die before the session (C4).
- The store TTL is the remaining life plus a minute's grace: never shorter than the real
  life (T3), and long enough that the core, not the store, sees an expired record, so it
  can say why the session ended and delete it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from session_middleware.core.commands import Delete, Flow, Load, Save, Touch
from session_middleware.core.lifecycle import Loaded, OpenRecord, SessionCore
from session_middleware.core.record import (
    RecordMeta,
    dumps_json,
    encode_data,
    encode_plaintext,
    encode_stamp,
)
from session_middleware.crypto.envelope import EnvelopeError, seal_envelope
from session_middleware.errors import SessionConflict
from session_middleware.events import Event, SessionCreated, SessionExpired

__all__ = ["Outcome", "commit"]

_EMPTY = "{}"
_TTL_GRACE = 60.0


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the adapter adds to the response once the store commands are done."""

    set_cookie: str | None = None
    events: tuple[Event, ...] = ()


def commit(
    core: SessionCore, loaded: Loaded, *, now: float, status: int, secure: bool
) -> Flow[Outcome]:
    """Decide and perform the end-of-request write for ``loaded``."""
    if status >= 500:
        return Outcome()
    form = encode_data(loaded.session, core.options.max_size)
    record = loaded.record
    if record is None:
        return (yield from _create(core, loaded, form, now, secure))
    if form == record.data_form:
        return (yield from _keep(core, loaded, record, now, secure))
    if form == _EMPTY:
        yield Delete(record.store_key)
        return Outcome(set_cookie=core.cookies.expire_cookie(secure=secure))
    return (yield from _update(core, loaded, record, form, now, secure))


def _create(
    core: SessionCore, loaded: Loaded, form: str, now: float, secure: bool
) -> Flow[Outcome]:
    if form == _EMPTY:
        stale = loaded.cookie.present
        return Outcome(set_cookie=core.cookies.expire_cookie(secure=secure) if stale else None)
    session_id = loaded.session.id
    meta = RecordMeta(created=now, absolute_deadline=now + core.timeouts.absolute)
    save = _save(core, session_id, meta, form, now, expected_version=None)
    if (yield save) is None:
        raise SessionConflict(attempts=1)  # a 256-bit id collided: never in practice
    handle = core.identity.handle(session_id)
    return Outcome(
        set_cookie=core.cookies.set_cookie(session_id, secure=secure),
        events=(SessionCreated(handle=handle),),
    )


def _keep(
    core: SessionCore, loaded: Loaded, record: OpenRecord, now: float, secure: bool
) -> Flow[Outcome]:
    session_id = loaded.session.id
    if now - record.last_seen >= core.timeouts.touch_interval:
        stamp = encode_stamp(core.identity.minting_key(session_id), record.store_key, now)
        ttl = _remaining_life(core, record.meta, now)
        if not (yield Touch(record.store_key, stamp, ttl)):
            return _vanished(core, session_id, secure)
    return Outcome(set_cookie=_renewed_cookie(core, loaded, record.meta, now, secure))


def _update(
    core: SessionCore, loaded: Loaded, record: OpenRecord, form: str, now: float, secure: bool
) -> Flow[Outcome]:
    session_id = loaded.session.id
    version: int | None = record.version
    for _ in range(core.options.max_write_attempts):
        save = _save(core, session_id, record.meta, form, now, expected_version=version)
        if (yield save) is not None:
            return Outcome(set_cookie=_renewed_cookie(core, loaded, record.meta, now, secure))
        fresh = yield Load(record.store_key)
        if fresh is None:
            return _vanished(core, session_id, secure)
        try:
            current, data = core.open_record(session_id, record.store_key, fresh)
        except EnvelopeError:
            return _vanished(core, session_id, secure)
        version = current.version
        form = encode_data(_reapply(record.data_form, loaded.session, data), core.options.max_size)
    raise SessionConflict(attempts=core.options.max_write_attempts)


def _save(
    core: SessionCore,
    session_id: str,
    meta: RecordMeta,
    form: str,
    now: float,
    *,
    expected_version: int | None,
) -> Save:
    store_key = core.identity.store_key(session_id)
    blob = seal_envelope(
        encode_plaintext(meta, form),
        session_id,
        core.keyring.primary,
        compress_threshold=core.options.compress_threshold,
    )
    stamp = encode_stamp(core.identity.minting_key(session_id), store_key, now)
    ttl = _remaining_life(core, meta, now)
    return Save(store_key, blob, stamp, expected_version=expected_version, ttl=ttl)


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


def _vanished(core: SessionCore, session_id: str, secure: bool) -> Outcome:
    """The record was destroyed while this request ran: drop the write, clear the cookie."""
    event = SessionExpired(handle=core.identity.handle(session_id), reason="missing")
    return Outcome(set_cookie=core.cookies.expire_cookie(secure=secure), events=(event,))


def _remaining_life(core: SessionCore, meta: RecordMeta, now: float) -> float:
    return max(0.0, min(meta.absolute_deadline, now + core.timeouts.idle) - now) + _TTL_GRACE


def _renewed_cookie(
    core: SessionCore, loaded: Loaded, meta: RecordMeta, now: float, secure: bool
) -> str | None:
    max_age = core.cookies.options.max_age
    issued_at = loaded.cookie.issued_at
    if max_age is None or issued_at is None or now - issued_at < max_age / 2:
        return None
    if issued_at + max_age >= min(meta.absolute_deadline, now + core.timeouts.idle):
        return None
    return core.cookies.set_cookie(loaded.session.id, secure=secure)
