"""Every hypothesis strategy the tests use (STYLE.md rule 13): the shipped ones, re-exported."""

from __future__ import annotations

from hypothesis import strategies as st

from session_middleware.testing.strategies import (
    garbage_cookies,
    json_values,
    session_data,
    session_keys,
    tampered,
    user_agents,
)

__all__ = [
    "garbage_cookies",
    "json_values",
    "secrets_",
    "session_data",
    "session_keys",
    "tampered",
    "user_agents",
]

secrets_ = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=16, max_size=64
)
