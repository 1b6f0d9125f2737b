"""Domain scopes for writes: a domain outside the caller's view answers as if it held nothing."""

from __future__ import annotations

from collections.abc import Sequence

from app.auth import Principal
from app.graphql.errors import NotFoundError, as_failure
from app.ledger import no_such_policy


def unseen_policies(principal: Principal, named: Sequence[tuple[str, str]]) -> NotFoundError | None:
    """The NotFoundError for the first (domain, policy) outside the caller's view; in a batch, named by index."""
    for index, (domain, key) in enumerate(named):
        if not principal.sees(domain):
            failure = as_failure(no_such_policy(domain, key))
            assert isinstance(failure, NotFoundError)
            if len(named) > 1:
                failure.message = f"inputs[{index}]: {failure.message}"
            return failure
    return None
