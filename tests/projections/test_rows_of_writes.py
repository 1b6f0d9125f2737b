"""The rows a command builds from the aggregates it wrote are the rows the read models keep of them."""

from dataclasses import replace
from datetime import timedelta

import pytest

from app.read.store import ReadStore
from domain.account import Account
from domain.appeal import Appeal, AppealOutcome
from domain.base import natural_id
from domain.batch import Batch, BatchSubject, SubjectResult, SubjectStatus
from domain.case import Case
from domain.claims import DEFAULT_LEASE
from domain.ladder import default_ladder
from domain.policy import Policy
from domain.queue import Queue
from domain.report import Notice, Report
from domain.reporter import Reporter
from domain.values import Outcome, Subject
from projections.account_standing.projection import AccountStandingProjection
from projections.appeals.projection import AppealsProjection
from projections.appeals.queries import find_appeal
from projections.appeals.rows import appeal_row
from projections.batch_progress.projection import BatchProgressProjection
from projections.batch_progress.queries import find_batch
from projections.batch_progress.rows import batch_row
from projections.case_status.projection import CaseStatusProjection
from projections.case_status.queries import find_decision
from projections.case_status.rows import decision_row
from projections.policy_catalog.projection import PolicyCatalogProjection
from projections.policy_catalog.queries import list_policies
from projections.policy_catalog.rows import policy_row
from projections.reports.projection import ReportsProjection
from projections.reports.queries import find_report, find_reporter
from projections.reports.rows import report_row, reporter_row
from projections.review_queue.projection import ReviewQueueProjection
from projections.review_queue.queues import case_claims, find_queue
from projections.review_queue.rows import claim_row, queue_row
from tests.domain.factories import (
    ACCOUNT,
    DOMAIN,
    SUBJECT,
    at,
    decision_id,
    not_violating,
    terms,
    violating,
)
from tests.projections.feed import Feed

ALICE, BO = "reviewer:alice", "reviewer:bo"


@pytest.fixture
def feed(store: ReadStore) -> Feed:
    return Feed(
        store, PolicyCatalogProjection(), CaseStatusProjection(), AccountStandingProjection(), AppealsProjection(),
        ReviewQueueProjection(), ReportsProjection(), BatchProgressProjection(),
    )


def test_a_policy_row_follows_its_revisions_and_retirement(feed: Feed) -> None:
    policy = Policy.publish(DOMAIN, "spam", terms(), "policy:carol", at())
    feed.save(policy)
    policy.revise(terms(strike_points=2), "policy:dan", at(minutes=1))
    policy.retire("folded into scams", "policy:dan", at(minutes=2))
    feed.save(policy)

    assert [policy_row(policy)] == feed.read(list_policies, DOMAIN)


def test_decision_rows_show_accounts_successors_reversals_and_strikes_as_the_read_model_does(feed: Feed) -> None:
    policy = Policy.publish(DOMAIN, "spam", terms(), "policy:carol", at())
    feed.save(policy)
    case = Case.open(SUBJECT, None, ALICE, at())
    cleared = case.decide(decision_id("1"), policy, not_violating(), [], None, ALICE, at(minutes=1))
    feed.save(case)
    account = Account.register(ACCOUNT, BO, at(minutes=2))
    for name, minutes in (("2", 2), ("3", 3)):
        struck = case.decide(decision_id(name), policy, violating(), [], ACCOUNT, BO, at(minutes=minutes))
        account.apply_decision(case.id, struck, policy, default_ladder(DOMAIN), BO, at(minutes=minutes))
        feed.save(case, account)
    case.reverse_actions(decision_id("3"), "wrong call", ALICE, at(minutes=4))
    again = case.decide(decision_id("4"), policy, not_violating(), [], None, ALICE, at(minutes=5))
    feed.save(case)

    for decision in (cleared.decision_id, decision_id("2"), decision_id("3"), again.decision_id):
        strike = account.strike_of(case, decision)
        kept = feed.read(find_decision, str(decision))
        assert kept is not None
        assert decision_row(case, decision, None if strike is None else strike.strike_id, kept.position) == kept
    rows = [feed.read(find_decision, str(decision_id(n))) for n in "1234"]
    counted = [None if row is None else row.strike_id for row in rows]
    assert counted[0] is None and counted[1] == counted[2] is not None and counted[3] is None


def test_report_rows_are_in_review_once_their_policy_is_claimed_and_closed_by_its_decision(feed: Feed) -> None:
    policy = Policy.publish(DOMAIN, "spam", terms(), "policy:carol", at())
    feed.save(policy, Policy.publish(DOMAIN, "scam", terms(), "policy:carol", at()))
    case = Case.open(SUBJECT, ACCOUNT, "svc:intake", at())

    def submitted(key: str, policy_key: str, minutes: float) -> Report:
        notice = Notice(SUBJECT, ACCOUNT, f"user-{key}", "USER", policy_key, "Scam.")  # type: ignore[arg-type]
        report = Report.submit(notice, key, "svc:intake", at(minutes=minutes))
        case.receive_report(report.id, policy_key, "svc:intake", at(minutes=minutes))
        feed.save(report, case)
        return report

    def agree(*reports: Report) -> None:
        for report in reports:
            kept = feed.read(find_report, str(report.id))
            assert kept is not None
            assert report_row(report, report.id in case.in_review, kept.position) == kept

    early = submitted("1", "spam", 0)
    case.claim_for("general", "spam", DEFAULT_LEASE, ALICE, at(minutes=1))
    feed.save(case)
    late, elsewhere = submitted("2", "spam", 2), submitted("3", "scam", 2)
    agree(early, late, elsewhere)
    decision = case.decide(decision_id("1"), policy, violating(), [], ACCOUNT, ALICE, at(minutes=3))
    for report in (early, late):
        report.close(Outcome.VIOLATING, decision.decision_id, ALICE, at(minutes=3))
    feed.save(case, early, late)

    agree(early, late, elsewhere)
    rows = [feed.read(find_report, str(r.id)) for r in (early, late, elsewhere)]
    assert [None if row is None else row.status for row in rows] == ["CLOSED", "CLOSED", "OPEN"]


def test_a_reporter_row_takes_warnings_from_the_ledger_over_counts_the_read_model_had_before(feed: Feed) -> None:
    notice = Notice(SUBJECT, ACCOUNT, "user-9", "USER", "spam", "Scam.")  # type: ignore[arg-type]
    feed.save(Policy.publish(DOMAIN, "spam", terms(), "policy:carol", at()))
    feed.save(Report.submit(notice, "k-1", "svc:intake", at()))
    counted = feed.read(find_reporter, "user-9")
    reporter = Reporter.register("user-9", "trust:olga", at(minutes=1))
    reporter.warn("Unfounded notices", "trust:olga", at(minutes=1))
    reporter.suspend("After a warning", at(days=30), "trust:olga", at(minutes=2))
    feed.save(reporter)

    assert reporter_row(reporter, counted) == feed.read(find_reporter, "user-9")


def test_claim_and_queue_rows_follow_renewals_and_updates(feed: Feed) -> None:
    queue = Queue.create("general", DOMAIN, "Everyday review", "ops:lee", at())
    feed.save(queue)
    queue.update(DOMAIN, "Everything else", "ops:lee", at(minutes=1))
    updated = feed.save(queue)
    case = Case.open(SUBJECT, ACCOUNT, ALICE, at())
    case.claim_for("general", "spam", DEFAULT_LEASE, ALICE, at(minutes=1))
    case.renew_claim(timedelta(minutes=30), ALICE, at(minutes=5))
    feed.save(case)

    assert {str(case.id): claim_row(case)} == feed.read(case_claims, [str(case.id)])
    assert queue_row(queue, updated) == feed.read(find_queue, "general")


def test_an_appeal_row_follows_its_resolution_all_but_the_position_of_its_filing(feed: Feed) -> None:
    policy = Policy.publish(DOMAIN, "spam", terms(), "policy:carol", at())
    case = Case.open(SUBJECT, ACCOUNT, ALICE, at())
    decision = case.decide(decision_id("1"), policy, violating(), [], ACCOUNT, ALICE, at(minutes=1))
    feed.save(policy, case)
    appeal = Appeal.file(case, decision.decision_id, "Please look again.", timedelta(days=180), None, "user:x",
                         at(minutes=2))
    filed = feed.save(appeal)
    assert appeal_row(appeal, filed) == feed.read(find_appeal, str(appeal.id))
    appeal.resolve(AppealOutcome.OVERTURN, "It was satire.", BO, at(minutes=3))
    resolved = feed.save(appeal)

    kept = feed.read(find_appeal, str(appeal.id))
    assert kept is not None
    assert appeal_row(appeal, resolved) == replace(kept, filed_position=resolved)


def test_a_batch_row_follows_its_chunks_and_its_reversal(feed: Feed) -> None:
    order = [BatchSubject(Subject(DOMAIN, "pin", f"pin-{i}"), f"acct-{i}") for i in range(3)]
    batch = Batch.start(natural_id("test-batch", "1"), Policy.publish(DOMAIN, "spam", terms(), "policy:carol", at()),
                        violating(), order, None, ALICE, at())
    results = [SubjectResult(0, SubjectStatus.DECIDED, natural_id("d", "0")),
               SubjectResult(1, SubjectStatus.SKIPPED, reason="already VIOLATING"),
               SubjectResult(2, SubjectStatus.DECIDED, natural_id("d", "2"))]
    batch.record_decided(results, ALICE, at(minutes=1))
    feed.save(batch)
    batch.start_reversal("misfire", BO, at(minutes=5))
    batch.record_reversed([replace(results[0], status=SubjectStatus.REVERSED),
                           replace(results[2], status=SubjectStatus.KEPT, reason="no longer live")], BO, at(minutes=6))
    position = feed.save(batch)

    assert batch_row(batch, position) == feed.read(find_batch, str(batch.id))
