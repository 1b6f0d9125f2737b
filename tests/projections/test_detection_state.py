"""A new detection's events, their state written straight from the event, are stored as the ledger's mapper writes
any event."""

import re
from collections.abc import Iterator
from datetime import timedelta, timezone
from typing import Any

import pytest
from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent

from app.config.settings import Settings
from app.runtime.wiring import open_runtime
from app.write.ledger import Ledger
from app.write.sealing import SealingMapper, accounts_sealed
from domain.detection import Detection, DetectionFacts
from domain.indexes import SubjectIndex, note_detection
from domain.prompt import ModelContent
from domain.values import Content, DetectionSource, Subject
from tests.domain.factories import T0, facts

_CIPHERTEXT = re.compile(rb'"v":"[^"]*"')
"""A sealed value's nonce and ciphertext, which differ each time it is sealed."""


def _varied() -> list[DetectionFacts]:
    return [
        facts(),
        facts(account_id=None, evidence={"tiny": 3e-6, "text": "naïve \u2028 😀", "n": [1, 2.5, None, True]}),
        facts(account_id=None, content=None, model=None, evidence={}),
        facts(evidence={}),  # nothing to seal
        facts(source=DetectionSource.LLM, evidence={"automation": {"verdict": "VIOLATING"}}),  # a rule's record
        facts(model_content=ModelContent(text="buy now", image_urls=("https://x.test/1.png",), metadata={"a": 1})),
        facts(account_id=None, model_content=ModelContent(text="in clear: no account")),
        facts(detected_at=T0.astimezone(timezone(timedelta(hours=5))), confidence=1, for_review=False),
        facts(account_id=None, evidence={"big": 123456789012345678901234567890}),  # left to the library's JSON
        facts(content=Content(uri="https://example.test/é", hash="sha256:bb", version="2")),
        facts(subject=Subject("ads", "ad", "ad-\u00e9\u2603"), for_review=False),
    ]


@pytest.fixture
def ledger(tmp_path: Any) -> Iterator[Ledger]:
    runtime = open_runtime(Settings(database_url=f"sqlite:///{tmp_path / 'd.db'}"))
    try:
        yield runtime.ledger
    finally:
        runtime.close()


def _recorded(detection_facts: list[DetectionFacts]) -> list[Detection.Recorded]:
    events = [Detection.record(f, 2, "svc:classifier", T0).collect_events()[0] for f in detection_facts]
    assert all(type(e) is Detection.Recorded for e in events)
    return events  # type: ignore[return-value]


def _started(detection_facts: list[DetectionFacts]) -> list[SubjectIndex.Started]:
    events = [note_detection(None, None, f, "svc:classifier", T0).collect_events()[0] for f in detection_facts]
    assert all(type(e) is SubjectIndex.Started for e in events)
    return events  # type: ignore[return-value]


def _without_ciphertext(stored: StoredEvent) -> tuple[Any, ...]:
    return stored.originator_id, stored.originator_version, stored.topic, _CIPHERTEXT.sub(b"", stored.state)


def test_a_new_detections_events_are_the_bytes_the_mapper_writes_of_any_event(ledger: Ledger) -> None:
    events = [*_recorded(_varied()), *_started(_varied())]
    ledger.keyring.prepare(accounts_sealed(events))
    generic = SealingMapper(ledger.keyring, transcoder=ledger.mapper.transcoder)
    library = JSONTranscoder()
    ledger.register_transcodings(library)

    for event in events:
        stored = ledger.mapper.to_stored_event(event)
        assert _without_ciphertext(stored) == _without_ciphertext(generic.to_stored_event(event))
        if not isinstance(event, Detection.Recorded) or "big" not in event.facts.evidence:  # orjson reads it as a float
            assert ledger.mapper.to_domain_event(stored) == event
        if b'"sealed"' not in stored.state:
            assert stored.state == Mapper[Any](library).to_stored_event(event).state


def test_a_detections_personal_data_is_stored_sealed(ledger: Ledger) -> None:
    evidence = {"excerpt": "a secret only the account holds"}
    judged = ModelContent(text="private words")
    [sealed, clear] = _recorded([
        facts(evidence=evidence, model_content=judged),
        facts(account_id=None, external_id="clf-0002", evidence=evidence, model_content=judged),
    ])
    ledger.keyring.prepare(accounts_sealed([sealed]))

    stored = ledger.mapper.to_stored_event(sealed)

    assert b"a secret" not in stored.state and b"private words" not in stored.state
    assert stored.state.count(b'"_type_":"sealed"') == 2
    assert b"a secret" in ledger.mapper.to_stored_event(clear).state
    decoded = ledger.mapper.to_domain_event(stored)
    assert isinstance(decoded, Detection.Recorded)
    assert decoded.facts.evidence == evidence and decoded.facts.model_content == judged
