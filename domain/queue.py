"""Queue: where reviewers take work from, named once and described by its domain."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from domain.base import DocketAggregate, natural_id
from domain.values import check_name, check_text

MAX_DESCRIPTION = 2_000


class Queue(DocketAggregate):
    """A named review queue; what lands in it is the routing table's business."""

    if TYPE_CHECKING:
        name: str
        domain: str
        description: str
        created_at: datetime
        created_by: str

    @staticmethod
    def create_id(name: str) -> UUID:
        return natural_id("queue", name)

    class Created(DocketAggregate.Created):
        name: str
        domain: str
        description: str

        def apply(self, queue: Queue) -> None:
            queue.name = self.name
            queue.domain = self.domain
            queue.description = self.description
            queue.created_at = self.occurred_at
            queue.created_by = self.actor

    class Updated(DocketAggregate.Event):
        name: str
        domain: str
        description: str

        def apply(self, queue: Queue) -> None:
            queue.domain = self.domain
            queue.description = self.description

    @classmethod
    def create(cls, name: str, domain: str, description: str, actor: str, at: datetime) -> Queue:
        check_name(name, "name")
        check_name(domain, "domain")
        check_text(description, "description", MAX_DESCRIPTION)
        return cls._start(
            cls.Created, cls.create_id(name), actor, at, name=name, domain=domain, description=description
        )

    def update(self, domain: str, description: str, actor: str, at: datetime) -> None:
        """Changes the domain and description; the same values again change nothing."""
        check_name(domain, "domain")
        check_text(description, "description", MAX_DESCRIPTION)
        if (domain, description) != (self.domain, self.description):
            self._record(self.Updated, actor, at, name=self.name, domain=domain, description=description)
