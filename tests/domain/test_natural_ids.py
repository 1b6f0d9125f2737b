from uuid import UUID, uuid5

import pytest

from domain.base import NAMESPACE, natural_id, uuid_of_int


@pytest.mark.parametrize(
    "parts",
    [("index-backfill",), ("subject-index", "trust_safety", "pin", "pin-1"), ("detection", "llm", "é" * 40 + "/x")],
)
def test_a_natural_id_is_the_uuid5_of_its_parts_joined(parts: tuple[str, ...]) -> None:
    made, expected = natural_id.__wrapped__(*parts), uuid5(NAMESPACE, "/".join(parts))

    assert (made, str(made), hash(made), made.version, made.variant) == (
        expected, str(expected), hash(expected), expected.version, expected.variant
    )


def test_a_uuid_of_an_int_is_the_uuid_the_int_names() -> None:
    value = UUID("6f1c2b1e-5d0a-4c55-9a53-8a7c1f6d9e21").int

    assert uuid_of_int(value) == UUID(int=value) and str(uuid_of_int(value)) == str(UUID(int=value))
