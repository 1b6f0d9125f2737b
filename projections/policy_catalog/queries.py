"""Reads of the policy catalog."""

from __future__ import annotations

import json
from typing import Any

from domain.confirmation import ConfirmationRule
from domain.policy import PolicyTerms
from projections.policy_catalog.rows import PolicyRow
from projections.sql import Steps, query
from projections.values import utc

_COLUMNS = """domain, key, version, title, text, severity, strike_points, allowed_actions, dsa_category,
dsa_ground, zero_tolerance, retired, published_at, published_by, confirmations"""


@query
def list_policies(domain: str | None) -> Steps[list[PolicyRow]]:
    if domain is None:
        rows = yield f"SELECT {_COLUMNS} FROM policies ORDER BY domain, key", ()
    else:
        rows = yield (f"SELECT {_COLUMNS} FROM policies WHERE domain = ? ORDER BY key", (domain,))
    return [_row(r) for r in rows]


def _row(r: tuple[Any, ...]) -> PolicyRow:
    terms = PolicyTerms(
        title=r[3],
        text=r[4],
        severity=r[5],
        strike_points=r[6],
        allowed_actions=tuple(json.loads(r[7])),
        dsa_category=r[8],
        dsa_ground=r[9],
        zero_tolerance=bool(r[10]),
        confirmations=tuple(ConfirmationRule(**rule) for rule in json.loads(r[14])),
    )
    return PolicyRow(
        domain=r[0], key=r[1], version=r[2], terms=terms, retired=bool(r[11]), published_at=utc(r[12]),
        published_by=r[13],
    )
