"""Input types shared by several mutations and queries, and their conversion to domain values."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

import strawberry
from strawberry.types.arguments import InputContext
from strawberry.types.base import get_object_definition

from domain.dsa import AccountType, DsaFacts
from domain.values import Action, ActionType, Content, Subject

T = TypeVar("T", bound=type)

Coerced = Mapping[str, Any]
"""An input value as GraphQL coerced it: keyed by GraphQL field names, nested inputs as mappings, scalars parsed."""


def coerced(cls: T) -> T:
    """A strawberry input its resolvers receive as `Coerced`, not as an object built field by field (strawberry's
    `from_input` hook): for inputs that arrive by the thousand, where building those objects costs more than the
    write. The schema is the class's as declared; resolvers name it with `strawberry.argument(graphql_type=...)`."""
    get_object_definition(cls, strict=True).from_input = _as_coerced
    return cls


def _as_coerced(cls: type, value: Coerced, context: InputContext) -> Coerced:
    return value


@strawberry.input(description="Whatever is enforced upon, named by domain, kind and id.")
class SubjectInput:
    domain: str
    kind: str
    id: str

    def to_domain(self) -> Subject:
        return Subject(domain=self.domain, kind=self.kind, id=self.id)


@strawberry.input(description="Exactly what was judged: where it lives, its hash and its version.")
class ContentInput:
    uri: str
    hash: str
    version: str

    def to_domain(self) -> Content:
        return Content(uri=self.uri, hash=self.hash, version=self.version)


@strawberry.input(description="An enforcement action; no territories means worldwide, no endsAt means indefinite.")
class ActionInput:
    type: ActionType
    territories: list[str] = strawberry.field(default_factory=list)
    ends_at: datetime | None = None

    def to_domain(self) -> Action:
        return Action(type=self.type, territories=tuple(self.territories), ends_at=self.ends_at)


@strawberry.input(
    description="What the decision's DSA statement of reasons needs beyond what the ledger knows; all optional. "
    "Never personal data: the statement is published."
)
class DsaFactsInput:
    account_type: AccountType | None = None
    content_language: str | None = strawberry.field(default=None, description="ISO 639-1, upper case, e.g. DE.")
    content_posted_at: datetime | None = strawberry.field(
        default=None, description="When the content was posted; without it, when the ledger first heard of it."
    )
    content_ean: str | None = strawberry.field(default=None, description="A product's EAN-13.")
    content_type_other: str | None = strawberry.field(
        default=None, description="What the content is, when its content type is OTHER."
    )
    visibility_other: str | None = strawberry.field(default=None, description="What a REJECT_AD action did.")
    monetary_other: str | None = strawberry.field(default=None, description="What a DEMONETIZE action did.")
    illegal_too: bool | None = strawberry.field(
        default=None, description="For content incompatible with the terms: whether it is also illegal."
    )

    def to_domain(self) -> DsaFacts:
        return DsaFacts(
            account_type=self.account_type, content_language=self.content_language,
            content_posted_at=self.content_posted_at, content_ean=self.content_ean,
            content_type_other=self.content_type_other, visibility_other=self.visibility_other,
            monetary_other=self.monetary_other, illegal_too=self.illegal_too,
        )


@strawberry.input(description="Which ledger events to return: every criterion given must hold.")
class EventFilter:
    domains: list[str] | None = strawberry.field(default=None, description="Events in any of these domains.")
    event_types: list[str] | None = strawberry.field(default=None, description="Event types, e.g. Case.Decided.")
    account_id: str | None = strawberry.field(
        default=None,
        description="Events touching the account: its strikes, penalties and appeals, its subjects' detections "
        "and case events.",
    )
    subject: SubjectInput | None = strawberry.field(
        default=None, description="Events touching the subject: its detections, case events and appeals."
    )
    actor: str | None = strawberry.field(default=None, description="Events caused by this principal.")
    from_: datetime | None = strawberry.field(name="from", default=None, description="Occurred at or after.")
    to: datetime | None = strawberry.field(default=None, description="Occurred before.")
