"""Every hypothesis strategy the tests use (STYLE.md rule 13)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

# JSON scalars that come back exactly as they went in.
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)

json_values: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)

session_data = st.dictionaries(st.text(min_size=1, max_size=12), json_values, max_size=8)

secrets_ = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=16, max_size=64
)

garbage_cookies = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters=";,"),
    max_size=300,
)
