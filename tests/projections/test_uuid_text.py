"""Ids as read models store them: `uuid_text` is `str(UUID)`, cached."""

from uuid import UUID, uuid4, uuid5

from domain.base import NAMESPACE
from domain.case import Case
from domain.values import Subject
from projections.values import case_text_id, text_id, uuid_text


def test_an_ids_text_is_its_str_whatever_its_digits() -> None:
    ids = [UUID(int=0), UUID(int=1), UUID(int=2**128 - 1), UUID(int=0xABC << 64), uuid5(NAMESPACE, "case/x"),
           *(uuid4() for _ in range(50))]
    for value in ids:
        assert uuid_text(value) == str(value)
        assert uuid_text(value) == str(value)  # a second time, from the cache
        assert text_id(value) == str(value)
    assert text_id(None) is None


def test_a_subjects_case_text_id_is_its_case_ids_str() -> None:
    subjects = [Subject(domain=d, kind=k, id=i)
                for d in ("dsa", "é") for k in ("post", "account") for i in ("1", "a/b")]
    for subject in subjects:
        assert case_text_id(subject) == str(Case.create_id(subject))
        assert case_text_id(subject) == str(uuid5(NAMESPACE, f"case/{subject.domain}/{subject.kind}/{subject.id}"))
