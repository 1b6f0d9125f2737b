"""Reporter: whoever submits notices; an operator may warn, then suspend one whose notices are manifestly unfounded."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from domain.base import DocketAggregate, natural_id
from domain.errors import ConflictError, ValidationError
from domain.values import check_identifier, check_text, check_time


class Reporter(DocketAggregate):
    """DSA Art. 23: a suspension of a reporter's notices follows a prior warning, lasts a set time and gives reasons."""

    if TYPE_CHECKING:
        reporter_id: str
        warned: bool
        suspended_until: datetime | None
        warnings: int
        last_warned_at: datetime | None
        last_warning: str | None
        suspended_at: datetime | None
        suspension: str | None

    @staticmethod
    def create_id(reporter_id: str) -> UUID:
        return natural_id("reporter", reporter_id)

    class Registered(DocketAggregate.Created):
        reporter_id: str

        def apply(self, reporter: Reporter) -> None:
            reporter.reporter_id = self.reporter_id
            reporter.warned = False
            reporter.warnings = 0
            reporter.last_warned_at = None
            reporter.last_warning = None
            reporter.suspended_at = None
            reporter.suspended_until = None
            reporter.suspension = None

    class Warned(DocketAggregate.Event):
        reason: str

        def apply(self, reporter: Reporter) -> None:
            reporter.warned = True
            reporter.warnings += 1
            reporter.last_warned_at = self.occurred_at
            reporter.last_warning = self.reason

    class Suspended(DocketAggregate.Event):
        reason: str
        until: datetime

        def apply(self, reporter: Reporter) -> None:
            reporter.suspended_at = self.occurred_at
            reporter.suspended_until = self.until
            reporter.suspension = self.reason

    @classmethod
    def register(cls, reporter_id: str, actor: str, at: datetime) -> Reporter:
        check_identifier(reporter_id, "reporterId")
        return cls._start(cls.Registered, cls.create_id(reporter_id), actor, at, reporter_id=reporter_id)

    def warn(self, reason: str, actor: str, at: datetime) -> None:
        """Warns that notices found manifestly unfounded may lead to a suspension."""
        check_text(reason, "reason")
        self._record(self.Warned, actor, at, reason=reason)

    def suspend(self, reason: str, until: datetime, actor: str, at: datetime) -> None:
        """Suspends the processing of the reporter's notices until `until`."""
        check_text(reason, "reason")
        until = check_time(until, "until")
        if until <= at:
            raise ValidationError("until must be in the future", "until")
        if not self.warned:
            raise ConflictError(f"reporter {self.reporter_id!r} must be warned before being suspended")
        if self.suspended(at):
            raise ConflictError(f"reporter {self.reporter_id!r} is already suspended until {self.suspended_until}")
        self._record(self.Suspended, actor, at, reason=reason, until=until)

    def suspended(self, at: datetime) -> bool:
        return self.suspended_until is not None and at < self.suspended_until

    def check_may_report(self, at: datetime) -> None:
        if self.suspended_until is not None and self.suspended(at):
            raise ConflictError(
                f"the processing of notices from reporter {self.reporter_id!r} is suspended until "
                f"{self.suspended_until.isoformat()}"
            )
