"""Domain scopes for writes: what lies outside the caller's domains answers as if it did not exist."""

from __future__ import annotations

from collections.abc import Sequence

from app.auth.tokens import Principal
from app.graphql.core.errors import NotFoundError
from app.runtime.wiring import Runtime
from domain import errors
from domain.errors import no_such_case, no_such_policy, no_such_queue
from domain.queue import Queue
from domain.values import Subject


def unseen_policies(
    principal: Principal, named: Sequence[tuple[str, str]], field: str = "inputs"
) -> NotFoundError | None:
    """The NotFoundError for the first (domain, policy) outside the caller's view; in a batch, named by index."""
    for index, (domain, key) in enumerate(named):
        if not principal.sees(domain):
            failure = hidden(no_such_policy(domain, key))
            if len(named) > 1:
                failure.message = f"{field}[{index}]: {failure.message}"
            return failure
    return None


def unseen_case(principal: Principal, subject: Subject) -> NotFoundError | None:
    return None if principal.sees(subject.domain) else hidden(no_such_case(subject.key))


def unseen_queue(runtime: Runtime, principal: Principal, name: str) -> NotFoundError | None:
    """A queue of another domain answers as a queue that does not exist (blocking: call off the event loop)."""
    if principal.scope is None:
        return None
    queue = runtime.ledger.aggregate(Queue.create_id(name))
    return None if not isinstance(queue, Queue) or principal.sees(queue.domain) else hidden(no_such_queue(name))


def hidden(error: errors.NotFoundError) -> NotFoundError:
    """The union member a client gets for a record it may not see: the words of one that does not exist."""
    return NotFoundError(message=error.message)


def shared_record(principal: Principal, missing: str) -> NotFoundError | None:
    """Records every domain shares (reporters, the routing table) are out of a scoped principal's reach."""
    return None if principal.scope is None else NotFoundError(message=missing)
