"""Blast radius: a rule's shadow verdicts replayed as AUTO through its caps and the domain's ladder, split by what
the humans who decided the same cases did."""

from datetime import timedelta
from uuid import UUID

from domain.automation import Caps
from domain.automation_impact import AccountRecord, Impact, ShadowVerdict, Split, replay_impact
from domain.base import natural_id
from domain.ladder import Ladder, Rung
from domain.levels import PenaltyKind, StandingLevel
from domain.model_verdict import FailedClassification, ModelVerdict
from domain.standing import Strike
from domain.values import ActionType
from tests.domain.factories import at, automatable_policy, settings

LADDER = Ladder(
    "trust_safety", timedelta(days=365), timedelta(days=180),
    (Rung(1, StandingLevel.WARNED), Rung(2, StandingLevel.RESTRICTED, PenaltyKind.FEATURE_LIMIT, timedelta(days=7)),
     Rung(3, StandingLevel.SUSPENDED, PenaltyKind.SUSPENSION, timedelta(days=30))),
)
SURE = ModelVerdict(True, "spam", ("SP1",), 0.97, "A link farm.")
UNSURE = ModelVerdict(True, "spam", ("SP1",), 0.6, "Maybe.")
SAFE = ModelVerdict(False, "none", (), 0.9, "A recipe.")


def verdict(name: str, account: str | None, classification: ModelVerdict | FailedClassification = SURE,
            human: bool | None = True, minutes: float = 0) -> ShadowVerdict:
    return ShadowVerdict(name, natural_id("case", name), account, classification, at(minutes=minutes), human)


def impact(*verdicts: ShadowVerdict, caps: Caps | None = None,
           records: dict[str, AccountRecord] | None = None) -> Impact:
    rule = settings(caps=caps or Caps(per_account_per_hour=10, per_day=100))
    return replay_impact(rule, automatable_policy(), LADDER, verdicts, records or {})


def test_confident_violations_are_decided_with_their_actions_and_strikes_split_by_human_agreement() -> None:
    found = impact(verdict("a", "acct-1", human=True), verdict("b", "acct-2", human=False),
                   verdict("c", "acct-3", human=None), verdict("d", "acct-4", SAFE, human=False))

    assert (found.verdicts, found.violations) == (4, 3)
    assert found.decisions == Split(agreed=1, disagreed=1, unreviewed=1)
    assert found.actions == {ActionType.REMOVE: Split(1, 1, 1)}
    assert (found.strikes, found.strike_points) == (Split(1, 1, 1), 3)
    assert found.standing == {StandingLevel.WARNED: Split(1, 1, 1)}
    assert found.queued == Split()


def test_unsure_and_failed_verdicts_would_have_gone_to_a_human() -> None:
    found = impact(verdict("a", "acct-1", UNSURE), verdict("b", "acct-1", FailedClassification("timeout"), False))

    assert found.decisions == Split()
    assert found.queued == Split(agreed=1, disagreed=1)
    assert found.standing == {}


def test_repeated_strikes_climb_the_ladder_and_the_decision_that_climbed_last_is_credited() -> None:
    found = impact(verdict("a", "acct-1", human=True, minutes=1), verdict("b", "acct-1", human=True, minutes=2),
                   verdict("c", "acct-1", human=False, minutes=3))

    assert found.strikes == Split(agreed=2, disagreed=1)
    assert found.standing == {StandingLevel.SUSPENDED: Split(disagreed=1)}


def test_an_account_starts_from_the_strikes_it_had_when_the_period_began() -> None:
    earlier = Strike(UUID(int=1), "trust_safety", "spam", 1, 1, UUID(int=2), UUID(int=3), at(days=-10),
                     at(days=355))

    found = impact(verdict("a", "acct-1"), records={"acct-1": AccountRecord((earlier,))})

    assert found.standing == {StandingLevel.RESTRICTED: Split(agreed=1)}


def test_one_case_counts_one_strike_and_no_account_counts_none() -> None:
    twice = [verdict("a", "acct-1", minutes=1), verdict("a", "acct-1", minutes=2)]
    found = impact(*twice, verdict("b", None))

    assert found.decisions.total == 3
    assert (found.strikes.total, found.standing) == (1, {StandingLevel.WARNED: Split(agreed=1)})


def test_past_a_cap_the_decision_would_have_gone_to_a_human() -> None:
    found = impact(*(verdict(f"p{n}", "acct-1", minutes=n) for n in range(3)), verdict("q", "acct-2", minutes=5),
                   caps=Caps(per_account_per_hour=2, per_day=3))

    assert found.decisions.total == 3
    assert found.capped == found.queued == Split(agreed=1)


def test_no_verdicts_have_no_impact() -> None:
    assert impact() == Impact(0, 0, Split(), Split(), Split(), {}, Split(), 0, {})
