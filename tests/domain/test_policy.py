from uuid import UUID

import pytest

from domain.errors import ConflictError, ValidationError
from domain.policy import MAX_STRIKE_POINTS, Policy, PolicyTerms
from domain.values import ActionType, DsaGround, Severity
from tests.domain.factories import DOMAIN, POLICY_KEY, T0, at, published_policy, terms


def test_publishing_a_policy_records_version_one_with_its_terms() -> None:
    policy = Policy.publish(DOMAIN, POLICY_KEY, terms(), "policy:carol", T0)

    events = policy.collect_events()

    assert len(events) == 1
    published = events[0]
    assert isinstance(published, Policy.Published)
    assert (published.domain, published.key, published.terms) == (DOMAIN, POLICY_KEY, terms())
    assert (published.actor, published.occurred_at, published.timestamp) == ("policy:carol", T0, T0)
    assert policy.id == Policy.create_id(DOMAIN, POLICY_KEY)
    assert (policy.domain, policy.key, policy.policy_version, policy.retired) == (DOMAIN, POLICY_KEY, 1, False)
    assert policy.terms == terms()


def test_policy_identity_is_its_domain_and_key() -> None:
    # Stored ledgers name the policy by this id: it must come out the same in every version of Docket.
    assert Policy.create_id(DOMAIN, POLICY_KEY) == UUID("5df33500-710a-5cab-8d60-b088e8d255aa")
    assert Policy.create_id(DOMAIN, POLICY_KEY) != Policy.create_id("ads", POLICY_KEY)
    assert Policy.create_id(DOMAIN, POLICY_KEY) != Policy.create_id(DOMAIN, "hate_speech")


def test_revising_with_new_terms_publishes_version_two() -> None:
    policy = published_policy()
    stricter = terms(strike_points=3, severity=Severity.HIGH)

    policy.revise(stricter, "policy:dave", at(minutes=5))

    events = policy.collect_events()
    assert len(events) == 1
    revised = events[0]
    assert isinstance(revised, Policy.Revised)
    assert (revised.policy_version, revised.terms) == (2, stricter)
    assert (revised.actor, revised.occurred_at) == ("policy:dave", at(minutes=5))
    assert (policy.policy_version, policy.terms, policy.retired) == (2, stricter, False)


def test_versions_only_increase_with_each_revision() -> None:
    policy = published_policy()

    for points in (2, 3, 4):
        policy.revise(terms(strike_points=points), "policy:carol", at(minutes=points))

    versions = [e.policy_version for e in policy.collect_events() if isinstance(e, Policy.Revised)]
    assert versions == [2, 3, 4]
    assert policy.policy_version == 4


def test_publishing_identical_terms_again_records_nothing() -> None:
    policy = published_policy()

    policy.revise(terms(), "policy:carol", at(minutes=1))

    assert policy.collect_events() == []
    assert policy.policy_version == 1


def test_terms_given_as_strings_equal_the_same_terms_given_as_enums() -> None:
    policy = published_policy()
    same = terms(severity="MEDIUM", dsa_ground="INCOMPATIBLE_CONTENT", allowed_actions=("REMOVE", "DEMOTE", "LABEL"))

    policy.revise(same, "policy:carol", at(minutes=1))

    assert same == terms()
    assert policy.collect_events() == []


def test_a_revision_with_invalid_terms_is_rejected_and_records_nothing() -> None:
    policy = published_policy()

    with pytest.raises(ValidationError) as raised:
        policy.revise(terms(strike_points=-1), "policy:carol", at(minutes=1))

    assert raised.value.field == "strikePoints"
    assert policy.collect_events() == []
    assert policy.policy_version == 1


def test_a_retired_policy_takes_no_new_decisions() -> None:
    policy = published_policy()

    policy.retire("Merged into the scams policy.", "policy:carol", at(days=1))

    events = policy.collect_events()
    assert len(events) == 1
    assert isinstance(events[0], Policy.Retired)
    assert events[0].reason == "Merged into the scams policy."
    assert (events[0].actor, events[0].occurred_at) == ("policy:carol", at(days=1))
    assert policy.retired is True
    with pytest.raises(ConflictError):
        policy.check_allows((ActionType.REMOVE,))
    with pytest.raises(ConflictError):
        policy.check_allows(())


def test_retiring_an_already_retired_policy_is_a_conflict() -> None:
    policy = published_policy()
    policy.retire("Obsolete.", "policy:carol", at(days=1))
    policy.collect_events()

    with pytest.raises(ConflictError):
        policy.retire("Obsolete again.", "policy:carol", at(days=2))

    assert policy.collect_events() == []


@pytest.mark.parametrize("reason", ["", "   "])
def test_retiring_needs_a_reason(reason: str) -> None:
    policy = published_policy()

    with pytest.raises(ValidationError) as raised:
        policy.retire(reason, "policy:carol", at(days=1))

    assert raised.value.field == "reason"
    assert policy.retired is False


def test_republishing_a_retired_policy_revives_it_as_a_new_version() -> None:
    policy = published_policy()
    policy.retire("Paused.", "policy:carol", at(days=1))
    policy.collect_events()

    policy.revise(terms(), "policy:carol", at(days=2))

    events = policy.collect_events()
    assert [type(e) for e in events] == [Policy.Revised]
    assert (policy.policy_version, policy.retired) == (2, False)
    policy.check_allows((ActionType.REMOVE,))


def test_check_allows_accepts_the_actions_the_policy_allows() -> None:
    policy = published_policy()

    policy.check_allows((ActionType.REMOVE, ActionType.LABEL))
    policy.check_allows(())

    assert policy.collect_events() == []


def test_an_action_the_policy_does_not_allow_is_rejected_naming_actions() -> None:
    policy = published_policy()

    with pytest.raises(ValidationError) as raised:
        policy.check_allows((ActionType.REMOVE, ActionType.TERMINATE_ACCOUNT))

    assert raised.value.field == "actions"
    assert "TERMINATE_ACCOUNT" in raised.value.message


def test_publishing_validates_the_terms() -> None:
    with pytest.raises(ValidationError) as raised:
        Policy.publish(DOMAIN, POLICY_KEY, terms(allowed_actions=()), "policy:carol", T0)

    assert raised.value.field == "allowedActions"


@pytest.mark.parametrize(
    ("domain", "key", "field"),
    [
        ("Trust Safety", POLICY_KEY, "domain"),
        ("", POLICY_KEY, "domain"),
        ("1ads", POLICY_KEY, "domain"),
        (DOMAIN, "Spam", "key"),
        (DOMAIN, "spam-links", "key"),
        (DOMAIN, "x" * 41, "key"),
    ],
)
def test_publishing_rejects_malformed_domain_and_key_names(domain: str, key: str, field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Policy.publish(domain, key, terms(), "policy:carol", T0)

    assert raised.value.field == field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"dsa_category": "STATEMENT_CATEGORY_MADE_UP"}, "dsaCategory"),
        ({"dsa_category": "scams_and_fraud"}, "dsaCategory"),
        ({"strike_points": -1}, "strikePoints"),
        ({"strike_points": MAX_STRIKE_POINTS + 1}, "strikePoints"),
        ({"strike_points": 1.5}, "strikePoints"),
        ({"strike_points": "2"}, "strikePoints"),
        ({"allowed_actions": ()}, "allowedActions"),
        ({"allowed_actions": (ActionType.REMOVE, ActionType.LABEL, ActionType.REMOVE)}, "allowedActions"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "t" * 201}, "title"),
        ({"text": ""}, "text"),
        ({"text": "\n\t "}, "text"),
        ({"zero_tolerance": "yes"}, "zeroTolerance"),
    ],
)
def test_terms_validation_rejects_bad_terms_naming_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        terms(**changes).validate()

    assert raised.value.field == field


@pytest.mark.parametrize("points", [0, 1, MAX_STRIKE_POINTS])
def test_terms_validation_accepts_strike_points_from_zero_to_the_maximum(points: int) -> None:
    assert terms(strike_points=points).validate().strike_points == points


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"severity": "EXTREME"}, "severity"),
        ({"dsa_ground": "BAD_VIBES"}, "dsaGround"),
        ({"allowed_actions": ("REMOVE", "SHADOWBAN")}, "allowedActions"),
    ],
)
def test_bad_enum_values_in_terms_raise_a_validation_error_naming_the_field(
    changes: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        terms(**changes)

    assert raised.value.field == field


def test_terms_coerce_strings_to_their_enums() -> None:
    coerced = PolicyTerms(
        title="Spam",
        text="No spam.",
        severity="LOW",  # type: ignore[arg-type]  # the strings under test
        strike_points=1,
        allowed_actions=["REMOVE", "LABEL"],  # type: ignore[arg-type]
        dsa_category="STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
        dsa_ground="ILLEGAL_CONTENT",  # type: ignore[arg-type]
    )

    assert coerced.severity is Severity.LOW
    assert coerced.dsa_ground is DsaGround.ILLEGAL_CONTENT
    assert coerced.allowed_actions == (ActionType.REMOVE, ActionType.LABEL)
    assert all(type(a) is ActionType for a in coerced.allowed_actions)
    assert coerced.zero_tolerance is False
