"""Hypothesis strategies for session data, cookies and clients (needs the ``test`` extra)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

__all__ = [
    "garbage_cookies",
    "json_values",
    "session_data",
    "session_keys",
    "tampered",
    "user_agents",
]

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)

json_values: st.SearchStrategy[Any] = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)
"""JSON values that come back exactly as they went in (nested lists and objects)."""

session_keys = st.text(st.characters(min_codepoint=97, max_codepoint=122), min_size=1, max_size=8)
"""Short, readable session keys."""

session_data = st.dictionaries(session_keys, json_values, max_size=8)
"""Whole sessions."""

garbage_cookies = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters=";,"),
    max_size=300,
)
"""Printable junk a client might send as a cookie value."""

user_agents = st.sampled_from(
    [
        "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/130.0",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Safari/604.1",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/130.0 Safari/537.36",
    ]
)
"""A few real browsers' User-Agents."""


def tampered(cookie: str) -> st.SearchStrategy[str]:
    """A genuine cookie value with one bit of one character flipped, kept to what a client
    can send in a Cookie header (printable ASCII, no separators)."""
    raw = cookie.encode()

    def flip(position: int, bit: int) -> str:
        changed = bytearray(raw)
        changed[position] ^= 1 << bit
        return changed.decode("ascii")

    def sendable(value: str) -> bool:
        return value.isprintable() and not any(c in value for c in ';, "\\')

    flips = st.builds(flip, st.integers(0, len(raw) - 1), st.integers(0, 6))
    return flips.filter(sendable)
