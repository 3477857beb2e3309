"""Hypothesis strategies that break a valid configuration a little: a value replaced by anything
YAML/TOML could hold, a key dropped or added, a list shortened — so the loaders meet input near the
valid kind, where their checks are, not only random noise."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out += _paths(value, (*prefix, i))
    return out


def _copy(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _copy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_copy(v) for v in data]
    return data


@st.composite
def mutated(draw: st.DrawFn, original: Any, max_changes: int = 4) -> Any:
    """``original`` (parsed YAML/TOML) with 1..``max_changes`` random changes."""
    data = _copy(original)
    for _ in range(draw(st.integers(1, max_changes))):
        path = draw(st.sampled_from(_paths(data)))
        if not path:
            data = draw(VALUES) if draw(st.integers(0, 9)) == 0 else data
            continue
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        key = path[-1]
        action = draw(st.sampled_from(["replace", "drop", "add"]))
        if action == "replace":
            parent[key] = draw(VALUES)
        elif action == "drop":
            del parent[key]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=12))] = draw(VALUES)
        else:
            parent.append(draw(VALUES))
    return data
