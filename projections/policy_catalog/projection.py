"""Keeps the current version of each policy."""

from __future__ import annotations

import json

from domain.policy import Policy, PolicyTerms
from projections.base import Projection, started
from projections.batch import Batch, Row, Table
from projections.policy_catalog.rows import policy_row
from projections.sql import Sql

POLICIES = Table(
    "policies",
    key=("policy_id",),
    columns=(
        "policy_id", "domain", "key", "version", "title", "text", "severity", "strike_points", "allowed_actions",
        "dsa_category", "dsa_ground", "zero_tolerance", "retired", "published_at", "published_by", "confirmations",
    ),
    times=("published_at",),
    flags=("zero_tolerance", "retired"),
)


class PolicyCatalogProjection(Projection):
    name = "policy_catalog"
    tables = ("policies",)
    event_types = (Policy.Published, Policy.Revised, Policy.Retired)

    def apply_batch(self, events: Batch, sql: Sql) -> None:
        policies = POLICIES.rows()
        policies.fetch(sql, [(str(e.originator_id),) for _, e in events if not isinstance(e, Policy.Published)])
        for _, event in events:
            policy_id = str(event.originator_id)
            if isinstance(event, Policy.Published):
                row = policy_row(started(Policy, event))
                policies.add({
                    "policy_id": policy_id, "domain": row.domain, "key": row.key, "version": row.version,
                    **_terms(row.terms), "retired": row.retired, "published_at": row.published_at,
                    "published_by": row.published_by,
                })
            elif isinstance(event, Policy.Revised):
                policies.update(
                    (policy_id,), version=event.policy_version, **_terms(event.terms), retired=False,
                    published_at=event.occurred_at, published_by=event.actor,
                )
            elif isinstance(event, Policy.Retired):
                policies.update((policy_id,), retired=True)
        policies.write(sql)


def _terms(terms: PolicyTerms) -> Row:
    return {
        "title": terms.title,
        "text": terms.text,
        "severity": str(terms.severity),
        "strike_points": terms.strike_points,
        "allowed_actions": json.dumps([str(a) for a in terms.allowed_actions]),
        "dsa_category": terms.dsa_category,
        "dsa_ground": str(terms.dsa_ground),
        "zero_tolerance": terms.zero_tolerance,
        "confirmations": json.dumps(
            [{"action": str(r.action), "systems": list(r.systems), "within_minutes": r.within_minutes}
             for r in terms.confirmations]
        ),
    }
