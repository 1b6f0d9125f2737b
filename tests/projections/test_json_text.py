"""The read models' JSON text is `json.dumps`'s own, character for character."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from projections.json_text import json_text

_LEAVES = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
_VALUES = st.recursive(
    _LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=5),
    max_leaves=20,
)

ODD = {
    "zeta": [1e-05, 1e16, -0.0, float("nan"), float("inf"), -float("inf"), 2**70, -(2**70)],
    "alpha": {"é": "ünïcode ☃ \u2028 \x00 \" \\ /", "b": (1, 2), "c": {10: "int", 9: "keys"}, "d": {2.5: "float"}},
    "mid": {"when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "id": UUID(int=7), "amount": Decimal("1.10")},
    "": True,
}


@pytest.mark.parametrize("ensure_ascii", [True, False])
@pytest.mark.parametrize("value", [ODD, "a ☃ string", [ODD, [], {}], 0.1, None])
def test_json_text_writes_what_json_dumps_writes(value: Any, ensure_ascii: bool) -> None:
    expected = json.dumps(value, sort_keys=True, ensure_ascii=ensure_ascii, default=str)
    assert json_text(sort_keys=True, ensure_ascii=ensure_ascii, default=str)(value) == expected


@given(_VALUES)
def test_json_text_writes_any_json_value_as_json_dumps_does(value: Any) -> None:
    assert json_text()(value) == json.dumps(value)
    assert json_text(sort_keys=True)(value) == json.dumps(value, sort_keys=True)
    assert json_text(ensure_ascii=False)(value) == json.dumps(value, ensure_ascii=False)


def test_json_text_refuses_what_json_dumps_refuses() -> None:
    with pytest.raises(TypeError):
        json_text(sort_keys=True)({"when": datetime(2026, 1, 2, tzinfo=UTC)})
    with pytest.raises(TypeError):
        json_text(sort_keys=True)({1: "a", "b": 2})  # keys of types that do not sort together
