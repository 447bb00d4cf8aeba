"""Each user's index of live sessions (DESIGN.md P1, P5, R2).

The index key is ``idx:{<tag>}``, the tag a hash of the user id that the user's session
ids also carry, so an authenticated session's record key ``{<tag>}<hmac of id>`` and its
user's index share one Redis Cluster hash slot and change together atomically.

An entry is the session's activity stamp (kept fresh by saves and touches) followed by its
sealed facts: the session id (so the manager can rewrite the record), the record key,
lifetimes, device and client. Sealed with the data key and
bound to the index key and handle, as records are; liveness is computed from the entry
itself, so a listing needs no record reads, and dead entries are pruned on the next change.

The tag is an unkeyed hash, so that it survives every key rotation: someone who can read
the store could confirm a guessed user id has sessions, but learns nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass

from session_middleware.core.options import Timeouts
from session_middleware.core.record import decode_stamp, dumps_json
from session_middleware.crypto.envelope import EnvelopeError, open_envelope, seal_envelope
from session_middleware.crypto.keyring import Keyring
from session_middleware.types import STAMP_BYTES, StoredIndex

__all__ = ["TAG_CHARS", "EntryFacts", "OpenIndex", "SessionInfo", "UserIndex", "user_tag"]

TAG_CHARS = 22


def user_tag(user_id: str) -> str:
    """The hash-slot tag of ``user_id``'s index and session records."""
    digest = hashlib.sha256(b"session_middleware/user:" + user_id.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:TAG_CHARS]


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """One of a user's sessions as listings and policies see it (never its id)."""

    handle: str
    created: float
    last_seen: float
    expires: float
    device_id: str | None
    device: str
    ip: str | None
    user_agent: str
    pending: bool = False
    current: bool = False


@dataclass(frozen=True, slots=True)
class EntryFacts:
    """The sealed part of an index entry."""

    session_id: str
    store_key: str
    created: float
    absolute_deadline: float
    device_id: str | None
    device: str
    ip: str | None
    user_agent: str
    pending: bool = False

    def to_json(self) -> str:
        return dumps_json(
            [
                self.session_id,
                self.store_key,
                self.created,
                self.absolute_deadline,
                self.device_id,
                self.device,
                self.ip,
                self.user_agent,
                self.pending,
            ]
        )

    @classmethod
    def from_json(cls, text: str) -> EntryFacts:
        sid, key, created, deadline, device_id, device, ip, ua, pending = json.loads(text)
        return cls(sid, key, created, deadline, device_id, device, ip, ua, bool(pending))


@dataclass(frozen=True, slots=True)
class OpenIndex:
    """A user's index at one version: live sessions, their facts, and dead entries."""

    version: int
    live: tuple[SessionInfo, ...]
    facts: dict[str, EntryFacts]
    dead: dict[str, str]
    raw: dict[str, bytes]  # every entry's stored value, by handle

    @property
    def store_keys(self) -> dict[str, str]:
        """Record keys of the live sessions, by handle."""
        return {handle: facts.store_key for handle, facts in self.facts.items()}


class UserIndex:
    """Seals, opens and judges index entries."""

    __slots__ = ("_keyring", "_timeouts")

    def __init__(self, keyring: Keyring, timeouts: Timeouts) -> None:
        self._keyring = keyring
        self._timeouts = timeouts

    @staticmethod
    def key_for(user_id: str) -> str:
        """The index key of ``user_id``."""
        return f"idx:{{{user_tag(user_id)}}}"

    def entry(self, index_key: str, handle: str, facts: EntryFacts, stamp: bytes) -> bytes:
        """The stored value of one entry: its stamp, then its sealed facts."""
        sealed = seal_envelope(
            facts.to_json().encode(), f"{index_key}|{handle}", self._keyring.primary
        )
        return stamp + sealed

    def open(self, index_key: str, stored: StoredIndex, now: float) -> OpenIndex:
        """Judge every entry: live ones as :class:`SessionInfo`, dead ones to prune."""
        live: list[SessionInfo] = []
        known: dict[str, EntryFacts] = {}
        dead: dict[str, str] = {}
        for handle, value in stored.entries.items():
            opened = self._open_entry(index_key, handle, value)
            if opened is None:
                continue  # unreadable under this keyring: leave it for a worker that can
            facts, last_seen = opened
            if self._is_dead(facts, last_seen, now):
                dead[handle] = facts.store_key
                continue
            known[handle] = facts
            live.append(_info(handle, facts, last_seen, self._expires(facts, last_seen)))
        live.sort(key=lambda info: (info.created, info.handle))
        return OpenIndex(stored.version, tuple(live), known, dead, dict(stored.entries))

    def _open_entry(
        self, index_key: str, handle: str, value: bytes
    ) -> tuple[EntryFacts, float] | None:
        try:
            plaintext = open_envelope(
                value[STAMP_BYTES:], f"{index_key}|{handle}", self._keyring, max_size=8192
            )
            facts = EntryFacts.from_json(plaintext.decode())
        except (EnvelopeError, ValueError, TypeError):
            return None
        ring_key = self._keyring.get(facts.session_id[:8])
        if ring_key is None:
            return None
        last_seen = decode_stamp(ring_key, facts.store_key, value[:STAMP_BYTES])
        return None if last_seen is None else (facts, last_seen)

    def _expires(self, facts: EntryFacts, last_seen: float) -> float:
        return min(facts.absolute_deadline, last_seen + self._timeouts.idle)

    def _is_dead(self, facts: EntryFacts, last_seen: float, now: float) -> bool:
        return now >= self._expires(facts, last_seen)


def _info(handle: str, facts: EntryFacts, last_seen: float, expires: float) -> SessionInfo:
    return SessionInfo(
        handle=handle,
        created=facts.created,
        last_seen=last_seen,
        expires=expires,
        device_id=facts.device_id,
        device=facts.device,
        ip=facts.ip,
        user_agent=facts.user_agent,
        pending=facts.pending,
    )
