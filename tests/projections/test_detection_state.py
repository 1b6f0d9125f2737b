"""A new detection's events, their state written straight from the event, are stored as the ledger's mapper writes
any event."""

import re
from collections.abc import Iterator
from datetime import timedelta, timezone
from enum import Enum
from typing import Any

import pytest
from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent

from app.config.settings import Settings
from app.runtime.wiring import open_runtime
from app.write.detection_state import DetectionStates
from app.write.ledger import Ledger
from app.write.sealing import Sealed, SealedAsObject, SealingMapper, accounts_sealed
from app.write.transcodings import LedgerTranscoder
from domain.account_data import ERASED, ERASED_OBJECT
from domain.detection import Detection, DetectionFacts
from domain.indexes import SubjectIndex, note_detection
from domain.prompt import ModelContent
from domain.values import Content, DetectionSource, Subject
from tests.domain.factories import T0, facts
from tests.projections.test_erasure import MemoryKeys, sealing_mapper

_CIPHERTEXT = re.compile(rb'"v":"[^"]*"')
"""A sealed value's nonce and ciphertext, which differ each time it is sealed."""


class _Text(str):
    """Text the library's JSON writes as the text it is."""


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


def _subclassed() -> list[DetectionFacts]:
    """Text of a subclass in fields otherwise written as they are: each through the transcoder's encoding."""
    return [
        facts(external_id=_Text("clf-0009"), policy_key=_Text("spam")),
        facts(account_id=None, subject=Subject("ads", _Text("ad"), "ad-2")),
        facts(content=Content(uri="https://example.test/p", hash=_Text("sha256:cc"), version="3")),
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
    events = [*_recorded([*_varied(), *_subclassed()]), *_started([*_varied(), *_subclassed()])]
    # A value of another type where a number is written as it is: one orjson writes otherwise than the library.
    events.append(Detection.record(facts(), 3e-6, "svc:classifier", T0).collect_events()[0])  # type: ignore[arg-type]
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


def _mappers(keys: MemoryKeys) -> tuple[SealingMapper, SealingMapper, DetectionStates]:
    """The library's way of reading (the mapper alone) and the straight one, on one transcoder and keyring."""
    library = sealing_mapper(keys)
    assert isinstance(library, SealingMapper) and isinstance(library.transcoder, LedgerTranscoder)
    sealed = library.transcoder.types[Sealed]
    assert isinstance(sealed, SealedAsObject)
    states = DetectionStates(library.transcoder, sealed)
    return library, SealingMapper(library.keyring, readers=states.readers, transcoder=library.transcoder), states


def _alike(read: Any, expected: Any) -> bool:
    """Equal, and of the same types all the way down, with attributes and keys in the same order."""
    if type(read) is not type(expected) or read != expected:
        return False
    if type(read) is dict:
        return list(read) == list(expected) and all(_alike(read[key], expected[key]) for key in read)
    if type(read) is list or type(read) is tuple:
        return all(map(_alike, read, expected))
    return not hasattr(read, "__dict__") or isinstance(read, Enum) or _alike(vars(read), vars(expected))


def _typed_in_evidence(stored: StoredEvent) -> StoredEvent:
    """`stored` with a typed object in its evidence, in clear, where a detection's shape has none."""
    typed = b'"evidence":{"at":{"_type_":"datetime_iso","_data_":"2026-01-05T00:00:00+00:00"},'
    state = stored.state.replace(b'"evidence":{"', typed + b'"', 1)
    assert state != stored.state
    return StoredEvent(stored.originator_id, stored.originator_version, stored.topic, state)


@pytest.mark.parametrize("erased", [False, True], ids=["keys held", "keys erased"])
def test_a_stored_detection_reads_straight_as_the_mapper_reads_it(erased: bool) -> None:
    keys = MemoryKeys()
    library, straight, states = _mappers(keys)
    stored = [library.to_stored_event(event) for event in _recorded(_varied())]
    stored += [_typed_in_evidence(s) for s in stored if b'"evidence":{"' in s.state]
    if erased:
        keys.keys.clear()
        library, straight, states = _mappers(keys)

    read = [states.read_recorded(s) for s in stored]

    assert None not in read[:11] and read[11:] == [None] * (len(stored) - 11) != []  # the typed ones: the mapper's
    assert all(_alike(straight.to_domain_event(s), library.to_domain_event(s)) for s in stored)
    erased_evidence = [e for e in read if e is not None and e.facts.evidence in (ERASED, ERASED_OBJECT)]
    sealed = sum(b'"evidence":{"_type_":"sealed"' in s.state for s in stored)
    assert sealed >= 5 and len(erased_evidence) == (sealed if erased else 0)


def _changed(value: Any, **changes: Any) -> Any:
    """A copy of `value` (an event or a value type) with `changes` to its attributes."""
    copy = object.__new__(type(value))
    copy.__dict__.update(vars(value), **changes)
    return copy


def test_a_detection_read_otherwise_in_one_field_is_told_apart() -> None:
    library, straight, _ = _mappers(MemoryKeys())
    stored = library.to_stored_event(_recorded([facts(confidence=1.0)])[0])
    read = straight.to_domain_event(stored)
    assert isinstance(read, Detection.Recorded)
    as_int = _changed(read, facts=_changed(read.facts, confidence=1))
    as_text = _changed(read, facts=_changed(read.facts, detected_at=read.facts.detected_at.isoformat()))

    assert _alike(read, library.to_domain_event(stored))
    assert read == as_int
    assert not _alike(as_int, library.to_domain_event(stored))
    assert not _alike(as_text, library.to_domain_event(stored))
