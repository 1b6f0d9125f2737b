"""How review mutations answer: the read models' view of what they wrote, once caught up with it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from app.graphql.review_types import CaseUpdate, Reporter
from app.graphql.errors import not_yet_consistent
from app.graphql.types import Subject
from app.runtime import Runtime
from app.store import read
from domain.case import Case
from domain.errors import NotFoundError
from domain.values import Subject as DomainSubject
from projections.case_status.queries import find_case
from projections.reports.queries import find_reporter

R = TypeVar("R")


def view_after(runtime: Runtime, position: int, query: Callable[..., R | None], *args: Any) -> R:
    """A read-model row, once the read models have reached `position`."""
    timeout = runtime.settings.consistency_timeout
    runtime.projector.wait_for(position, timeout)
    row = read(runtime.store, query, *args)
    if row is None:
        raise not_yet_consistent(position, timeout)
    return row


def reporter_view(runtime: Runtime, reporter_id: str, position: int) -> Reporter:
    row = view_after(runtime, position, find_reporter, reporter_id)
    return Reporter.of_row(row, runtime.ledger.clock(), position)


def case_update(case: Case, position: int) -> CaseUpdate:
    return CaseUpdate(case_id=str(case.id), subject=Subject.of(case.subject), position=str(position))  # type: ignore[arg-type]


def known_case(runtime: Runtime, subject: DomainSubject) -> None:
    """Refuses a subject the read models know no case of, once they hold everything written so far."""
    if runtime.read_current(find_case, subject.validate()) is None:
        raise NotFoundError(f"no case for {subject.key}")
