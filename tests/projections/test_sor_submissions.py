"""The submissions read model: each statement's submission as its events leave it."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest

from app.read.store import ReadStore
from domain.submission import StatementSubmission
from projections.sor_submissions.projection import SorSubmissionsProjection
from projections.sql import Sql
from tests.domain.factories import T0, at
from tests.projections.feed import Feed

ACTOR = "service:docket-submit-sor"


@pytest.fixture
def feed(store: ReadStore) -> Feed:
    return Feed(store, SorSubmissionsProjection())


def rows(sql: Sql) -> dict[str, tuple[Any, ...]]:
    sql.execute("SELECT puid, status, requests, database_uuid, reason, submitted_at IS NOT NULL, position "
                "FROM sor_submissions")
    return {r[0]: (*r[1:5], bool(r[5]), r[6]) for r in sql.fetchall()}


def sent(n: int, request: UUID) -> StatementSubmission:
    return StatementSubmission.send(f"docket-{n}", UUID(int=n), "trust_safety", request, ACTOR, T0)


def test_a_statement_sent_shows_sending_until_the_database_s_answer(feed: Feed) -> None:
    request = uuid4()
    first, second = sent(1, request), sent(2, request)
    position = feed.save(first, second)
    assert feed.read(rows) == {
        "docket-1": ("SENDING", 1, None, None, False, position - 1),
        "docket-2": ("SENDING", 1, None, None, False, position),
    }

    first.accepted(request, "db-1", ACTOR, at(1))
    second.rejected(request, "decision_facts: too vague", ACTOR, at(1))
    answered = feed.save(first, second)

    assert feed.read(rows) == {
        "docket-1": ("SUBMITTED", 1, "db-1", None, True, answered - 1),
        "docket-2": ("REJECTED", 1, None, "decision_facts: too vague", False, answered),
    }


def test_a_failure_sent_again_and_found_stored_counts_its_requests_in_one_batch(feed: Feed) -> None:
    first = uuid4()
    submission = sent(1, first)
    submission.failed(first, "HTTP 500", ACTOR, at(1))
    submission.resend(uuid4(), ACTOR, at(2))
    assert feed.read(rows) == {}
    submission.found_stored(None, ACTOR, at(3))

    position = feed.save(submission)

    assert feed.read(rows) == {"docket-1": ("SUBMITTED", 2, None, None, True, position)}
