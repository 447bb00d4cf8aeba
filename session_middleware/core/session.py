"""The ``Session`` a handler sees as ``request.session``.

It is a ``dict`` (as Starlette's own session is, so code written for Starlette's
``SessionMiddleware`` keeps working) with a few attributes beside the data. Whether it
changed is decided at the end of the request by comparing serialized forms, so nested
mutation counts; ``modified`` only mirrors Starlette's flag for code that reads it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Session"]


class Session(dict[str, Any]):
    """Session data plus its identity. Values must be JSON (str keys; no tuples or sets)."""

    __slots__ = ("accessed", "id", "is_new", "modified")

    def __init__(self, data: dict[str, Any], *, session_id: str, is_new: bool) -> None:
        super().__init__(data)
        self.id = session_id
        self.is_new = is_new
        self.accessed = False
        self.modified = False

    def mark_accessed(self) -> None:
        """Note that the handler read the session (Starlette calls this; adds Vary: Cookie)."""
        self.accessed = True

    def mark_modified(self) -> None:
        """Note a top-level change (informational; change detection compares forms)."""
        self.accessed = True
        self.modified = True

    def __setitem__(self, key: str, value: Any) -> None:
        self.mark_modified()
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.mark_modified()
        super().__delitem__(key)

    def clear(self) -> None:
        self.mark_modified()
        super().clear()

    def pop(self, key: str, *default: Any) -> Any:
        if key in self:
            self.mark_modified()
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, Any]:
        item = super().popitem()
        self.mark_modified()
        return item

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self.mark_modified()
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.mark_modified()
        super().update(*args, **kwargs)

    def __ior__(self, other: Any) -> Session:  # type: ignore[override,misc]
        self.mark_modified()
        super().update(other)
        return self

    def __repr__(self) -> str:
        # Never the id: reprs end up in logs and tracebacks.
        return f"Session({dict.__repr__(self)}, is_new={self.is_new})"
