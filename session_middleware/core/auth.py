"""Login, logout, regeneration and re-authentication (DESIGN.md A1-A3, A5), as flows.

Each runs when the handler calls it, not at the response: when ``login()`` returns, the
old id is already dead in the store, on every process. Moving a session to a new id writes
the new record first (create-only) and then deletes the old one, so a store failure in
between can leave the user logged out, never logged in twice.
"""

from __future__ import annotations

from dataclasses import replace

from session_middleware.core.commands import Delete, Flow
from session_middleware.core.cookies import new_session_id
from session_middleware.core.lifecycle import SessionCore
from session_middleware.core.meta import RecordMeta
from session_middleware.core.record import encode_data
from session_middleware.core.saving import new_meta, save_command
from session_middleware.core.state import OpenRecord, RequestState
from session_middleware.errors import NotAuthenticated, SessionConflict
from session_middleware.events import (
    SessionLoggedIn,
    SessionLoggedOut,
    SessionReauthenticated,
    SessionRegenerated,
)

__all__ = ["login", "logout", "reauthenticate", "regenerate"]


def login(
    core: SessionCore,
    state: RequestState,
    now: float,
    *,
    user_id: str,
    method: str,
    mfa: bool,
    keep_data: bool,
) -> Flow[None]:
    """Authenticate ``user_id``: a new id, fresh clocks, the client's signals recorded."""
    if not keep_data:
        state.session.clear()
    meta = RecordMeta(
        created=now,
        absolute_deadline=now + core.timeouts.absolute,
        user_id=user_id,
        auth_time=now,
        auth_method=method,
        mfa=mfa,
        bound_to=state.signals,
    )
    yield from _move(core, state, meta, now)
    handle = core.identity.handle(state.session.id)
    state.events.append(SessionLoggedIn(handle=handle, user_id=user_id, method=method))


def logout(core: SessionCore, state: RequestState) -> Flow[None]:
    """Destroy the record; the request goes on with a fresh, empty, unsaved session."""
    user_id = state.meta.user_id if state.meta else None
    handle = core.identity.handle(state.session.id)
    if state.record is not None:
        yield Delete(state.record.store_key)
    dict.clear(state.session)
    state.session.id = new_session_id(core.keyring.primary.kid)
    state.session.is_new = True
    state.record, state.meta = None, None
    state.rotated, state.destroyed = False, True
    state.events.append(SessionLoggedOut(handle=handle, user_id=user_id))


def regenerate(core: SessionCore, state: RequestState, now: float) -> Flow[None]:
    """The same data and deadlines under a new id; the old id no longer loads."""
    previous = core.identity.handle(state.session.id)
    yield from _move(core, state, state.meta or new_meta(core, now), now)
    handle = core.identity.handle(state.session.id)
    state.events.append(SessionRegenerated(handle=handle, previous=previous))


def reauthenticate(
    core: SessionCore, state: RequestState, now: float, *, method: str | None, mfa: bool | None
) -> Flow[None]:
    """Refresh the auth time, clear flags, restart both clocks, rotate the id."""
    meta = state.meta
    if meta is None or meta.user_id is None:
        raise NotAuthenticated("reauthenticate() needs a logged-in session; call login()")
    meta = replace(
        meta,
        created=now,
        absolute_deadline=now + core.timeouts.absolute,
        auth_time=now,
        auth_method=method or meta.auth_method,
        mfa=meta.mfa if mfa is None else mfa,
        reauth_flagged=False,
        bound_to=state.signals,
    )
    yield from _move(core, state, meta, now)
    handle = core.identity.handle(state.session.id)
    state.events.append(SessionReauthenticated(handle=handle, user_id=meta.user_id or ""))


def _move(core: SessionCore, state: RequestState, meta: RecordMeta, now: float) -> Flow[None]:
    """Store the session under a new id with ``meta``, then delete the old record."""
    form = encode_data(state.session, core.options.max_size)
    new_id = new_session_id(core.keyring.primary.kid)
    save = save_command(core, new_id, meta, form, now, now=now, expected_version=None)
    version = yield save
    if version is None:
        raise SessionConflict(attempts=1)  # a 256-bit id collided: never in practice
    if state.record is not None:
        yield Delete(state.record.store_key)
    core.remember_written(new_id, save.blob, meta, form, state.session)
    state.session.id, state.session.is_new = new_id, False
    state.record = OpenRecord(save.key, meta, form, version, now)
    state.meta, state.rotated, state.destroyed = meta, True, False
