"""Output types every feature shares: subjects, content, actions, and a page's info."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.values import Action as DomainAction
from domain.values import (
    ActionType,
)
from domain.values import Content as DomainContent
from domain.values import Subject as DomainSubject


@strawberry.type
class Subject:
    domain: str
    kind: str
    id: str

    @classmethod
    def of(cls, subject: DomainSubject) -> Subject:
        return cls(domain=subject.domain, kind=subject.kind, id=subject.id)


@strawberry.type(description="The content a detection or decision pinned: what was judged.")
class Content:
    uri: str
    hash: str
    version: str

    @classmethod
    def of(cls, content: DomainContent | None) -> Content | None:
        return None if content is None else cls(uri=content.uri, hash=content.hash, version=content.version)


@strawberry.type
class Action:
    type: ActionType
    territories: list[str]
    ends_at: datetime | None

    @classmethod
    def of(cls, action: DomainAction) -> Action:
        return cls(type=action.type, territories=list(action.territories), ends_at=action.ends_at)


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None
