"""Reads of account standing, for now or for any past moment."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.automation_impact import AccountRecord
from domain.ladder import Ladder
from domain.standing import Penalty, Strike, standing_at
from projections.account_standing.rows import AccountRow
from projections.sql import Steps, marks, query
from projections.values import maybe_utc, utc

_STRIKE = ("strike_id, domain, policy_key, policy_version, points, decision_id, case_id, issued_at, expires_at, "
           "removed_at, removal_reason")
_PENALTY = ("penalty_id, domain, kind, threshold, starts_at, ends_at, points_bound, cause_strike_id, features, "
            "lifted_at, lift_reason")
_NONE = ", ".join(["NULL"] * 11)
# One statement: the strikes, the penalties and the account's row, as rows of one shape (a kind, a strike's columns,
# a penalty's). The strikes and penalties come first, so that every column takes its type from a table's; the account
# row puts first_seen_at where a strike's issued_at goes.
_ACCOUNT = f"""
SELECT 1, {_STRIKE}, {_NONE} FROM strikes WHERE account_id = ? AND issued_at <= ?
UNION ALL SELECT 2, {_NONE}, {_PENALTY} FROM penalties WHERE account_id = ? AND starts_at <= ?
UNION ALL SELECT 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, first_seen_at, NULL, NULL, NULL, {_NONE}
    FROM accounts WHERE account_id = ?
ORDER BY 1, 9, 2, 17, 13"""


@query
def find_account(
    account_id: str,
    at: datetime,
    ladders: Callable[[str], Ladder] | None = None,
    domains: Sequence[str] | None = None,
) -> Steps[AccountRow | None]:
    """The account as it stood at `at`: strikes and penalties issued by then, removals and lifts made by then.

    With `domains`, the account as those domains alone know it: their strikes, penalties and standing.
    """
    rows = yield _ACCOUNT, (account_id, at, account_id, at, account_id)
    account = next((r for r in rows if r[0] == 0), None)
    if account is None or utc(account[8]) > at:
        return None
    strikes = tuple(_as_of(s, at) for s in (_strike(r[1:12]) for r in rows if r[0] == 1)
                    if domains is None or s.domain in domains)
    penalties = tuple(_penalty_as_of(p, at) for p in (_penalty(r[12:]) for r in rows if r[0] == 2)
                      if domains is None or p.domain in domains)
    return AccountRow(
        account_id=account_id, first_seen_at=utc(account[8]), strikes=strikes, penalties=penalties,
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


@query
def find_strikes(strike_ids: Sequence[str]) -> Steps[dict[str, Strike]]:
    """Strikes by id, as they stand now, in one statement."""
    if not strike_ids:
        return {}
    rows = yield f"SELECT {_STRIKE} FROM strikes WHERE strike_id IN ({marks(strike_ids)})", tuple(strike_ids)
    return {str(row[0]): _strike(row) for row in rows}


@query
def records_before(account_ids: Sequence[str], domain: str, at: datetime) -> Steps[dict[str, AccountRecord]]:
    """The accounts' strikes and penalties in `domain` issued before `at`, as they stood then (two statements)."""
    if not account_ids:
        return {}
    where = f"account_id IN ({marks(account_ids)}) AND domain = ?"
    strikes = yield (f"SELECT account_id, {_STRIKE} FROM strikes WHERE {where} AND issued_at < ?",
                     (*account_ids, domain, at))
    penalties = yield (f"SELECT account_id, {_PENALTY} FROM penalties WHERE {where} AND starts_at < ?",
                       (*account_ids, domain, at))
    found: dict[str, AccountRecord] = {}
    for r in strikes:
        record = found.get(r[0], AccountRecord())
        found[r[0]] = replace(record, strikes=(*record.strikes, _as_of(_strike(r[1:]), at)))
    for r in penalties:
        record = found.get(r[0], AccountRecord())
        found[r[0]] = replace(record, penalties=(*record.penalties, _penalty_as_of(_penalty(r[1:]), at)))
    return found
