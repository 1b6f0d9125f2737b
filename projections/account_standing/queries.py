"""Reads of account standing, for now or for any past moment."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.standing import Strike, standing_at
from projections.account_standing.rows import AccountRow
from projections.sql import Sql
from projections.values import maybe_utc, utc


def find_account(sql: Sql, account_id: str, at: datetime) -> AccountRow | None:
    """The account as it stood at `at`: strikes issued by then, removals made by then."""
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
    strikes = tuple(_as_of(_strike(r), at) for r in sql.fetchall())
    return AccountRow(account_id=account_id, first_seen_at=utc(row[0]), strikes=strikes, standing=standing_at(strikes, at))


def _strike(r: tuple) -> Strike:  # type: ignore[type-arg]
    return Strike(
        strike_id=UUID(r[0]), domain=r[1], policy_key=r[2], policy_version=r[3], points=r[4],
        decision_id=UUID(r[5]), case_id=UUID(r[6]), issued_at=utc(r[7]), expires_at=utc(r[8]),
        removed_at=maybe_utc(r[9]), removal_reason=r[10],
    )


def _as_of(strike: Strike, at: datetime) -> Strike:
    """Hides a removal that had not yet happened at `at`."""
    if strike.removed_at is not None and strike.removed_at > at:
        return Strike(**{**strike.__dict__, "removed_at": None, "removal_reason": None})
    return strike


def find_strikes(sql: Sql, strike_ids: list[str]) -> dict[str, Strike]:
    """Strikes by id, as they stand now."""
    found = {}
    for strike_id in strike_ids:
        sql.execute(
            "SELECT strike_id, domain, policy_key, policy_version, points, decision_id, case_id, issued_at, "
            "expires_at, removed_at, removal_reason FROM strikes WHERE strike_id = ?",
            (strike_id,),
        )
        row = sql.fetchone()
        if row is not None:
            found[strike_id] = _strike(row)
    return found
