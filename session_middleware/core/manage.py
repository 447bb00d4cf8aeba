"""Managing a user's sessions across devices (DESIGN.md P2, P4, P5), as flows.

Listings name sessions by handle, never by id. Every operation takes the user it acts for
and only ever reads that user's index, so a handle of another user's session is simply not
found: nobody can list or end someone else's sessions by guessing handles.

A revoked session's record is deleted, so its very next request, on any process, finds
nothing and goes on anonymous. Flagging for re-authentication rewrites each record's sealed
meta (the index keeps each session's id, sealed, for exactly this).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from session_middleware.core.commands import ChangeIndex, Flow, Load, LoadIndex, ScanIndexes
from session_middleware.core.lifecycle import SessionCore
from session_middleware.core.saving import save_command
from session_middleware.core.users import EntryFacts, OpenIndex, SessionInfo
from session_middleware.crypto.envelope import EnvelopeError, envelope_kid
from session_middleware.types import STAMP_BYTES, IndexChange

__all__ = [
    "SweepReport",
    "flag",
    "flag_session",
    "list_sessions",
    "rekey",
    "report",
    "require_reauth_all",
    "revoke",
    "revoke_all",
    "sweep",
]

_FLAG_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class SweepReport:
    """What a sweep did: indexes looked at, dead entries pruned."""

    indexes: int = 0
    pruned: int = 0


def list_sessions(
    core: SessionCore, user_id: str, now: float, current: str | None
) -> Flow[list[SessionInfo]]:
    """The user's live sessions, oldest first, the one with handle ``current`` marked."""
    index = yield from _open(core, user_id, now)
    return [replace(s, current=s.handle == current) for s in index.live]


def revoke(core: SessionCore, user_id: str, handle: str, now: float) -> Flow[list[str]]:
    """End the session ``handle`` of ``user_id``; the handles ended (none if not the user's)."""
    index = yield from _open(core, user_id, now)
    if handle not in index.facts:
        return []
    yield from _remove(core, user_id, index, [handle])
    return [handle]


def revoke_all(
    core: SessionCore, user_id: str, now: float, except_handle: str | None
) -> Flow[list[str]]:
    """End every session of ``user_id`` but ``except_handle``; the handles ended."""
    index = yield from _open(core, user_id, now)
    handles = [h for h in index.facts if h != except_handle]
    yield from _remove(core, user_id, index, handles)
    return handles


def require_reauth_all(core: SessionCore, user_id: str, now: float) -> Flow[list[str]]:
    """Flag every live session of ``user_id`` for re-authentication; the handles flagged."""
    index = yield from _open(core, user_id, now)
    flagged = []
    for handle, facts in index.facts.items():
        if (yield from flag_session(core, facts, now)):
            flagged.append(handle)
    return flagged


def flag(core: SessionCore, user_id: str, handle: str, now: float) -> Flow[bool]:
    """Flag the session ``handle`` of ``user_id``; ``False`` if the user has no such session."""
    index = yield from _open(core, user_id, now)
    facts = index.facts.get(handle)
    if facts is None:
        return False
    return (yield from flag_session(core, facts, now))


def flag_session(core: SessionCore, facts: EntryFacts, now: float) -> Flow[bool]:
    """Rewrite one session's meta as needing re-authentication (compare-and-set)."""
    return (yield from _rewrite(core, facts, now, flag=True))


def rekey(core: SessionCore, index_key: str, now: float) -> Flow[int]:
    """Re-seal under the primary key every record and entry of one index sealed under an
    older key (online: compare-and-set, a record changed meanwhile is retried)."""
    index = core.users.open(index_key, (yield LoadIndex(index_key)), now)
    rewritten = 0
    for facts in index.facts.values():
        rewritten += bool((yield from _rewrite(core, facts, now, flag=False)))
    stale = {h: v for h, v in index.raw.items() if envelope_kid(v[STAMP_BYTES:]) != _primary(core)}
    if stale:
        put = {
            h: core.users.entry(index_key, h, index.facts[h], v[:STAMP_BYTES])
            for h, v in stale.items()
            if h in index.facts
        }
        yield ChangeIndex(index_key, IndexChange(None, put=put))
    return rewritten


def _primary(core: SessionCore) -> str:
    return core.keyring.primary.kid


def _rewrite(core: SessionCore, facts: EntryFacts, now: float, *, flag: bool) -> Flow[bool]:
    """Flag a session, or (``flag=False``) re-seal it under the primary key; CAS, retried."""
    for _ in range(_FLAG_ATTEMPTS):
        stored = yield Load(facts.store_key)
        if stored is None:
            return False
        try:
            record, _ = core.open_record(facts.session_id, facts.store_key, stored)
        except EnvelopeError:
            return False
        if flag and record.meta.reauth_flagged:
            return True
        if not flag and envelope_kid(stored.blob) == _primary(core):
            return False
        meta = record.meta.flagged() if flag else record.meta
        save = save_command(
            core,
            facts.session_id,
            meta,
            record.data_form,
            record.last_seen,
            now=now,
            expected_version=record.version,
        )
        if (yield save) is not None:
            return True
    return False


def report(
    core: SessionCore, user_id: str, handle: str, action: str, now: float
) -> Flow[list[str]]:
    """Carry out a risk report's ``action`` on ``handle``; the handles ended."""
    ended: list[str] = []
    if action == "revoked_others":
        ended = yield from revoke_all(core, user_id, now, handle)
    if action == "reauth_all":
        yield from require_reauth_all(core, user_id, now)
    elif action in ("flagged", "revoked_others"):
        yield from flag(core, user_id, handle, now)
    return ended


def sweep(core: SessionCore, now: float, batch: int) -> Flow[SweepReport]:
    """Prune dead entries from every index, ``batch`` index keys per scan step."""
    cursor, indexes, pruned = 0, 0, 0
    while True:
        cursor, keys = yield ScanIndexes(cursor, batch)
        for key in keys:
            index = core.users.open(key, (yield LoadIndex(key)), now)
            indexes += 1
            if index.dead:
                change = IndexChange(index.version, remove=index.dead)
                if (yield ChangeIndex(key, change)) is not None:
                    pruned += len(index.dead)
        if cursor == 0:
            return SweepReport(indexes=indexes, pruned=pruned)


def _open(core: SessionCore, user_id: str, now: float) -> Flow[OpenIndex]:
    key = core.users.key_for(user_id)
    index = core.users.open(key, (yield LoadIndex(key)), now)
    return index


def _remove(core: SessionCore, user_id: str, index: OpenIndex, handles: list[str]) -> Flow[None]:
    """Delete these sessions' records and entries (and prune dead ones) in one change."""
    remove = dict(index.dead) | {h: index.facts[h].store_key for h in handles}
    if remove:
        yield ChangeIndex(core.users.key_for(user_id), IndexChange(None, remove=remove))
