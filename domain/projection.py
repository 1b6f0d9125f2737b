"""Projection: a read model as operators steered it past ledger events it could not apply, each skip on the record."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from domain.base import DocketAggregate, natural_id
from domain.errors import ValidationError
from domain.values import check_identifier, check_text


class Projection(DocketAggregate):
    """One read model's skipped events: where each was, what it was, what applying it raised, who skipped it and why.

    Skipping changes no event: the read model moves past one it cannot apply, and auditors see that it did.
    """

    if TYPE_CHECKING:
        read_model: str
        skipped: set[int]

    @staticmethod
    def create_id(read_model: str) -> UUID:
        return natural_id("projection", read_model)

    class Registered(DocketAggregate.Created):
        read_model: str

        def apply(self, projection: Projection) -> None:
            projection.read_model = self.read_model
            projection.skipped = set()  # the positions skipped so far

    class EventSkipped(DocketAggregate.Event):
        read_model: str
        position: int
        event_type: str
        error: str
        reason: str

        def apply(self, projection: Projection) -> None:
            projection.skipped.add(self.position)

    @classmethod
    def register(cls, read_model: str, actor: str, at: datetime) -> Projection:
        check_identifier(read_model, "readModel")
        return cls._start(cls.Registered, cls.create_id(read_model), actor, at, read_model=read_model)

    def skip_event(self, position: int, event_type: str, error: str, reason: str, actor: str, at: datetime) -> None:
        """Records that the read model moves past the event at `position` without applying it; skipping the same
        position again records nothing."""
        if isinstance(position, bool) or not isinstance(position, int) or position < 1:
            raise ValidationError("position must be a ledger position: 1 or more", "position")
        check_text(reason, "reason")
        if position in self.skipped:
            return
        self._record(self.EventSkipped, actor, at, read_model=self.read_model, position=position,
                     event_type=event_type, error=error, reason=reason)
