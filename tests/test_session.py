"""The Session object: a dict with Starlette's flags, and a repr that never shows the id."""

from __future__ import annotations

from collections.abc import Callable

from session_middleware import Session


def _session() -> Session:
    return Session({"a": 1}, session_id="95d6541f" + "x" * 43, is_new=False)


def test_reads_do_not_mark_modified() -> None:
    session = _session()
    assert session["a"] == 1 and session.get("b") is None and list(session) == ["a"]
    assert not session.modified and not session.accessed


def test_every_mutating_method_marks_modified() -> None:
    mutations: list[Callable[[Session], object]] = [
        lambda s: s.__setitem__("b", 2),
        lambda s: s.__delitem__("a"),
        lambda s: s.clear(),
        lambda s: s.pop("a"),
        lambda s: s.popitem(),
        lambda s: s.setdefault("b", 2),
        lambda s: s.update(b=2),
        lambda s: s.__ior__({"b": 2}),
    ]
    for mutate in mutations:
        session = _session()
        mutate(session)
        assert session.modified and session.accessed


def test_no_op_pop_and_setdefault_do_not_mark_modified() -> None:
    session = _session()
    session.pop("missing", None)
    session.setdefault("a", 5)
    assert not session.modified and session["a"] == 1


def test_in_place_or_updates_and_returns_the_session() -> None:
    session = _session()
    session |= {"b": 2}
    assert isinstance(session, Session) and dict(session) == {"a": 1, "b": 2}


def test_repr_hides_the_id() -> None:
    session = _session()
    assert session.id not in repr(session) and "'a': 1" in repr(session)
