"""The reports read model: each report's lifecycle and each reporter's record."""

from datetime import timedelta

import pytest

from app.read.store import ReadStore
from domain.base import natural_id
from domain.case import Case
from domain.claims import ReleaseReason
from domain.report import Notice, Report, ReporterKind
from domain.reporter import Reporter
from domain.values import Outcome, Subject
from projections.reports.projection import ReportsProjection
from projections.reports.queries import find_report, find_reporter
from tests.domain.factories import DOMAIN, at
from tests.projections.feed import Feed
from tests.projections.statements import statements_of_one_and_many


@pytest.fixture
def feed(store: ReadStore) -> Feed:
    return Feed(store, ReportsProjection())


def test_a_report_opens_with_what_its_reporter_said(feed: Feed) -> None:
    subject = Subject(DOMAIN, "pin", "pin-1")
    notice = Notice(subject, "acct-1", "flagger-1", "TRUSTED_FLAGGER", "spam", "Scam.")  # type: ignore[arg-type]
    report = Report.submit(notice, "k-1", "svc:intake", at())
    position = feed.save(report)

    row = feed.read(find_report, str(report.id))
    assert row is not None
    assert (row.status, row.reporter_kind, row.text, row.position, row.outcome) == (
        "OPEN", "TRUSTED_FLAGGER", "Scam.", position, None
    )
    stats = feed.read(find_reporter, "flagger-1")
    assert stats is not None
    assert (stats.kind, stats.reports, stats.closed, stats.upheld_rate) == ("TRUSTED_FLAGGER", 1, 0, None)


def test_warnings_and_a_suspension_are_kept_with_their_reasons(feed: Feed) -> None:
    reporter = Reporter.register("user-9", "trust:olga", at())
    reporter.warn("Unfounded notices on satire", "trust:olga", at())
    reporter.warn("Again", "trust:olga", at(days=1))
    reporter.suspend("Manifestly unfounded after two warnings", at(days=31), "trust:olga", at(days=1))
    feed.save(reporter)

    stats = feed.read(find_reporter, "user-9")
    assert stats is not None
    assert (stats.reports, stats.warnings, stats.last_warning, stats.last_warned_at) == (0, 2, "Again", at(days=1))
    assert (stats.suspended_until, stats.suspension) == (at(days=31), "Manifestly unfounded after two warnings")


def _report_work(reporters: range) -> list[object]:
    """Each reporter's report put IN_REVIEW by a claim, a second report arriving under it, the claim renewed and
    released, the first report closed, and the reporter registered, warned and suspended."""
    events: list[object] = []
    for i in reporters:
        subject, reporter_id = Subject(DOMAIN, "pin", f"pin-{i}"), f"user-{i}"
        notice = Notice(subject, "acct-1", reporter_id, ReporterKind.USER, "spam", "Scam.")
        first = Report.submit(notice, "k-1", "svc:intake", at())
        case = Case.open(subject, "acct-1", "svc:intake", at())
        case.claim_for("general", "spam", timedelta(minutes=10), "reviewer:alice", at(minutes=1))
        events += [*first.collect_events(), *case.collect_events()]
        events += Report.submit(notice, "k-2", "svc:intake", at(minutes=2)).collect_events()
        case.renew_claim(timedelta(minutes=10), "reviewer:alice", at(minutes=3))
        case.release(ReleaseReason.RELEASED, "reviewer:alice", at(minutes=4))
        first.close(Outcome.VIOLATING, natural_id("d", str(i)), "reviewer:alice", at(minutes=5))
        reporter = Reporter.register(reporter_id, "trust:olga", at(minutes=6))
        reporter.warn("Unfounded notices", "trust:olga", at(minutes=6))
        reporter.suspend("Still unfounded", at(days=30), "trust:olga", at(minutes=7))
        events += [*case.collect_events(), *first.collect_events(), *reporter.collect_events()]
    return events


def test_a_batch_costs_the_same_statements_however_many_reports_it_changes(store: ReadStore) -> None:
    one, many = statements_of_one_and_many(store, ReportsProjection(), _report_work)

    assert one == many
