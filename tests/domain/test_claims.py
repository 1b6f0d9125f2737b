"""Claims on a case: one holder at a time, leases that run out on their own, and what ends them."""

from datetime import timedelta

import pytest

from domain.case import Case
from domain.claims import DEFAULT_LEASE, ReleaseReason
from domain.errors import ConflictError, ValidationError
from tests.domain.factories import at, decided, opened_case, published_policy, violating

LEASE = DEFAULT_LEASE


def claimed(case: Case, actor: str = "rita", minutes: float = 0) -> Case:
    case.claim_for("ts_general", "spam", LEASE, actor, at(minutes=minutes))
    case.collect_events()
    return case


def test_a_claim_leases_the_case_to_one_reviewer_for_ten_minutes_by_default() -> None:
    case = opened_case()
    claim = case.claim_for("ts_general", "spam", LEASE, "rita", at())

    [event] = case.collect_events()
    assert isinstance(event, Case.Claimed)
    assert (event.queue, event.policy_key, event.actor, event.expires_at) == ("ts_general", "spam", "rita", at(10))
    assert claim.expires_at == at(minutes=10)
    assert case.holder(at(minutes=9)) == "rita"


def test_a_second_reviewer_cannot_claim_a_held_case() -> None:
    case = claimed(opened_case())

    with pytest.raises(ConflictError, match="already claimed by rita"):
        case.claim_for("ts_general", "spam", LEASE, "sam", at(minutes=5))
    assert case.collect_events() == []


def test_an_expired_lease_needs_no_event_to_end_and_is_recorded_as_expired_when_someone_claims() -> None:
    case = claimed(opened_case())

    assert case.holder(at(minutes=10)) is None
    case.claim_for("ts_general", "spam", LEASE, "sam", at(minutes=11))

    released, taken = case.collect_events()
    assert isinstance(released, Case.Released)
    assert (released.holder, released.reason, released.actor) == ("rita", ReleaseReason.EXPIRED, "sam")
    assert isinstance(taken, Case.Claimed)
    assert case.holder(at(minutes=12)) == "sam"


def test_only_the_holder_renews_and_only_while_the_lease_runs() -> None:
    case = claimed(opened_case())

    with pytest.raises(ConflictError):
        case.renew_claim(LEASE, "sam", at(minutes=5))
    case.renew_claim(LEASE, "rita", at(minutes=8))
    assert case.holder(at(minutes=17)) == "rita"
    with pytest.raises(ConflictError, match="holds no live claim"):
        case.renew_claim(LEASE, "rita", at(minutes=19))


def test_a_lease_must_be_positive_and_at_most_four_hours() -> None:
    case = opened_case()

    for lease in (timedelta(0), timedelta(hours=5)):
        with pytest.raises(ValidationError) as error:
            case.claim_for("ts_general", "spam", lease, "rita", at())
        assert error.value.field == "leaseSeconds"


def test_release_and_skip_end_the_claim_of_its_holder_only() -> None:
    case = claimed(opened_case())

    with pytest.raises(ConflictError):
        case.release(ReleaseReason.RELEASED, "sam", at(minutes=1))
    case.release(ReleaseReason.SKIPPED, "rita", at(minutes=1))

    [event] = case.collect_events()
    assert isinstance(event, Case.Released)
    assert (event.holder, event.reason) == ("rita", ReleaseReason.SKIPPED)
    assert case.claim is None


def test_others_are_refused_while_the_lease_runs_unless_they_may_override() -> None:
    case = claimed(opened_case())

    with pytest.raises(ConflictError, match="claimed by rita"):
        case.check_not_held_by_another("sam", at(minutes=1))
    case.check_not_held_by_another("rita", at(minutes=1))
    case.check_not_held_by_another("admin", at(minutes=1), override=True)
    case.check_not_held_by_another("sam", at(minutes=10))


def test_a_decision_under_the_claimed_policy_ends_the_claim() -> None:
    case = claimed(opened_case())

    decided(case, published_policy(), violating(), "d1", when=at(minutes=4), actor="rita")

    assert case.claim is None


def test_escalation_moves_the_work_with_a_note_and_ends_the_escalators_claim() -> None:
    case = claimed(opened_case())

    case.escalate("spam", "ts_experts", "Looks coordinated; needs a specialist.", "rita", at(minutes=2))

    escalated, released = case.collect_events()
    assert isinstance(escalated, Case.Escalated)
    assert (escalated.queue, escalated.note) == ("ts_experts", "Looks coordinated; needs a specialist.")
    assert isinstance(released, Case.Released)
    assert released.reason == ReleaseReason.ESCALATED
    with pytest.raises(ConflictError):
        claimed(opened_case()).escalate("spam", "ts_experts", "mine now", "sam", at(minutes=2))


def test_notes_and_priorities_are_checked_and_recorded() -> None:
    case = opened_case()

    with pytest.raises(ValidationError):
        case.add_note(None, "  ", "rita", at())
    with pytest.raises(ValidationError) as error:
        case.prioritize("spam", 5000, "urgent", "lead", at())
    assert error.value.field == "priority"
    case.add_note("spam", "Checked the link: phishing.", "rita", at())
    case.prioritize("spam", 10, "Press enquiry", "lead", at())

    note, priority = case.collect_events()
    assert isinstance(note, Case.NoteAdded) and isinstance(priority, Case.Prioritized)
    assert (note.policy_key, note.note) == ("spam", "Checked the link: phishing.")
    assert (priority.priority, priority.reason) == (10, "Press enquiry")
