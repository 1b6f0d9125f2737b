"""A detection's model content is personal data: stored sealed with its account's key, read back as given, and once
the key is erased read as ERASED_CONTENT, which no rule judges."""

from domain.detection import ERASED_CONTENT, Detection
from domain.prompt import ModelContent
from tests.domain.factories import ACCOUNT, T0, facts
from tests.projections.test_erasure import MemoryKeys, sealing_mapper

CONTENT = ModelContent(text="Call Jane on +33 6 12 34 56 78", image_urls=("https://cdn.example/jane-doe.jpg",),
                       metadata={"author": "jane.doe"})


def recorded(**changes: object) -> Detection.Recorded:
    detection = Detection.record(facts(model_content=CONTENT, **changes), 1, "svc:classifier", T0)
    event = detection.collect_events()[0]
    assert isinstance(event, Detection.Recorded)
    return event


def test_model_content_is_stored_sealed_and_read_back_as_given() -> None:
    keys = MemoryKeys()
    stored = sealing_mapper(keys).to_stored_event(recorded())

    read = sealing_mapper(keys).to_domain_event(stored)

    assert b"+33 6 12" not in stored.state and b"jane-doe.jpg" not in stored.state and b"jane.doe" not in stored.state
    assert isinstance(read, Detection.Recorded)
    assert read.facts.model_content == CONTENT
    assert read.facts.to_judge == CONTENT


def test_erased_model_content_reads_as_erased_and_is_judged_by_no_rule() -> None:
    keys = MemoryKeys()
    stored = sealing_mapper(keys).to_stored_event(recorded())
    del keys.keys[ACCOUNT]

    read = sealing_mapper(keys).to_domain_event(stored)

    assert isinstance(read, Detection.Recorded)
    assert read.facts.model_content is ERASED_CONTENT
    assert read.facts.to_judge is None


def test_model_content_of_no_account_is_stored_as_a_value_and_read_back_as_given() -> None:
    keys = MemoryKeys()
    stored = sealing_mapper(keys).to_stored_event(recorded(account_id=None))

    read = sealing_mapper(keys).to_domain_event(stored)

    assert keys.keys == {}
    assert isinstance(read, Detection.Recorded)
    assert read.facts.model_content == CONTENT
