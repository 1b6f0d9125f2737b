"""Keeps the current version of each policy."""

from __future__ import annotations

import json
from typing import Any

from domain.policy import Policy, PolicyTerms
from projections.base import EventAtATime, started
from projections.policy_catalog.rows import policy_row
from projections.sql import Sql

_PUBLISH = """
INSERT INTO policies (policy_id, domain, key, version, title, text, severity, strike_points,
                      allowed_actions, dsa_category, dsa_ground, zero_tolerance, retired,
                      published_at, published_by)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
_REVISE = """
UPDATE policies SET version = ?, title = ?, text = ?, severity = ?, strike_points = ?,
    allowed_actions = ?, dsa_category = ?, dsa_ground = ?, zero_tolerance = ?, retired = ?,
    published_at = ?, published_by = ?
WHERE policy_id = ?
"""


class PolicyCatalogProjection(EventAtATime):
    name = "policy_catalog"
    tables = ("policies",)
    event_types = (Policy.Published, Policy.Revised, Policy.Retired)

    def apply(self, event: Any, position: int, sql: Sql) -> None:
        policy_id = str(event.originator_id)
        if isinstance(event, Policy.Published):
            row = policy_row(started(Policy, event))
            sql.execute(_PUBLISH, (policy_id, row.domain, row.key, row.version, *_terms(row.terms), row.retired,
                                   row.published_at, row.published_by))
        elif isinstance(event, Policy.Revised):
            sql.execute(_REVISE, (event.policy_version, *_terms(event.terms), False, event.occurred_at, event.actor,
                                  policy_id))
        elif isinstance(event, Policy.Retired):
            sql.execute("UPDATE policies SET retired = ? WHERE policy_id = ?", (True, policy_id))


def _terms(terms: PolicyTerms) -> tuple[Any, ...]:
    return (
        terms.title,
        terms.text,
        str(terms.severity),
        terms.strike_points,
        json.dumps([str(a) for a in terms.allowed_actions]),
        terms.dsa_category,
        str(terms.dsa_ground),
        terms.zero_tolerance,
    )
