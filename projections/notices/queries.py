"""Reads of notices: a page of them, by recipient account, decision and status, in the order they were issued."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from projections.notices.rows import NoticeRow, NoticeStatus
from projections.sql import Sql, equal_to, in_clause
from projections.values import maybe_utc, utc

_COLUMNS = ("notice_id, kind, recipient_kind, recipient_id, domain, subject_kind, subject_id, decision_id, report_id, "
            "policy_key, policy_version, outcome, automation, territories, appeal_deadline, language, text, issued_at, "
            "status, channel, delivered_at, position")


@dataclass(frozen=True)
class NoticeQuery:
    """Which notices: to an account (None: to anyone, reporters included), about a decision, of a status, in
    `domains` (None: any)."""

    account_id: str | None = None
    decision_id: str | None = None
    status: NoticeStatus | None = None
    domains: Sequence[str] | None = None


def notice_page(sql: Sql, query: NoticeQuery, after: int, limit: int) -> list[NoticeRow]:
    """Notices in the order they were issued, after the one issued at position `after`."""
    within, params = in_clause("domain", query.domains)
    recipient = None if query.account_id is None else "ACCOUNT"
    conditions, values = equal_to([("recipient_kind", recipient), ("recipient_id", query.account_id),
                                   ("decision_id", query.decision_id), ("status", query.status)])
    sql.execute(
        f"SELECT {_COLUMNS} FROM notices WHERE position > ?{within}{''.join(f' AND {c}' for c in conditions)} "
        "ORDER BY position LIMIT ?",
        (after, *params, *values, limit),
    )
    return [_row(r) for r in sql.fetchall()]


def _row(r: tuple[Any, ...]) -> NoticeRow:
    return NoticeRow(
        notice_id=r[0], kind=r[1], recipient_kind=r[2], recipient_id=r[3], domain=r[4], subject_kind=r[5],
        subject_id=r[6], decision_id=r[7], report_id=r[8], policy_key=r[9], policy_version=int(r[10]),
        outcome=r[11], automation=r[12], territories=tuple(json.loads(r[13])), appeal_deadline=maybe_utc(r[14]),
        language=r[15], text=r[16], issued_at=utc(r[17]), status=NoticeStatus(r[18]), channel=r[19],
        delivered_at=maybe_utc(r[20]), position=int(r[21]),
    )
