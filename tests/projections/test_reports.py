"""The reports read model: each report's lifecycle and each reporter's record."""

import pytest

from app.read.store import ReadStore
from domain.report import Notice, Report
from domain.reporter import Reporter
from domain.values import Subject
from projections.reports.projection import ReportsProjection
from projections.reports.queries import find_report, find_reporter
from tests.domain.factories import DOMAIN, at
from tests.projections.feed import Feed


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
