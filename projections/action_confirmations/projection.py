"""Keeps what each system owes each decision's actions: applied or not, reversed or not, and when it falls due."""

from __future__ import annotations

from typing import Any

from domain.case import Case
from domain.confirmation import Obligation, obligations_of
from domain.values import ActionType
from projections.action_confirmations.rows import obligation_columns, obligation_of
from projections.action_confirmations.tables import CASES, CONFIRMATIONS
from projections.base import Projection
from projections.batch import Batch, Key, Rows, write_all
from projections.sql import Sql
from projections.values import uuid_text


class ActionConfirmationsProjection(Projection):
    name = "action_confirmations"
    tables = ("action_confirmations", "confirmation_cases")
    event_types = (Case.Opened, Case.Decided, Case.ActionsReversed, Case.ActionApplied, Case.ActionReversalApplied)

    def apply_batch(self, events: Batch, sql: Sql) -> None:
        cases, owed = CASES.rows(), CONFIRMATIONS.rows()
        cases.fetch(sql, [(uuid_text(e.originator_id),) for _, e in events if isinstance(e, Case.Decided)])
        owed.fetch(sql, [_key(e) for _, e in events if isinstance(e, Case.ActionApplied)])
        # Every obligation of the decisions the batch supersedes or reverses, by decision.
        of_decision: dict[str, list[Key]] = {}
        for row in owed.fetch_where(sql, ("decision_id",), [(d,) for _, e in events if (d := _whole(e))]):
            of_decision.setdefault(row["decision_id"], []).append(CONFIRMATIONS.key_of(row))
        for position, event in events:
            if isinstance(event, Case.Opened):
                s = event.subject
                cases.add({"case_id": uuid_text(event.originator_id), "domain": s.domain, "subject_kind": s.kind,
                           "subject_id": s.id, "account_id": event.account_id})
            elif isinstance(event, Case.Decided):
                _decided(event, position, cases, owed, of_decision)
            elif isinstance(event, Case.ActionsReversed):
                _change(owed, of_decision.get(uuid_text(event.decision_id), []), position, event)
            else:
                _change(owed, [_key(event)], position, event)
        write_all(sql, cases, owed)


def _decided(event: Case.Decided, position: int, cases: Rows, owed: Rows, of_decision: dict[str, list[Key]]) -> None:
    d = event.decision
    if d.supersedes is not None:
        _change(owed, of_decision.get(uuid_text(d.supersedes), []), position, event)
    case = cases.get((uuid_text(event.originator_id),))
    assert case is not None, f"case {event.originator_id} was decided before it was opened"
    keys = of_decision.setdefault(uuid_text(d.decision_id), [])
    for idx, obligation in enumerate(obligations_of(d.decision_id, d.required_confirmations, event.occurred_at)):
        row = {
            **case, "idx": idx, "account_id": event.account_id or case["account_id"], "policy_key": d.policy_key,
            "position": position, **obligation_columns(obligation),
        }
        owed.add(row)
        keys.append(CONFIRMATIONS.key_of(row))


def _change(owed: Rows, keys: list[Key], position: int, event: Any) -> None:
    """Moves the obligations of `keys` on as `event` does."""
    for key in keys:
        row = owed.get(key)
        if row is not None:
            owed.put(row | obligation_columns(_after(event, obligation_of(row))) | {"position": position})


def _after(event: Any, o: Obligation) -> Obligation:
    if isinstance(event, Case.Decided):
        return o.superseded()
    if isinstance(event, Case.ActionsReversed):
        return o.reversed(event.occurred_at)
    if isinstance(event, Case.ActionReversalApplied):  # an ActionApplied too: asked first
        return o.undone(event.applied_at, event.external_ref)
    assert isinstance(event, Case.ActionApplied), type(event)
    return o.applied(event.applied_at, event.external_ref)


def _key(event: Any) -> Key:
    return (uuid_text(event.decision_id), str(ActionType(event.action)), event.system)


def _whole(event: Any) -> str | None:
    """The decision whose every obligation the event changes: the one a decision supersedes, or a reversal's."""
    if isinstance(event, Case.ActionsReversed):
        return uuid_text(event.decision_id)
    if isinstance(event, Case.Decided) and event.decision.supersedes is not None:
        return uuid_text(event.decision.supersedes)
    return None
