"""Keeps accounts and their strikes; standing itself is computed for the moment asked about."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from domain.account import Account
from domain.case import Case
from domain.detection import Detection
from projections.base import Projection
from projections.batch import Batch, Rows, Table, write_all
from projections.sql import Sql
from projections.values import uuid_text

ACCOUNTS = Table(
    "accounts", key=("account_id",), columns=("account_id", "stream_id", "first_seen_at", "updated_at"),
    times=("first_seen_at", "updated_at"),
)
STRIKES = Table(
    "strikes",
    key=("strike_id",),
    columns=(
        "strike_id", "account_id", "domain", "policy_key", "policy_version", "points", "decision_id", "case_id",
        "issued_at", "expires_at", "removed_at", "removal_reason",
    ),
    times=("issued_at", "expires_at", "removed_at"),
)
PENALTIES = Table(
    "penalties",
    key=("penalty_id",),
    columns=(
        "penalty_id", "account_id", "domain", "kind", "threshold", "starts_at", "ends_at", "points_bound",
        "cause_strike_id", "features", "lifted_at", "lift_reason",
    ),
    times=("starts_at", "ends_at", "lifted_at"),
    flags=("points_bound",),
)

_OWNED = (Account.StrikeIssued, Account.PenaltyImposed)


class AccountStandingProjection(Projection):
    name = "account_standing"
    weight = 28
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

    def apply_batch(self, events: Batch, sql: Sql) -> None:
        accounts, strikes, penalties = ACCOUNTS.rows(), STRIKES.rows(), PENALTIES.rows()
        seen = [_seen_account(e) for _, e in events]
        accounts.fetch(sql, [(a,) for a in seen if a is not None])
        # By exact type (no event type here subclasses another): most events are detections, passed over three times.
        streams = [(uuid_text(e.originator_id),) for _, e in events if type(e) in _OWNED]
        # Strikes and penalties name their account's stream: its account id is read, or seen earlier in the batch.
        owners = {row["stream_id"]: row["account_id"] for row in accounts.fetch_where(sql, ("stream_id",), streams)}
        strikes.fetch(sql, [(uuid_text(e.strike_id),) for _, e in events if type(e) is Account.StrikeRemoved])
        penalties.fetch(sql, [(uuid_text(e.penalty_id),) for _, e in events if type(e) is Account.PenaltyLifted])
        last_seen: dict[str, datetime] = {}  # when each account the batch names was last seen in it
        for (_, event), account_id in zip(events, seen, strict=True):
            if account_id is not None:
                if account_id not in last_seen:
                    owners[_stream_of(accounts, account_id, event.occurred_at)] = account_id
                last_seen[account_id] = event.occurred_at
            elif isinstance(event, Account.StrikeIssued):
                s = event.strike
                strikes.add({
                    "strike_id": uuid_text(s.strike_id), "account_id": _owner(owners, event), "domain": s.domain,
                    "policy_key": s.policy_key, "policy_version": s.policy_version, "points": s.points,
                    "decision_id": uuid_text(s.decision_id), "case_id": uuid_text(s.case_id), "issued_at": s.issued_at,
                    "expires_at": s.expires_at, "removed_at": None, "removal_reason": None,
                })
            elif isinstance(event, Account.PenaltyImposed):
                p = event.penalty
                penalties.add({
                    "penalty_id": uuid_text(p.penalty_id), "account_id": _owner(owners, event), "domain": p.domain,
                    "kind": str(p.kind), "threshold": p.threshold, "starts_at": p.starts_at, "ends_at": p.ends_at,
                    "points_bound": p.points_bound, "cause_strike_id": uuid_text(p.cause_strike_id),
                    "features": json.dumps(list(p.features)), "lifted_at": None, "lift_reason": None,
                })
            elif isinstance(event, Account.PenaltyLifted):
                penalties.update((uuid_text(event.penalty_id),), lifted_at=event.occurred_at, lift_reason=event.reason)
            elif isinstance(event, Account.StrikeRemoved):
                strikes.update((uuid_text(event.strike_id),), removed_at=event.occurred_at, removal_reason=event.reason)
        for account_id, at in last_seen.items():  # a row changed once a batch, not once an event
            accounts.update((account_id,), updated_at=at)
        write_all(sql, accounts, strikes, penalties)


def _seen_account(event: Any) -> str | None:
    """The account a detection, case or registration names, if any; None for an event of another type."""
    kind = type(event)
    if kind is Detection.Recorded:
        account_id: str | None = event.facts.account_id
        return account_id
    return event.account_id if kind is Case.Opened or kind is Account.Registered else None


def _stream_of(accounts: Rows, account_id: str, at: datetime) -> str:
    """The account's stream id; an account without a row is first seen at `at`."""
    row = accounts.get((account_id,))
    if row is not None:
        stream_id: str = row["stream_id"]
        return stream_id
    stream_id = uuid_text(Account.create_id(account_id))
    accounts.put({"account_id": account_id, "stream_id": stream_id, "first_seen_at": at, "updated_at": at})
    return stream_id


def _owner(owners: dict[str, str], event: Any) -> str:
    account_id = owners.get(uuid_text(event.originator_id))
    assert account_id is not None, f"account {event.originator_id} had a strike before it was registered"
    return account_id

