"""Keeps accounts and their strikes; standing itself is computed for the moment asked about."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from domain.account import Account
from domain.case import Case
from domain.detection import Detection
from projections.base import EventAtATime
from projections.sql import Sql

_SEEN = """
INSERT INTO accounts (account_id, stream_id, first_seen_at, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (account_id) DO UPDATE SET updated_at = excluded.updated_at
"""
_PENALTY = """
INSERT INTO penalties (penalty_id, account_id, domain, kind, threshold, starts_at, ends_at, points_bound,
                       cause_strike_id, features)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
_STRIKE = """
INSERT INTO strikes (strike_id, account_id, domain, policy_key, policy_version, points, decision_id, case_id,
                     issued_at, expires_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""


class AccountStandingProjection(EventAtATime):
    name = "account_standing"
    weight = 40
    tables = ("accounts", "strikes", "penalties")
    event_types = (
        Detection.Recorded,
        Case.Opened,
        Account.Registered,
        Account.StrikeIssued,
        Account.StrikeRemoved,
        Account.PenaltyImposed,
        Account.PenaltyLifted,
    )

    def apply(self, event: Any, position: int, sql: Sql) -> None:
        if isinstance(event, Detection.Recorded):
            _seen(sql, event.facts.account_id, event.occurred_at)
        elif isinstance(event, (Case.Opened, Account.Registered)):
            _seen(sql, event.account_id, event.occurred_at)
        elif isinstance(event, Account.StrikeIssued):
            s = event.strike
            account_id = _account_id(sql, event)
            sql.execute(
                _STRIKE,
                (
                    str(s.strike_id), account_id, s.domain, s.policy_key, s.policy_version, s.points,
                    str(s.decision_id), str(s.case_id), s.issued_at, s.expires_at,
                ),
            )
        elif isinstance(event, Account.PenaltyImposed):
            p = event.penalty
            sql.execute(
                _PENALTY,
                (
                    str(p.penalty_id), _account_id(sql, event), p.domain, str(p.kind), p.threshold, p.starts_at,
                    p.ends_at, p.points_bound, str(p.cause_strike_id), json.dumps(list(p.features)),
                ),
            )
        elif isinstance(event, Account.PenaltyLifted):
            sql.execute(
                "UPDATE penalties SET lifted_at = ?, lift_reason = ? WHERE penalty_id = ?",
                (event.occurred_at, event.reason, str(event.penalty_id)),
            )
        elif isinstance(event, Account.StrikeRemoved):
            sql.execute(
                "UPDATE strikes SET removed_at = ?, removal_reason = ? WHERE strike_id = ?",
                (event.occurred_at, event.reason, str(event.strike_id)),
            )


def _seen(sql: Sql, account_id: str | None, at: datetime) -> None:
    if account_id is not None:
        sql.execute(_SEEN, (account_id, str(Account.create_id(account_id)), at, at))


def _account_id(sql: Sql, event: Any) -> str:
    sql.execute("SELECT account_id FROM accounts WHERE stream_id = ?", (str(event.originator_id),))
    row = sql.fetchone()
    assert row is not None, f"account {event.originator_id} had a strike before it was registered"
    return str(row[0])
