"""parse_enum reads a value as its enum's member, as calling the enum does, and refuses the rest by field."""

from __future__ import annotations

import pytest

from domain.errors import ValidationError
from domain.values import DetectionSource, Outcome, parse_enum


def test_a_value_is_its_member() -> None:
    assert parse_enum(DetectionSource, "HASH_MATCH", "source") is DetectionSource.HASH_MATCH


def test_a_member_is_itself() -> None:
    assert parse_enum(Outcome, Outcome.VIOLATING, "outcome") is Outcome.VIOLATING


@pytest.mark.parametrize("value", ["hash_match", "", None, 1, ["HASH_MATCH"], {"HASH_MATCH": 1}, Outcome.VIOLATING])
def test_anything_else_is_refused_by_field(value: object) -> None:
    with pytest.raises(ValidationError, match="source must be one of") as refused:
        parse_enum(DetectionSource, value, "source")
    assert refused.value.field == "source"
