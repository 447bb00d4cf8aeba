"""Login, logout, regeneration and re-authentication (DESIGN.md A1-A3, A5, P1, P3), as flows.

Each runs when the handler calls it, not at the response: when ``login()`` returns, the
old id is already dead in the store, on every process.

A login reads the user's index, asks the concurrency policy, and applies its decision in
one atomic index change (evicted records and entries deleted, the new record created and
its entry added) that succeeds only if the index is still at the version read; otherwise
it reads again and decides again. So 50 parallel logins under a limit of 5 leave 5.
Moving an authenticated session to a new id swaps its entry in the same way.
"""

from __future__ import annotations

from dataclasses import replace

from session_middleware.core.commands import ChangeIndex, Delete, Flow, LoadIndex
from session_middleware.core.cookies import new_session_id
from session_middleware.core.devices import device_label, new_device_id
from session_middleware.core.lifecycle import SessionCore
from session_middleware.core.meta import RecordMeta
from session_middleware.core.record import encode_data, encode_stamp
from session_middleware.core.saving import new_meta, save_command
from session_middleware.core.state import OpenRecord, RequestState
from session_middleware.core.users import EntryFacts, OpenIndex, user_tag
from session_middleware.errors import NotAuthenticated, SessionConflict, SessionLimitExceeded
from session_middleware.events import (
    ConfirmationRequired,
    LoginRejected,
    SessionEvicted,
    SessionLoggedIn,
    SessionLoggedOut,
    SessionReauthenticated,
    SessionRegenerated,
    SessionRevoked,
)
from session_middleware.policies import Decision, Incoming
from session_middleware.types import IndexChange, NewRecord

__all__ = ["confirm", "login", "logout", "reauthenticate", "regenerate"]

_INDEX_ATTEMPTS = 100


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
    """Authenticate ``user_id`` under the policy: a new id, fresh clocks, signals recorded."""
    device_id = core.devices.read(state.device_cookie) or _mint_device(state)
    incoming = _incoming_login(state, user_id, device_id, now)
    if not keep_data:
        state.session.clear()
    new_id = new_session_id(core.keyring.primary.kid, user_tag(user_id))
    index_key = core.users.key_for(user_id)
    for _ in range(_INDEX_ATTEMPTS):
        index = core.users.open(index_key, (yield LoadIndex(index_key)), now)
        decision = _decide(core, index, incoming, state)
        meta = RecordMeta(
            created=now,
            absolute_deadline=now + core.timeouts.absolute,
            user_id=user_id,
            auth_time=now,
            auth_method=method,
            mfa=mfa,
            bound_to=state.signals,
            device_id=device_id,
            pending=decision.action == "pending",
        )
        change = _admission(core, state, new_id, meta, incoming, index, decision, now)
        if (yield ChangeIndex(index_key, change)) is not None:
            break
    else:
        raise SessionConflict(attempts=_INDEX_ATTEMPTS)
    yield from _retire(core, state)
    _adopt(core, state, new_id, meta, change, now)
    _report_login(core, state, user_id, method, decision)


def _incoming_login(state: RequestState, user_id: str, device_id: str, now: float) -> Incoming:
    signals = state.signals
    return Incoming(
        user_id=user_id,
        device_id=device_id,
        device=device_label(signals.user_agent),
        ip=signals.ip_prefix,
        user_agent=signals.user_agent,
        now=now,
    )


def logout(core: SessionCore, state: RequestState) -> Flow[None]:
    """Destroy the record; the request goes on with a fresh, empty, unsaved session."""
    user_id = state.meta.user_id if state.meta else None
    handle = core.identity.handle(state.session.id)
    yield from _retire(core, state)
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
    if meta is None or not meta.is_authenticated or meta.user_id is None:
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


def _mint_device(state: RequestState) -> str:
    state.new_device = new_device_id()
    return state.new_device


def _decide(
    core: SessionCore, index: OpenIndex, incoming: Incoming, state: RequestState
) -> Decision:
    """Ask the policy, over the live, confirmed sessions other than this one."""
    own = core.identity.handle(state.session.id)
    live = [s for s in index.live if not s.pending and s.handle != own]
    decision = core.policy.decide(live, incoming)
    if decision.action == "reject":
        state.events.append(LoginRejected(user_id=incoming.user_id, reason=decision.reason))
        raise SessionLimitExceeded(decision.reason)
    unknown = set(decision.evict) - {s.handle for s in live}
    if unknown:
        raise ValueError(f"{core.policy!r} evicted sessions that are not live: {unknown}")
    return decision


def _admission(
    core: SessionCore,
    state: RequestState,
    new_id: str,
    meta: RecordMeta,
    incoming: Incoming,
    index: OpenIndex,
    decision: Decision,
    now: float,
) -> IndexChange:
    """The atomic index change that admits the login as decided."""
    form = encode_data(state.session, core.options.max_size, core.codec)
    save = save_command(core, new_id, meta, form, now, now=now, expected_version=None)
    facts = _facts(new_id, save.key, meta, incoming.device, incoming.ip, incoming.user_agent)
    handle = core.identity.handle(new_id)
    remove = dict(index.dead) | {h: index.store_keys[h] for h in decision.evict}
    return IndexChange(
        expected_version=index.version,
        create=NewRecord(save.key, save.blob, save.stamp, save.ttl),
        put={
            handle: core.users.entry(
                core.users.key_for(incoming.user_id), handle, facts, save.stamp
            )
        },
        remove=remove,
        ttl=save.ttl,
    )


def _facts(
    session_id: str, store_key: str, meta: RecordMeta, device: str, ip: str | None, ua: str
) -> EntryFacts:
    return EntryFacts(
        session_id=session_id,
        store_key=store_key,
        created=meta.created,
        absolute_deadline=meta.absolute_deadline,
        device_id=meta.device_id,
        device=device,
        ip=ip,
        user_agent=ua,
        pending=meta.pending,
    )


def _retire(core: SessionCore, state: RequestState) -> Flow[None]:
    """Delete the request's current record (and its index entry, if it has one)."""
    if state.record is not None:
        index = core.index_ref(state.session.id, state.record.meta)
        yield Delete(state.record.store_key, index=index)


def _adopt(
    core: SessionCore,
    state: RequestState,
    new_id: str,
    meta: RecordMeta,
    change: IndexChange,
    now: float,
) -> None:
    """Point the request at the record the change created."""
    create = change.create
    if create is None:
        raise ValueError("an admission always creates the new record")
    form = encode_data(state.session, core.options.max_size, core.codec)
    core.remember_written(new_id, create.blob, meta, form, state.session)
    state.session.id, state.session.is_new = new_id, False
    state.record = OpenRecord(create.key, meta, form, 1, now)
    state.meta, state.rotated, state.destroyed = meta, True, False


def _report_login(
    core: SessionCore, state: RequestState, user_id: str, method: str, decision: Decision
) -> None:
    handle = core.identity.handle(state.session.id)
    policy = type(core.policy).__name__
    for evicted in decision.evict:
        state.events.append(SessionEvicted(handle=evicted, user_id=user_id, policy=policy))
    state.events.append(SessionLoggedIn(handle=handle, user_id=user_id, method=method))
    if decision.action == "pending":
        state.events.append(ConfirmationRequired(handle=handle, user_id=user_id))


def _move(core: SessionCore, state: RequestState, meta: RecordMeta, now: float) -> Flow[None]:
    """Store the session under a new id with ``meta``, then delete the old record.

    An authenticated session keeps its user's tag, and its index entry moves with it in
    one index change; an anonymous one is simply created anew.
    """
    tag = user_tag(meta.user_id) if meta.user_id is not None else ""
    new_id = new_session_id(core.keyring.primary.kid, tag)
    form = encode_data(state.session, core.options.max_size, core.codec)
    save = save_command(core, new_id, meta, form, now, now=now, expected_version=None)
    create = NewRecord(save.key, save.blob, save.stamp, save.ttl)
    if meta.user_id is None:
        if (yield save) is None:
            raise SessionConflict(attempts=1)  # a 256-bit id collided: never in practice
        yield from _retire(core, state)
    else:
        yield from _swap_entry(core, state, new_id, meta, create)
    _adopt(core, state, new_id, meta, IndexChange(None, create=create), now)


def _swap_entry(
    core: SessionCore, state: RequestState, new_id: str, meta: RecordMeta, create: NewRecord
) -> Flow[None]:
    """Create the new record, add its entry, remove the old record and entry: atomically."""
    user_id = meta.user_id or ""
    index_key = core.users.key_for(user_id)
    signals = state.signals
    facts = _facts(
        new_id,
        create.key,
        meta,
        device_label(signals.user_agent),
        signals.ip_prefix,
        signals.user_agent,
    )
    handle = core.identity.handle(new_id)
    old = state.record
    remove = {core.identity.handle(state.session.id): old.store_key} if old else {}
    entry = core.users.entry(index_key, handle, facts, create.stamp)
    change = IndexChange(None, create=create, put={handle: entry}, remove=remove, ttl=create.ttl)
    if (yield ChangeIndex(index_key, change)) is None:
        raise SessionConflict(attempts=1)


def confirm(core: SessionCore, state: RequestState, now: float, *, end: str) -> Flow[bool]:
    """For a login admitted pending: end the user's session ``end``, then confirm this one
    if the policy now admits it without ending more. ``True`` once confirmed."""
    meta, record = state.meta, state.record
    if meta is None or record is None or not meta.pending or meta.user_id is None:
        raise NotAuthenticated("confirm() is for a login that awaits confirmation")
    index_key = core.users.key_for(meta.user_id)
    own = core.identity.handle(state.session.id)
    for _ in range(_INDEX_ATTEMPTS):
        index = core.users.open(index_key, (yield LoadIndex(index_key)), now)
        chosen = index.facts.get(end)
        if end == own or chosen is None or chosen.pending or own not in index.facts:
            return False
        others = [s for s in index.live if not s.pending and s.handle not in (own, end)]
        incoming = _incoming_login(state, meta.user_id, meta.device_id or "", now)
        decision = core.policy.decide(others, incoming)
        admitted = decision.action == "admit" and not decision.evict
        facts = replace(index.facts[own], pending=not admitted)
        stamp = encode_stamp(
            core.identity.minting_key(state.session.id), record.store_key, record.last_seen
        )
        put = {own: core.users.entry(index_key, own, facts, stamp)}
        change = IndexChange(index.version, remove={end: chosen.store_key}, put=put)
        if (yield ChangeIndex(index_key, change)) is not None:
            break
    else:
        raise SessionConflict(attempts=_INDEX_ATTEMPTS)
    state.events.append(SessionRevoked(handle=end, user_id=meta.user_id, reason="confirmation"))
    if admitted:
        yield from _rewrite_meta(core, state, record, replace(meta, pending=False), now)
    return admitted


def _rewrite_meta(
    core: SessionCore, state: RequestState, record: OpenRecord, meta: RecordMeta, now: float
) -> Flow[None]:
    """Save this request's record with new meta (compare-and-set against what it loaded)."""
    form = encode_data(state.session, core.options.max_size, core.codec)
    save = save_command(
        core, state.session.id, meta, form, now, now=now, expected_version=record.version
    )
    version = yield save
    if version is None:
        raise SessionConflict(attempts=1)
    core.remember_written(state.session.id, save.blob, meta, form, state.session)
    state.record = OpenRecord(record.store_key, meta, form, version, now)
    state.meta = meta
