"""Reads of account standing, for now or for any past moment."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.ladder import Ladder
from domain.standing import Penalty, Strike, standing_at
from projections.account_standing.rows import AccountRow
from projections.sql import Sql, marks
from projections.values import maybe_utc, utc


def find_account(
    sql: Sql,
    account_id: str,
    at: datetime,
    ladders: Callable[[str], Ladder] | None = None,
    domains: Sequence[str] | None = None,
) -> AccountRow | None:
    """The account as it stood at `at`: strikes and penalties issued by then, removals and lifts made by then.

    With `domains`, the account as those domains alone know it: their strikes, penalties and standing.
    """
    sql.execute("SELECT first_seen_at FROM accounts WHERE account_id = ?", (account_id,))
    row = sql.fetchone()
    if row is None or utc(row[0]) > at:
        return None
    sql.execute(
        "SELECT strike_id, domain, policy_key, policy_version, points, decision_id, case_id, issued_at, "
        "expires_at, removed_at, removal_reason FROM strikes WHERE account_id = ? AND issued_at <= ? "
        "ORDER BY issued_at, strike_id",
        (account_id, at),
    )
    strikes = tuple(_as_of(s, at) for s in map(_strike, sql.fetchall()) if domains is None or s.domain in domains)
    sql.execute(
        "SELECT penalty_id, domain, kind, threshold, starts_at, ends_at, points_bound, cause_strike_id, features, "
        "lifted_at, lift_reason FROM penalties WHERE account_id = ? AND starts_at <= ? ORDER BY starts_at, penalty_id",
        (account_id, at),
    )
    penalties = tuple(
        _penalty_as_of(p, at) for p in map(_penalty, sql.fetchall()) if domains is None or p.domain in domains
    )
    return AccountRow(
        account_id=account_id, first_seen_at=utc(row[0]), strikes=strikes, penalties=penalties,
        standing=standing_at(strikes, at, penalties, ladders),
    )


def _penalty(r: tuple[Any, ...]) -> Penalty:
    return Penalty(
        penalty_id=UUID(r[0]), domain=r[1], kind=r[2], threshold=r[3], starts_at=utc(r[4]), ends_at=maybe_utc(r[5]),
        points_bound=bool(r[6]), cause_strike_id=UUID(r[7]), features=tuple(json.loads(r[8])),
        lifted_at=maybe_utc(r[9]), lift_reason=r[10],
    )


def _penalty_as_of(penalty: Penalty, at: datetime) -> Penalty:
    """Hides a lift that had not yet happened at `at`."""
    if penalty.lifted_at is not None and penalty.lifted_at > at:
        return replace(penalty, lifted_at=None, lift_reason=None)
    return penalty


def _strike(r: tuple[Any, ...]) -> Strike:
    return Strike(
        strike_id=UUID(r[0]), domain=r[1], policy_key=r[2], policy_version=r[3], points=r[4],
        decision_id=UUID(r[5]), case_id=UUID(r[6]), issued_at=utc(r[7]), expires_at=utc(r[8]),
        removed_at=maybe_utc(r[9]), removal_reason=r[10],
    )


def _as_of(strike: Strike, at: datetime) -> Strike:
    """Hides a removal that had not yet happened at `at`."""
    if strike.removed_at is not None and strike.removed_at > at:
        return replace(strike, removed_at=None, removal_reason=None)
    return strike


def find_strikes(sql: Sql, strike_ids: Sequence[str]) -> dict[str, Strike]:
    """Strikes by id, as they stand now, in one statement."""
    if not strike_ids:
        return {}
    sql.execute(
        "SELECT strike_id, domain, policy_key, policy_version, points, decision_id, case_id, issued_at, "
        f"expires_at, removed_at, removal_reason FROM strikes WHERE strike_id IN ({marks(strike_ids)})",
        tuple(strike_ids),
    )
    return {str(row[0]): _strike(row) for row in sql.fetchall()}
