"""A statement's submission: sent, answered once per request, never sent again once the database has it."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from domain.errors import ConflictError, ValidationError
from domain.submission import StatementSubmission, SubmissionStatus
from tests.domain.factories import T0, at

DECISION = UUID("00000000-0000-0000-0000-000000000001")
ACTOR = "service:docket-submit-sor"


def sent(request: UUID | None = None) -> StatementSubmission:
    return StatementSubmission.send("docket-1", DECISION, "trust_safety", request or uuid4(), ACTOR, T0)


def test_a_statement_sent_awaits_its_answer_under_an_id_its_puid_fixes() -> None:
    submission = sent()
    assert submission.id == StatementSubmission.create_id("docket-1")
    assert (submission.status, submission.requests, submission.decision_id) == (
        SubmissionStatus.SENDING, 1, DECISION)


def test_an_acceptance_records_the_database_s_uuid_once_and_a_retried_recording_records_nothing() -> None:
    request = uuid4()
    submission = sent(request)
    assert submission.accepted(request, "db-uuid", ACTOR, at(1))
    assert not submission.accepted(request, "db-uuid", ACTOR, at(2))
    assert not submission.found_stored(None, ACTOR, at(2))
    assert (submission.status, submission.database_uuid, submission.submitted_at) == (
        SubmissionStatus.SUBMITTED, "db-uuid", at(1))
    assert [type(e).__name__ for e in submission.collect_events()] == ["Sent", "Accepted"]


def test_a_statement_the_database_has_is_never_sent_again() -> None:
    submission = sent()
    submission.found_stored(None, ACTOR, at(1))
    with pytest.raises(ConflictError):
        submission.resend(uuid4(), ACTOR, at(2))


def test_a_failure_leaves_it_to_send_again_and_a_rejection_keeps_the_reason() -> None:
    first, second = uuid4(), uuid4()
    submission = sent(first)
    assert submission.failed(first, "HTTP 500", ACTOR, at(1))
    assert submission.status is SubmissionStatus.PENDING
    submission.resend(second, ACTOR, at(2))
    assert submission.rejected(second, "decision_facts: too long", ACTOR, at(3))
    assert (submission.status, submission.reason, submission.requests) == (
        SubmissionStatus.REJECTED, "decision_facts: too long", 2)
    assert not submission.failed(second, "late answer", ACTOR, at(4))


def test_a_puid_and_a_reason_must_be_readable() -> None:
    with pytest.raises(ValidationError):
        StatementSubmission.send("two words", DECISION, "ads", uuid4(), ACTOR, T0)
    request = uuid4()
    with pytest.raises(ValidationError):
        sent(request).rejected(request, " ", ACTOR, at(1))
