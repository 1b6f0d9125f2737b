from datetime import datetime

import pytest

from domain.base import DocketAggregate
from domain.case import Case, Decision, Verdict
from domain.errors import ConflictError, NotFoundError, ValidationError
from domain.values import (
    Action,
    ActionType,
    AutomationLevel,
    Content,
    ContentType,
    DetectionSource,
    DsaGround,
    Outcome,
    Subject,
)
from tests.domain.factories import (
    ACCOUNT,
    POLICY_KEY,
    SUBJECT,
    T0,
    at,
    decided,
    decision_id,
    not_violating,
    opened_case,
    published_policy,
    recorded_detection,
    terms,
    violating,
)


def _content(version: str) -> Content:
    return Content(uri="https://example.test/pins/pin-1", hash=f"sha256:{version}", version=version)


def test_opening_a_case_records_its_subject_and_account() -> None:
    case = Case.open(SUBJECT, ACCOUNT, "reviewer:alice", T0)

    events = case.collect_events()

    assert len(events) == 1
    opened = events[0]
    assert isinstance(opened, Case.Opened)
    assert (opened.subject, opened.account_id) == (SUBJECT, ACCOUNT)
    assert (opened.actor, opened.occurred_at, opened.timestamp) == ("reviewer:alice", T0, T0)
    assert case.id == Case.create_id(SUBJECT)
    assert (case.subject, case.account_id, case.decisions, case.live) == (SUBJECT, ACCOUNT, {}, {})
    assert case.live_decision(POLICY_KEY) is None


def test_case_identity_is_the_subject() -> None:
    assert Case.create_id(SUBJECT) == Case.create_id(Subject(SUBJECT.domain, SUBJECT.kind, SUBJECT.id))
    assert Case.create_id(SUBJECT) != Case.create_id(Subject(SUBJECT.domain, "comment", SUBJECT.id))
    assert Case.create_id(SUBJECT) != Case.create_id(Subject("ads", SUBJECT.kind, SUBJECT.id))


def test_opening_a_case_validates_the_subject() -> None:
    with pytest.raises(ValidationError) as raised:
        Case.open(Subject("Bad Domain", "pin", "pin-1"), ACCOUNT, "reviewer:alice", T0)

    assert raised.value.field == "subject.domain"


def test_a_violating_decision_records_the_verdict_and_becomes_live() -> None:
    policy = published_policy()
    detection = recorded_detection()
    case = opened_case()
    remove_in_de = Action(ActionType.REMOVE, territories=("DE", "FR"), ends_at=at(days=30))

    decision = case.decide(
        decision_id("first"), policy, violating(remove_in_de, idempotency_key="req-1"), [detection], None,
        "reviewer:alice", at(minutes=10),
    )

    events = case.collect_events()
    assert len(events) == 1
    assert isinstance(events[0], Case.Decided)
    assert events[0].decision == decision
    assert events[0].account_id == ACCOUNT
    assert decision.decision_id == decision_id("first")
    assert (decision.policy_key, decision.policy_version) == (POLICY_KEY, 1)
    assert decision.outcome is Outcome.VIOLATING
    assert decision.actions == (remove_in_de,)
    assert decision.detection_ids == (detection.id,)
    assert decision.rationale == "Repeated unsolicited links."
    assert decision.automation is AutomationLevel.NOT_AUTOMATED
    assert decision.idempotency_key == "req-1"
    assert decision.supersedes is None
    assert case.live_decision(POLICY_KEY) == decision
    assert case.decisions == {decision.decision_id: decision}


def test_a_violating_decision_without_actions_is_rejected() -> None:
    case = opened_case()

    with pytest.raises(ValidationError) as raised:
        case.decide(
            decision_id("d"), published_policy(), Verdict(Outcome.VIOLATING, (), "Spam."), [], None,
            "reviewer:alice", T0,
        )

    assert raised.value.field == "actions"
    assert case.collect_events() == []


def test_a_not_violating_decision_with_actions_is_rejected() -> None:
    case = opened_case()
    verdict = Verdict(Outcome.NOT_VIOLATING, (Action(ActionType.LABEL),), "Fine, but label it.")

    with pytest.raises(ValidationError) as raised:
        case.decide(decision_id("d"), published_policy(), verdict, [], None, "reviewer:alice", T0)

    assert raised.value.field == "actions"
    assert case.collect_events() == []


def test_an_action_type_may_not_repeat_within_one_decision() -> None:
    case = opened_case()
    verdict = violating(Action(ActionType.REMOVE, ("DE",)), Action(ActionType.REMOVE, ("FR",)))

    with pytest.raises(ValidationError) as raised:
        case.decide(decision_id("d"), published_policy(), verdict, [], None, "reviewer:alice", T0)

    assert raised.value.field == "actions"


@pytest.mark.parametrize("rationale", ["", "   ", "\n\t"])
def test_a_decision_needs_a_rationale(rationale: str) -> None:
    case = opened_case()

    with pytest.raises(ValidationError) as raised:
        case.decide(
            decision_id("d"), published_policy(), violating(rationale=rationale), [], None, "reviewer:alice", T0
        )

    assert raised.value.field == "rationale"
    assert case.collect_events() == []


@pytest.mark.parametrize("territories", [("XX",), ("de",), ("DE", "DEU"), ("DE", "DE"), ("",)])
def test_territories_must_be_distinct_iso_country_codes(territories: tuple[str, ...]) -> None:
    case = opened_case()
    verdict = violating(Action(ActionType.REMOVE, territories=territories))

    with pytest.raises(ValidationError) as raised:
        case.decide(decision_id("d"), published_policy(), verdict, [], None, "reviewer:alice", T0)

    assert raised.value.field == "actions.territories"
    assert case.collect_events() == []


def test_an_action_without_territories_applies_worldwide() -> None:
    case = opened_case()

    decision = decided(case, published_policy(), violating(Action(ActionType.REMOVE)), "d")

    assert decision.actions[0].territories == ()
    assert decision.actions[0].ends_at is None


def test_an_action_end_must_carry_a_time_zone() -> None:
    case = opened_case()
    verdict = violating(Action(ActionType.DEMOTE, ends_at=datetime(2026, 4, 1, 0, 0)))  # noqa: DTZ001 - naive on purpose

    with pytest.raises(ValidationError) as raised:
        case.decide(decision_id("d"), published_policy(), verdict, [], None, "reviewer:alice", T0)

    assert raised.value.field == "actions.endsAt"


@pytest.mark.parametrize(
    ("verdict_args", "field"),
    [
        ({"outcome": "MAYBE", "actions": (), "rationale": "?"}, "outcome"),
        ({"outcome": "NOT_VIOLATING", "actions": (), "rationale": "ok", "automation": "SOMETIMES"}, "automation"),
        ({"outcome": "NOT_VIOLATING", "actions": (), "rationale": "ok", "content_type": "SMELL"}, "contentType"),
    ],
)
def test_bad_enum_values_in_a_verdict_raise_a_validation_error_naming_the_field(
    verdict_args: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        Verdict(**verdict_args)  # type: ignore[arg-type]

    assert raised.value.field == field


def test_an_unknown_action_type_raises_a_validation_error_naming_the_field() -> None:
    with pytest.raises(ValidationError) as raised:
        Action("SHADOWBAN")  # type: ignore[arg-type]

    assert raised.value.field == "actions.type"


def test_a_policy_from_another_domain_is_rejected() -> None:
    case = opened_case()
    ads_policy = published_policy(domain="ads")

    with pytest.raises(ValidationError) as raised:
        case.decide(decision_id("d"), ads_policy, violating(), [], None, "reviewer:alice", T0)

    assert raised.value.field == "policy"
    assert case.collect_events() == []


def test_an_action_the_policy_does_not_allow_is_rejected() -> None:
    case = opened_case()
    verdict = violating(Action(ActionType.TERMINATE_ACCOUNT))

    with pytest.raises(ValidationError) as raised:
        case.decide(decision_id("d"), published_policy(), verdict, [], None, "reviewer:alice", T0)

    assert raised.value.field == "actions"


def test_a_retired_policy_takes_no_decision() -> None:
    case = opened_case()
    policy = published_policy()
    policy.retire("Obsolete.", "policy:carol", at(days=1))

    with pytest.raises(ConflictError):
        case.decide(decision_id("d"), policy, violating(), [], None, "reviewer:alice", at(days=2))

    assert case.collect_events() == []


def test_a_detection_about_another_subject_is_refused_as_no_detection_of_this_one() -> None:
    case = opened_case()
    elsewhere = recorded_detection(subject=Subject(SUBJECT.domain, SUBJECT.kind, "pin-2"), external_id="clf-9")

    with pytest.raises(NotFoundError) as raised:
        case.decide(decision_id("d"), published_policy(), violating(), [recorded_detection(), elsewhere], None,
                    "reviewer:alice", T0)

    assert raised.value.message == f"no detection {elsewhere.id} about {SUBJECT.key}"
    assert case.collect_events() == []


def test_second_decision_on_a_policy_supersedes_the_first() -> None:
    case = opened_case()
    policy = published_policy()
    first = decided(case, policy, violating(), "first", at(minutes=1))

    second = decided(case, policy, not_violating(), "second", at(minutes=2))

    assert first.supersedes is None
    assert second.supersedes == first.decision_id
    assert case.live_decision(POLICY_KEY) == second
    assert case.decisions == {first.decision_id: first, second.decision_id: second}


def test_a_third_decision_supersedes_the_second_not_the_first() -> None:
    case = opened_case()
    policy = published_policy()
    decided(case, policy, violating(), "first", at(minutes=1))
    second = decided(case, policy, not_violating(), "second", at(minutes=2))

    third = decided(case, policy, violating(), "third", at(minutes=3))

    assert third.supersedes == second.decision_id
    assert case.live_decision(POLICY_KEY) == third


def test_decisions_under_different_policies_are_live_side_by_side() -> None:
    case = opened_case()
    spam = published_policy()
    scams = published_policy(key="scams")

    spam_decision = decided(case, spam, violating(), "spam")
    scams_decision = decided(case, scams, not_violating(), "scams")

    assert scams_decision.supersedes is None
    assert case.live_decision("spam") == spam_decision
    assert case.live_decision("scams") == scams_decision


def test_content_is_pinned_from_the_newest_detection_when_not_given() -> None:
    case = opened_case()
    older = recorded_detection(external_id="clf-1", detected_at=at(minutes=1), content=_content("v1"))
    newer = recorded_detection(external_id="clf-2", detected_at=at(minutes=5), content=_content("v2"),
                               content_type=ContentType.IMAGE)

    decision = decided(case, published_policy(), violating(), "d", detections=[newer, older])

    assert decision.content == _content("v2")
    assert decision.content_type is ContentType.IMAGE
    assert decision.detection_ids == (newer.id, older.id)


def test_content_is_pinned_from_the_newest_detection_that_saw_content() -> None:
    case = opened_case()
    with_content = recorded_detection(external_id="clf-1", detected_at=at(minutes=1), content=_content("v1"))
    without_content = recorded_detection(external_id="clf-2", detected_at=at(minutes=5), content=None)

    decision = decided(case, published_policy(), violating(), "d", detections=[with_content, without_content])

    assert decision.content == _content("v1")


def test_content_given_with_the_verdict_wins_over_the_detections() -> None:
    case = opened_case()
    detection = recorded_detection(content=_content("v1"))
    verdict = violating(content=_content("v3"), content_type=ContentType.VIDEO)

    decision = decided(case, published_policy(), verdict, "d", detections=[detection])

    assert decision.content == _content("v3")
    assert decision.content_type is ContentType.VIDEO


def test_a_decision_without_detections_pins_nothing_and_counts_as_own_initiative() -> None:
    case = opened_case()

    decision = decided(case, published_policy(), violating(), "d")

    assert decision.content is None
    assert decision.content_type is None
    assert decision.detection_ids == ()
    assert decision.automated_detection is False
    assert decision.dsa_source_type == "SOURCE_VOLUNTARY"


def test_dsa_fields_and_version_are_copied_from_the_policy() -> None:
    case = opened_case()
    policy = published_policy()
    revised = terms(dsa_category="STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", dsa_ground=DsaGround.ILLEGAL_CONTENT)
    policy.revise(revised, "policy:carol", at(days=1))

    decision = decided(case, policy, violating(), "d", at(days=2))

    assert decision.dsa_category == "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"
    assert decision.dsa_ground is DsaGround.ILLEGAL_CONTENT
    assert decision.policy_version == 2


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        ((DetectionSource.CLASSIFIER,), "SOURCE_VOLUNTARY"),
        ((DetectionSource.CLASSIFIER, DetectionSource.USER_REPORT), "SOURCE_ARTICLE_16"),
        ((DetectionSource.USER_REPORT, DetectionSource.TRUSTED_FLAGGER), "SOURCE_TRUSTED_FLAGGER"),
        ((DetectionSource.HUMAN_REVIEW, DetectionSource.AUTHORITY_ORDER), "SOURCE_TYPE_OTHER_NOTIFICATION"),
        ((DetectionSource.AUTHORITY_ORDER, DetectionSource.USER_REPORT), "SOURCE_ARTICLE_16"),
    ],
)
def test_a_notice_outranks_own_initiative_detection_in_the_dsa_source_type(
    sources: tuple[DetectionSource, ...], expected: str
) -> None:
    case = opened_case()
    detections = [recorded_detection(source=s, external_id=f"ext-{i}") for i, s in enumerate(sources)]

    decision = decided(case, published_policy(), violating(), "d", detections=detections)

    assert decision.dsa_source_type == expected


@pytest.mark.parametrize(
    ("sources", "automated"),
    [
        ((DetectionSource.USER_REPORT,), False),
        ((DetectionSource.HUMAN_REVIEW,), False),
        ((DetectionSource.USER_REPORT, DetectionSource.HASH_MATCH), True),
        ((DetectionSource.LLM,), True),
    ],
)
def test_detection_counts_as_automated_when_any_detection_was_automated(
    sources: tuple[DetectionSource, ...], automated: bool
) -> None:
    case = opened_case()
    detections = [recorded_detection(source=s, external_id=f"ext-{i}") for i, s in enumerate(sources)]

    decision = decided(case, published_policy(), violating(), "d", detections=detections)

    assert decision.automated_detection is automated


def test_the_decided_event_names_the_given_account_else_the_cases() -> None:
    policy = published_policy()
    case = opened_case(account_id=None)
    case.decide(decision_id("a"), policy, violating(), [], "acct-7", "reviewer:alice", T0)
    owned = opened_case(account_id=ACCOUNT)
    owned.decide(decision_id("b"), policy, violating(), [], None, "reviewer:alice", T0)
    nobody = opened_case(account_id=None)
    nobody.decide(decision_id("c"), policy, violating(), [], None, "reviewer:alice", T0)

    for aggregate, account_id in ((case, "acct-7"), (owned, ACCOUNT), (nobody, None)):
        [event] = aggregate.collect_events()
        assert isinstance(event, Case.Decided) and event.account_id == account_id


def test_every_event_carries_the_actor_and_the_injected_time() -> None:
    policy = published_policy()
    opened_at, first_at, second_at = at(minutes=1), at(minutes=2), at(days=3)
    case = Case.open(SUBJECT, ACCOUNT, "svc:intake", opened_at)
    case.decide(decision_id("1"), policy, violating(), [], None, "reviewer:alice", first_at)
    case.decide(decision_id("2"), policy, not_violating(), [], None, "appeals:bob", second_at)

    events = case.collect_events()

    assert [(type(e), e.actor, e.occurred_at, e.timestamp) for e in events if isinstance(e, DocketAggregate.Event)] == [
        (Case.Opened, "svc:intake", opened_at, opened_at),
        (Case.Decided, "reviewer:alice", first_at, first_at),
        (Case.Decided, "appeals:bob", second_at, second_at),
    ]
    assert [e.originator_version for e in events] == [1, 2, 3]


def test_a_decision_coerces_stored_strings_back_to_enums_and_tuples() -> None:
    decision = Decision(
        decision_id=decision_id("d"),
        policy_key=POLICY_KEY,
        policy_version=1,
        outcome="VIOLATING",  # type: ignore[arg-type]
        actions=[Action("REMOVE", ["DE"])],  # type: ignore[arg-type]
        detection_ids=[],  # type: ignore[arg-type]
        content=None,
        content_type="TEXT",  # type: ignore[arg-type]
        rationale="Spam.",
        automation="FULLY",  # type: ignore[arg-type]
        automated_detection=True,
        dsa_source_type="SOURCE_VOLUNTARY",
        dsa_category="STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
        dsa_ground="INCOMPATIBLE_CONTENT",  # type: ignore[arg-type]
    )

    assert decision.outcome is Outcome.VIOLATING
    assert decision.automation is AutomationLevel.FULLY
    assert decision.dsa_ground is DsaGround.INCOMPATIBLE_CONTENT
    assert decision.content_type is ContentType.TEXT
    assert decision.actions == (Action(ActionType.REMOVE, ("DE",)),)
    assert decision.detection_ids == ()
