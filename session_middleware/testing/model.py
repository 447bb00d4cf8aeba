"""A plain, obviously-correct description of the session rules, for checking an app.

It knows nothing of cookies, crypto or stores: only what each browser's session holds, who
is logged in, and when each session dies (DESIGN.md T1-T5, W1, W3, A1-A3, A5, P3, P4).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ModelSession", "SessionModel"]


@dataclass
class ModelSession:
    """One live session as the rules see it."""

    data: dict[str, Any]
    absolute_deadline: float
    recorded: float  # the last activity the store has been told of
    user: str | None = None
    auth_time: float | None = None
    order: int = 0  # the login's rank, for the oldest-first policy


@dataclass
class SessionModel:
    """What each browser's session must be, step by step."""

    idle: float
    absolute: float
    touch_interval: float
    max_per_user: int | None = None  # an EvictOldest limit, if the app has one
    browsers: dict[str, ModelSession | None] = field(default_factory=dict)
    logins: int = 0

    def arrive(self, browser: str, now: float) -> ModelSession | None:
        """A request from ``browser`` at ``now``: its session, if still alive (touched)."""
        session = self.browsers.get(browser)
        if session is None:
            return None
        if not self._alive(session, now):
            self.browsers[browser] = None
            return None
        if now - session.recorded >= self.touch_interval:
            session.recorded = now
        return session

    def write(self, browser: str, now: float, key: str, value: Any) -> None:
        """``session[key] = value`` (a fresh session is created by its first write)."""
        session = self.arrive(browser, now)
        if session is not None and key in session.data and _same(session.data[key], value):
            return  # the same JSON: nothing changed, nothing written
        if session is None:
            session = self._fresh(now)
        session.data[key] = copy.deepcopy(value)
        session.recorded = now
        self.browsers[browser] = session

    def append(self, browser: str, now: float, key: str, item: Any) -> None:
        """``session[key].append(item)`` on a list (a nested change), else ``[item]``."""
        session = self.arrive(browser, now)
        if session is None or not isinstance(session.data.get(key), list):
            self.write(browser, now, key, [item])
            return
        session.data[key].append(copy.deepcopy(item))
        session.recorded = now

    def delete(self, browser: str, now: float, key: str) -> None:
        """``session.pop(key)``; emptying the session destroys it."""
        session = self.arrive(browser, now)
        if session is None or key not in session.data:
            return
        del session.data[key]
        session.recorded = now
        if not session.data:
            self.browsers[browser] = None

    def login(self, browser: str, now: float, user: str) -> None:
        """A new id, fresh clocks, the anonymous data carried over; the user's oldest
        other sessions end when over ``max_per_user``."""
        session = self.arrive(browser, now)
        data = session.data if session is not None else {}
        self.browsers[browser] = None
        if self.max_per_user is not None:
            self._evict_oldest(user, now, keep=self.max_per_user - 1)
        self.logins += 1
        self.browsers[browser] = ModelSession(
            data=data,
            absolute_deadline=now + self.absolute,
            recorded=now,
            user=user,
            auth_time=now,
            order=self.logins,
        )

    def regenerate(self, browser: str, now: float) -> None:
        """The same session under a new id (an empty one is stored, too)."""
        session = self.arrive(browser, now)
        if session is None:
            session = self.browsers[browser] = self._fresh(now)
        session.recorded = now

    def revoke_others(self, browser: str, now: float) -> bool:
        """End every other session of this browser's user; ``False`` when not logged in."""
        if not self.is_logged_in(browser, now):
            return False
        session = self.arrive(browser, now)
        user = session.user if session is not None else None
        for other, theirs in self.browsers.items():
            if other != browser and theirs is not None and theirs.user == user:
                self.browsers[other] = None
        return True

    def logout(self, browser: str, now: float) -> None:
        """The session is gone."""
        self.arrive(browser, now)
        self.browsers[browser] = None

    def is_logged_in(self, browser: str, now: float) -> bool:
        """Whether ``browser`` has a live, logged-in session (looking changes nothing)."""
        session = self.browsers.get(browser)
        return session is not None and self._alive(session, now) and session.user is not None

    def reauthenticate(self, browser: str, now: float) -> bool:
        """Fresh auth time and clocks; ``False`` (nothing happens) when not logged in."""
        if not self.is_logged_in(browser, now):
            return False
        session = self.arrive(browser, now)
        if session is None:
            return False
        session.auth_time, session.recorded = now, now
        session.absolute_deadline = now + self.absolute
        return True

    def read(self, browser: str, now: float) -> tuple[dict[str, Any], str | None]:
        """What a read-only request sees: the data and the user."""
        session = self.arrive(browser, now)
        if session is None:
            return {}, None
        return copy.deepcopy(session.data), session.user

    def _evict_oldest(self, user: str, now: float, keep: int) -> None:
        live = sorted(
            (theirs.order, browser)
            for browser, theirs in self.browsers.items()
            if theirs is not None and theirs.user == user and self._alive(theirs, now)
        )
        for _, browser in live[: max(0, len(live) - keep)]:
            self.browsers[browser] = None

    def _alive(self, session: ModelSession, now: float) -> bool:
        return now < min(session.absolute_deadline, session.recorded + self.idle)

    def _fresh(self, now: float) -> ModelSession:
        return ModelSession(data={}, absolute_deadline=now + self.absolute, recorded=now)


def _same(before: Any, after: Any) -> bool:
    """Unchanged exactly when the JSON text is (``True`` is not ``1``, ``0.0`` not ``-0.0``)."""
    return json.dumps(before) == json.dumps(after)
