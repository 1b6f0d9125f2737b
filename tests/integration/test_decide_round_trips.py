"""A decision on PostgreSQL reads all it needs in one statement before its write, as a lone detection does: its
policy, the detections it cites (and the key that opens their evidence), the case and the account, even in a process
that holds none of them; the write is one statement more."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing

import pytest

from app.config.settings import Settings
from app.runtime.wiring import Runtime, open_runtime
from domain.case import Verdict
from domain.values import Action, ActionType, Outcome, Subject
from tests.integration.test_erasure_on_postgres import facts, query
from tests.support import MovableClock

pytestmark = pytest.mark.postgres

SUBJECT = Subject("trust_safety", "pin", "pin-1")


@pytest.fixture
def database_url(postgres_url: str) -> str:
    """The conftest's runtime, on PostgreSQL alone."""
    return postgres_url


@pytest.fixture
def cold(postgres_url: str, clock: MovableClock) -> Iterator[Runtime]:
    """A second process on the same ledger, holding no aggregate and no key."""
    with closing(open_runtime(Settings(database_url=postgres_url), clock=clock)) as opened:
        yield opened


def _violating(key: str) -> Verdict:
    return Verdict(Outcome.VIOLATING, (Action(ActionType.DEMOTE),), "spam", idempotency_key=key)


def test_a_decision_in_a_cold_process_reads_in_one_statement_and_writes_in_one_more(
    runtime: Runtime, cold: Runtime, sent: list[str], postgres_url: str
) -> None:
    detection = runtime.ledger.record_detection(facts(runtime, 1), "pipeline").detection  # evidence sealed
    first = runtime.ledger.decide(SUBJECT, "spam", _violating("k-1"), [detection.id], "acct-1", "reviewer")
    sent.clear()

    # A re-decision: it supersedes a person's decision, which no rule made and so no QA sample can hold.
    made = cold.ledger.decide(SUBJECT, "spam", _violating("k-2"), [detection.id], "acct-1", "lead")

    assert len(sent) == 2 and "docket_insert_events" in sent[1]
    assert made.created and made.decision.supersedes == first.decision.decision_id
    assert made.strike is not None and made.strike == first.strike  # one case never counts twice
    assert query(postgres_url, "SELECT max(notification_id) FROM docket_events") == [(made.position,)]
    assert cold.ledger.aggregate(detection.id).facts.evidence == {"email": "person1@example.test"}  # type: ignore[attr-defined]


def test_a_retried_decision_reads_in_one_statement_and_answers_the_first_writing_nothing(
    runtime: Runtime, cold: Runtime, sent: list[str], postgres_url: str
) -> None:
    detection = runtime.ledger.record_detection(facts(runtime, 1), "pipeline").detection
    first = runtime.ledger.decide(SUBJECT, "spam", _violating("k-1"), [detection.id], "acct-1", "reviewer")
    sent.clear()

    again = cold.ledger.decide(SUBJECT, "spam", _violating("k-1"), [detection.id], "acct-1", "reviewer")

    assert len(sent) == 2 and "docket_insert_events" not in " ".join(sent)  # the load, then the head's position
    assert (again.created, again.decision, again.strike) == (False, first.decision, first.strike)
    assert again.position == first.position


def test_a_decision_naming_no_account_reads_the_subjects_account_in_one_statement_more(
    runtime: Runtime, cold: Runtime, sent: list[str]
) -> None:
    runtime.ledger.record_detection(facts(runtime, 1), "pipeline")
    sent.clear()

    made = cold.ledger.decide(SUBJECT, "spam", _violating("k-1"), [], None, "reviewer")

    assert len(sent) == 3 and "docket_insert_events" in sent[2]  # the subject's index names the account
    assert made.case.account_id == "acct-1" and made.strike is not None
