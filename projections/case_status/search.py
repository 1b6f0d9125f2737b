"""Case search: cases by status, domain, policy, queue, reporter or account, in the order the ledger opened them."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from projections.case_status.queries import case_row
from projections.case_status.rows import CaseRow
from projections.sql import Steps, equal_to, in_clause, query


@dataclass(frozen=True)
class CaseFilter:
    """Every criterion given must hold."""

    status: str | None = None
    domain: str | None = None
    policy_key: str | None = None
    queue: str | None = None
    reporter_id: str | None = None
    account_id: str | None = None


@query
def search_cases(
    found: CaseFilter, after: int, limit: int, domains: Collection[str] | None = None
) -> Steps[list[CaseRow]]:
    """Cases in the order the ledger opened them, after the case opened at position `after`."""
    conditions, params = _conditions(found)
    conditions.append("c.opened_position > ?")
    params.append(after)
    scope, scope_params = in_clause("c.domain", domains)
    rows = yield (
        ("SELECT c.case_id, c.domain, c.subject_kind, c.subject_id, c.account_id, c.status, c.opened_at, c.updated_at, "
        f"c.last_position, c.opened_position FROM cases c WHERE {' AND '.join(conditions)}{scope} "
        "ORDER BY c.opened_position LIMIT ?"),
        (*params, *scope_params, limit),
    )
    return [case_row(r) for r in rows]


def _conditions(found: CaseFilter) -> tuple[list[str], list[Any]]:
    equal, params = equal_to(
        (("c.status", found.status), ("c.domain", found.domain), ("c.account_id", found.account_id))
    )
    conditions = ["1 = 1", *equal]
    if found.policy_key is not None:
        conditions.append("(EXISTS (SELECT 1 FROM case_policies p WHERE p.case_id = c.case_id AND p.policy_key = ?) "
                          "OR EXISTS (SELECT 1 FROM review_queue q WHERE q.case_id = c.case_id AND q.policy_key = ?))")
        params += [found.policy_key, found.policy_key]
    if found.queue is not None:
        conditions.append("EXISTS (SELECT 1 FROM review_queue q WHERE q.case_id = c.case_id AND q.queue = ?)")
        params.append(found.queue)
    if found.reporter_id is not None:
        conditions.append("EXISTS (SELECT 1 FROM reports r WHERE r.case_id = c.case_id AND r.reporter_id = ?)")
        params.append(found.reporter_id)
    return conditions, params
