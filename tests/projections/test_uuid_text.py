"""Ids as read models store them: `uuid_text` is `str(UUID)`, cached."""

from uuid import UUID, uuid4, uuid5

from domain.base import NAMESPACE
from projections.values import text_id, uuid_text


def test_an_ids_text_is_its_str_whatever_its_digits() -> None:
    ids = [UUID(int=0), UUID(int=1), UUID(int=2**128 - 1), UUID(int=0xABC << 64), uuid5(NAMESPACE, "case/x"),
           *(uuid4() for _ in range(50))]
    for value in ids:
        assert uuid_text(value) == str(value)
        assert uuid_text(value) == str(value)  # a second time, from the cache
        assert text_id(value) == str(value)
    assert text_id(None) is None
