"""Every domain value type survives the ledger's JSON transcoding unchanged, enums and all."""

import dataclasses
import typing
from collections.abc import Iterator
from datetime import timedelta, timezone
from typing import Any

import pytest
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Notification,
    UUIDAsHex,
)

from app.config.settings import Settings
from app.runtime.wiring import open_runtime
from app.write.transcodings import VALUE_TYPES, LedgerTranscoder, register_value_types
from domain.account import Account
from domain.base import natural_id
from domain.case import Case, Decision
from domain.detection import Detection, DetectionFacts
from domain.ladder import default_ladder
from domain.levels import PenaltyKind
from domain.policy import Policy, PolicyTerms
from domain.standing import Penalty, Strike
from domain.values import (
    Action,
    ActionType,
    AutomationLevel,
    Content,
    ContentType,
    DetectionSource,
    DsaGround,
    Outcome,
    Severity,
    Subject,
)
from tests.domain.factories import (
    ACCOUNT,
    DOMAIN,
    POLICY_KEY,
    SUBJECT,
    T0,
    at,
    decision_id,
    facts,
    terms,
    violating,
)
from tests.domain.test_event_topics import PINNED
from tests.history import write_review_history
from tests.projections.feed import ledger_mapper

CET = timezone(timedelta(hours=1))


@pytest.fixture
def transcoder() -> JSONTranscoder:
    transcoder = JSONTranscoder()
    transcoder.register(UUIDAsHex())
    transcoder.register(DatetimeAsISO())
    transcoder.register(DecimalAsStr())
    register_value_types(transcoder)
    return transcoder


def _round_trip(transcoder: JSONTranscoder, value: Any) -> Any:
    return transcoder.decode(transcoder.encode(value))


def _decision() -> Decision:
    return Decision(
        decision_id=decision_id("d"),
        policy_key=POLICY_KEY,
        policy_version=3,
        outcome=Outcome.VIOLATING,
        actions=(
            Action(ActionType.REMOVE, territories=("DE", "FR", "AT"), ends_at=at(days=30)),
            Action(ActionType.DEMOTE, territories=(), ends_at=(T0 + timedelta(days=7)).astimezone(CET)),
            Action(ActionType.LABEL),
        ),
        detection_ids=(natural_id("detection", "1"), natural_id("detection", "2")),
        content=Content(uri="https://example.test/pins/pin-1", hash="sha256:abc", version="7"),
        content_type=ContentType.IMAGE,
        rationale="Repeated unsolicited links; see évidence ✓.",
        automation=AutomationLevel.PARTIALLY,
        automated_detection=True,
        dsa_source_type="SOURCE_ARTICLE_16",
        dsa_category="STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
        dsa_ground=DsaGround.INCOMPATIBLE_CONTENT,
        idempotency_key="req-42",
        supersedes=decision_id("c"),
    )


def test_a_decision_with_territorial_actions_and_end_dates_round_trips(transcoder: JSONTranscoder) -> None:
    decision = _decision()

    decoded = _round_trip(transcoder, decision)

    assert decoded == decision
    assert type(decoded) is Decision
    assert type(decoded.outcome) is Outcome
    assert type(decoded.automation) is AutomationLevel
    assert type(decoded.dsa_ground) is DsaGround
    assert type(decoded.content_type) is ContentType
    assert type(decoded.actions) is tuple
    assert all(type(a) is Action and type(a.type) is ActionType for a in decoded.actions)
    assert type(decoded.actions[0].territories) is tuple
    ends = [a.ends_at for a in decoded.actions]
    assert ends[0] is not None and ends[0].tzinfo is not None
    assert ends[1] is not None and ends[1].utcoffset() == timedelta(hours=1)
    assert type(decoded.detection_ids) is tuple
    assert type(decoded.content) is Content


def test_a_not_violating_decision_without_content_round_trips(transcoder: JSONTranscoder) -> None:
    decision = Decision(
        decision_id=decision_id("n"), policy_key=POLICY_KEY, policy_version=1, outcome=Outcome.NOT_VIOLATING,
        actions=(), detection_ids=(), content=None, content_type=None, rationale="Fine.",
        automation=AutomationLevel.NOT_AUTOMATED, automated_detection=False, dsa_source_type="SOURCE_VOLUNTARY",
        dsa_category="STATEMENT_CATEGORY_SCAMS_AND_FRAUD", dsa_ground=DsaGround.ILLEGAL_CONTENT,
    )

    assert _round_trip(transcoder, decision) == decision


def test_detection_facts_round_trip_with_their_evidence(transcoder: JSONTranscoder) -> None:
    detection_facts = facts(
        source=DetectionSource.TRUSTED_FLAGGER,
        evidence={
            "scores": [0.1, 0.93], "labels": {"spam": True, "note": "naïve"}, "n": 3, "none": None,
            "_type_": "phishing", "hits": [{"_data_": [1, 2]}],
        },
        detected_at=T0.astimezone(CET),
    )

    decoded = _round_trip(transcoder, detection_facts)

    assert decoded == detection_facts
    assert type(decoded) is DetectionFacts
    assert type(decoded.source) is DetectionSource
    assert type(decoded.content_type) is ContentType
    assert type(decoded.subject) is Subject
    assert decoded.detected_at.utcoffset() == timedelta(hours=1)


def test_detection_facts_without_optional_parts_round_trip(transcoder: JSONTranscoder) -> None:
    detection_facts = facts(account_id=None, model=None, content=None, evidence={})

    assert _round_trip(transcoder, detection_facts) == detection_facts


def test_policy_terms_round_trip(transcoder: JSONTranscoder) -> None:
    policy_terms = terms(severity=Severity.CRITICAL, strike_points=100, zero_tolerance=True,
                         allowed_actions=(ActionType.REMOVE, ActionType.TERMINATE_ACCOUNT),
                         dsa_ground=DsaGround.ILLEGAL_CONTENT)

    decoded = _round_trip(transcoder, policy_terms)

    assert decoded == policy_terms
    assert type(decoded) is PolicyTerms
    assert type(decoded.severity) is Severity
    assert type(decoded.dsa_ground) is DsaGround
    assert type(decoded.allowed_actions) is tuple
    assert all(type(a) is ActionType for a in decoded.allowed_actions)


@pytest.mark.parametrize("removed", [False, True])
def test_a_strike_round_trips_removed_or_not(transcoder: JSONTranscoder, removed: bool) -> None:
    strike = Strike(
        strike_id=natural_id("strike", "1"),
        domain=DOMAIN,
        policy_key=POLICY_KEY,
        policy_version=2,
        points=3,
        decision_id=decision_id("d"),
        case_id=Case.create_id(SUBJECT),
        issued_at=T0,
        expires_at=T0 + timedelta(days=365),
        removed_at=at(days=3) if removed else None,
        removal_reason="appeal overturned" if removed else None,
    )

    decoded = _round_trip(transcoder, strike)

    assert decoded == strike
    assert type(decoded) is Strike


@pytest.mark.parametrize("lifted", [False, True])
def test_a_penalty_round_trips_lifted_or_not(transcoder: JSONTranscoder, lifted: bool) -> None:
    penalty = Penalty(
        penalty_id=natural_id("penalty", "1"),
        domain=DOMAIN,
        kind=PenaltyKind.FEATURE_LIMIT,
        threshold=3,
        starts_at=T0,
        ends_at=at(days=7),
        points_bound=False,
        cause_strike_id=natural_id("strike", "1"),
        features=("comments", "messages"),
        lifted_at=at(days=2) if lifted else None,
        lift_reason="appeal overturned" if lifted else None,
    )

    decoded = _round_trip(transcoder, penalty)

    assert decoded == penalty
    assert type(decoded.kind) is PenaltyKind
    assert type(decoded.features) is tuple


def test_subjects_content_and_actions_round_trip_on_their_own(transcoder: JSONTranscoder) -> None:
    values = [
        SUBJECT,
        Content(uri="https://example.test/p", hash="sha256:00", version="1"),
        Action(ActionType.AGE_RESTRICT, ("US",), at(days=1)),
    ]

    assert _round_trip(transcoder, values) == values


def _value_types_in(hint: Any, found: set[type]) -> None:
    """Collects the dataclasses a type hint can hold, and the dataclasses their fields can hold."""
    if dataclasses.is_dataclass(hint) and isinstance(hint, type) and hint not in found:
        found.add(hint)
        for field_hint in typing.get_type_hints(hint).values():
            _value_types_in(field_hint, found)
    for arg in typing.get_args(hint):
        _value_types_in(arg, found)


def test_every_value_type_an_event_can_carry_is_registered() -> None:
    carried: set[type] = set()
    for event_class in PINNED:
        for name, hint in typing.get_type_hints(event_class).items():
            if name not in ("originator_id", "originator_version", "timestamp"):
                _value_types_in(hint, carried)

    assert {Subject, Content, Action, PolicyTerms, DetectionFacts, Decision, Strike} <= carried
    assert carried <= set(VALUE_TYPES), f"not registered: {carried - set(VALUE_TYPES)}"


def test_every_domain_event_survives_the_ledgers_mapper() -> None:
    mapper = ledger_mapper()
    policy = Policy.publish(DOMAIN, POLICY_KEY, terms(), "policy:carol", T0)
    policy.revise(terms(strike_points=2), "policy:carol", at(minutes=1))
    detection = Detection.record(facts(), 2, "svc:classifier", at(minutes=2))
    case = Case.open(SUBJECT, ACCOUNT, "reviewer:alice", at(minutes=3))
    decision = case.decide(decision_id("1"), policy, violating(Action(ActionType.REMOVE, ("DE",), at(days=9))),
                           [detection], None, "reviewer:alice", at(minutes=3))
    account = Account.register(ACCOUNT, "reviewer:alice", at(minutes=3))
    strike = account.apply_decision(case.id, decision, policy, default_ladder(DOMAIN), "reviewer:alice", at(minutes=3))
    assert strike is not None
    account.remove_strike(strike.strike_id, "appeal overturned", "appeals:bob", at(days=1))
    policy.retire("Obsolete.", "policy:carol", at(days=2))
    events = [e for a in (policy, detection, case, account) for e in a.collect_events()]

    decoded = [mapper.to_domain_event(mapper.to_stored_event(e)) for e in events]

    assert len(events) == 9
    assert decoded == events
    assert [type(e) for e in decoded] == [type(e) for e in events]


@pytest.fixture
def history(tmp_path: Any) -> Iterator[tuple[LedgerTranscoder, JSONTranscoder, list[Notification]]]:
    """The ledger's transcoder, the library's with the same transcodings, and a review history stored by the ledger."""
    runtime = open_runtime(Settings(database_url=f"sqlite:///{tmp_path / 'd.db'}"))
    try:
        write_review_history(runtime.ledger, 60)
        library = JSONTranscoder()
        runtime.ledger.register_transcodings(library)
        ours = runtime.ledger.mapper.transcoder
        assert isinstance(ours, LedgerTranscoder)
        yield ours, library, list(runtime.ledger.recorder.select_notifications(start=1, limit=runtime.ledger.head()))
    finally:
        runtime.close()


def test_the_ledgers_transcoder_decodes_every_stored_event_as_the_librarys_does(
    history: tuple[LedgerTranscoder, JSONTranscoder, list[Notification]],
) -> None:
    ours, library, stored = history
    assert len({n.topic for n in stored}) > 30

    assert [ours.decode(n.state) for n in stored] == [library.decode(n.state) for n in stored]
    assert ours.decode(b'{"score":NaN,"n":123456789012345678901234567890}')["n"] == 123456789012345678901234567890


def test_the_ledgers_transcoder_decodes_odd_shapes_as_the_librarys_does(
    history: tuple[LedgerTranscoder, JSONTranscoder, list[Notification]],
) -> None:
    ours, library, _ = history
    when = '{"_type_":"datetime_iso","_data_":"2026-01-05T00:00:00+00:00"}'
    uuid = '{"_type_":"uuid_hex","_data_":"6b44ef4f51435129b0708f702932c465"}'
    shapes = [
        f'{{"a":[],"b":{{}},"c":[[],{{}},[{when}]],"d":{{"e":{when},"f":[{uuid},{when},1,null]}}}}',
        f'[{when},{{"_type_":"x","other":{when}}},{{"_type_":"datetime_iso"}},{{"_data_":[]}},[{uuid}]]',
        '{"_type_":"Content","_data_":{"uri":"u","hash":"h","version":"1"}}',
        f'{{"_type_":"Content","_data_":{{"uri":{when},"hash":[],"version":{{}}}}}}',
    ]
    for shape in shapes:
        assert ours.decode(shape.encode()) == library.decode(shape.encode())

    for unknown in ('{"a":{"_type_":"nope","_data_":"x"}}', '[1,{"_type_":"nope","_data_":[]}]'):
        with pytest.raises(Exception) as theirs:
            library.decode(unknown.encode())
        with pytest.raises(type(theirs.value), match="nope"):
            ours.decode(unknown.encode())


@pytest.mark.parametrize("number", [2**64 - 1, 2**64, 2**70 + 1, 10**29 + 7, -(2**63), -(2**63) - 1, -(10**25) - 3])
def test_the_ledgers_transcoder_reads_an_integer_of_any_width_whole(
    history: tuple[LedgerTranscoder, JSONTranscoder, list[Notification]], number: int,
) -> None:
    ours, library, _ = history
    stored = ours.encode({"facts": facts(evidence={"counts": [number, {"n": number}], "id": str(number)})})

    decoded = ours.decode(stored)["facts"].evidence

    assert decoded == library.decode(stored)["facts"].evidence == {"counts": [number, {"n": number}], "id": str(number)}
    assert type(decoded["counts"][0]) is int and type(decoded["counts"][1]["n"]) is int


def test_the_ledgers_transcoder_encodes_every_event_as_the_librarys_does(
    history: tuple[LedgerTranscoder, JSONTranscoder, list[Notification]],
) -> None:
    ours, library, stored = history
    states = [library.decode(n.state) for n in stored]
    odd = {
        "ids": [natural_id("a"), {"inner": (natural_id("b"), T0)}], "source": DetectionSource.LLM, "none": None,
        "nan": float("nan"), "big": 123456789012345678901234567890, "keys": {1: "one"}, "when": T0.astimezone(CET),
    }

    floats = [0.0, -0.0, 0.5, 1e-4, 9.9e-5, 1.5e-7, 1e-5, 2.5e-10, 1e15, 1e16, 1.2345678901234568e17, 1e300, 5e-324]
    plain = {
        "floats": floats, "text": "\x01\x1f\n\"\\\u2028\x7fé😀", "ints": [2**63 - 1, -(2**63)], "flag": True,
        "tuple": (1, "a", None), "facts": facts(evidence={"tiny": 3e-6}),
    }

    keyed = {"enum keys": {DetectionSource.LLM: 1}}  # orjson refuses keys not text: the library writes the event

    instant = {"one instant in two zones": [T0, T0.astimezone(CET), T0, T0.astimezone(CET)]}  # equal, not alike

    for state in [*states, odd, plain, keyed, instant, {"fine": odd["ids"], "source": odd["source"]}]:
        assert ours.encode(state) == library.encode(state)
    assert [ours.decode(ours.encode(s)) for s in states] == states


def test_what_the_ledgers_transcoder_cannot_write_fails_as_the_librarys_does(
    history: tuple[LedgerTranscoder, JSONTranscoder, list[Notification]],
) -> None:
    ours, library = history[0], history[1]

    for unknown in ({"x": object()}, {"x": {1, 2}}):
        with pytest.raises(TypeError) as theirs:
            library.encode(unknown)
        with pytest.raises(type(theirs.value), match="is not serializable"):
            ours.encode(unknown)
