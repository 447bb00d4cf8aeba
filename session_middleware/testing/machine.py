"""A hypothesis state machine that drives a real app through HTTP and checks every answer
against :class:`~session_middleware.testing.model.SessionModel`.

Several browsers read, write, delete, log in, log out and re-authenticate while the clock
jumps by drawn amounts; after every step the app's answer must be what the model says.
Subclass it with a ``target`` (see :mod:`.targets`) to check your own store or options::

    class TestMyStore(SessionLifecycle.with_target(lambda clock: StarletteTarget(
            store=MyStore(), clock=clock))):
        pass

The run is reproducible from the failure blob hypothesis prints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Protocol

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from session_middleware.testing.clock import FakeClock
from session_middleware.testing.model import SessionModel
from session_middleware.testing.strategies import json_values

__all__ = ["IDLE", "SessionLifecycle", "Target"]

IDLE, ABSOLUTE, TOUCH = 600.0, 3600.0, 60.0
BROWSERS = ("alice-laptop", "alice-phone", "bob")
USERS = {"alice-laptop": "alice", "alice-phone": "alice", "bob": "bob"}
# A few keys, so that steps meet on the same key (a write, then an append, then a delete).
KEYS = st.sampled_from(["cart", "theme", "step"])


class Target(Protocol):
    """An app under test, reached by named browsers (each with its own cookie jar)."""

    def request(self, browser: str, method: str, path: str, json: Any = None) -> Any:
        """Send a request; return the decoded JSON answer."""
        ...

    def close(self) -> None:
        """Release the app and its store."""
        ...


class SessionLifecycle(RuleBasedStateMachine):
    """The lifecycle rules, checked step by step over HTTP."""

    targets: ClassVar[tuple[Callable[[FakeClock], Target], ...]] = ()
    max_per_user: ClassVar[int | None] = None

    @classmethod
    def with_target(
        cls, make_target: Callable[[FakeClock], Target], *, max_per_user: int | None = None
    ) -> type[SessionLifecycle]:
        """This machine against the app ``make_target(clock)`` builds; ``max_per_user``
        if that app runs ``EvictOldest(max_per_user=...)``."""
        attributes = {"targets": (make_target,), "max_per_user": max_per_user}
        return type(cls.__name__, (cls,), attributes)

    @initialize()
    def start(self) -> None:
        if not self.targets:
            raise TypeError("use SessionLifecycle.with_target(...)")
        self.clock = FakeClock()
        self.target = self.targets[0](self.clock)
        self.model = SessionModel(
            idle=IDLE, absolute=ABSOLUTE, touch_interval=TOUCH, max_per_user=self.max_per_user
        )

    def teardown(self) -> None:
        target = getattr(self, "target", None)
        if target is not None:
            target.close()

    # Steps around the deadlines: inside and past the touch interval, the idle timeout,
    # and the absolute timeout (with the store's grace).
    @rule(seconds=st.sampled_from([30, 61, 300, 599, 601, 3601]))
    def wait(self, seconds: float) -> None:
        self.clock.advance(seconds)

    @rule(seconds=st.sampled_from([61, 300, 599]))
    def every_browser_comes_back(self, seconds: float) -> None:
        """Time passes and every browser makes a read: the pattern that touches and
        slides the idle deadlines, dense enough for short runs to find its bugs."""
        self.clock.advance(seconds)
        for browser in BROWSERS:
            self.read(browser)

    @rule(browser=st.sampled_from(BROWSERS), key=KEYS, value=json_values)
    def write(self, browser: str, key: str, value: Any) -> None:
        self.model.write(browser, self.clock(), key, value)
        self._check(browser, self.target.request(browser, "POST", "/write", {key: value}))

    @rule(browser=st.sampled_from(BROWSERS), key=KEYS)
    def delete(self, browser: str, key: str) -> None:
        self.model.delete(browser, self.clock(), key)
        self.target.request(browser, "POST", f"/delete/{key}")
        # An emptied session is destroyed when the response starts: look at the next request.
        self.read(browser)

    @rule(browser=st.sampled_from(BROWSERS))
    def read(self, browser: str) -> None:
        self.model.read(browser, self.clock())
        self._check(browser, self.target.request(browser, "GET", "/read"))

    @rule(browser=st.sampled_from(BROWSERS))
    def login(self, browser: str) -> None:
        self.model.login(browser, self.clock(), USERS[browser])
        self._check(
            browser, self.target.request(browser, "POST", "/login", {"user": USERS[browser]})
        )

    @rule(browser=st.sampled_from(BROWSERS), key=KEYS, item=json_values)
    def append(self, browser: str, key: str, item: Any) -> None:
        self.model.append(browser, self.clock(), key, item)
        self._check(browser, self.target.request(browser, "POST", f"/append/{key}", {"item": item}))

    @rule(browser=st.sampled_from(BROWSERS))
    def regenerate(self, browser: str) -> None:
        self.model.regenerate(browser, self.clock())
        self._check(browser, self.target.request(browser, "POST", "/regenerate"))

    @rule(browser=st.sampled_from(BROWSERS))
    def revoke_others(self, browser: str) -> None:
        if self.model.revoke_others(browser, self.clock()):
            self._check(browser, self.target.request(browser, "POST", "/revoke-others"))

    @rule(browser=st.sampled_from(BROWSERS))
    def logout(self, browser: str) -> None:
        self.model.logout(browser, self.clock())
        self._check(browser, self.target.request(browser, "POST", "/logout"))

    @rule(browser=st.sampled_from(BROWSERS))
    def reauthenticate(self, browser: str) -> None:
        if self.model.reauthenticate(browser, self.clock()):
            self._check(browser, self.target.request(browser, "POST", "/reauth"))

    def _check(self, browser: str, answer: Any) -> None:
        """The app's answer for ``browser`` must be the model's, after this step."""
        expected = self.model.browsers.get(browser)
        data = expected.data if expected is not None else {}
        user = expected.user if expected is not None else None
        assert answer == {"data": data, "user": user}, (browser, answer, data, user)
