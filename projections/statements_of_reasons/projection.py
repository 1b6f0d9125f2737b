"""Makes each restrictive decision's statement of reasons, and records what later corrects the decision."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from domain.account import Account
from domain.appeal import Appeal
from domain.case import Case
from domain.dsa import PENALTY_DECISIONS
from domain.policy import Policy
from domain.standing import Penalty
from domain.statement import PolicyWording, StatementFacts, statement_of, with_penalty
from domain.values import Subject
from projections.base import Projection
from projections.batch import Batch, Rows, Table, write_all
from projections.json_text import json_text
from projections.sql import Sql
from projections.statements_of_reasons.rows import StatementStatus
from projections.values import text_id, uuid_text

STATEMENTS = Table(
    "statements_of_reasons",
    key=("decision_id",),
    columns=("decision_id", "puid", "domain", "policy_key", "case_id", "account_id", "decided_at", "status",
             "corrected_at", "statement", "position"),
    times=("decided_at", "corrected_at"),
)
CASES = Table(
    "sor_cases", key=("case_id",), columns=("case_id", "domain", "subject_kind", "subject_id", "opened_at"),
    times=("opened_at",),
)
POLICIES = Table(
    "sor_policies", key=("policy_id", "version"),
    columns=("policy_id", "version", "title", "text", "dsa_keywords", "legal_ground", "reference_url"),
)
APPEALS = Table("sor_appeals", key=("appeal_id",), columns=("appeal_id", "decision_id"))
STRIKES = Table("sor_strikes", key=("strike_id",), columns=("strike_id", "decision_id"))


class StatementsOfReasonsProjection(Projection):
    """A statement is made once, from the decision and the policy version it applied, and never rewritten: the
    database takes no amendment, so a correction is recorded beside it (its status), not in it."""

    name = "statements_of_reasons"
    weight = 3
    tables = ("statements_of_reasons", "sor_cases", "sor_policies", "sor_appeals", "sor_strikes")
    event_types = (
        Policy.Published, Policy.Revised, Case.Opened, Case.Decided, Case.ActionsReversed, Appeal.Filed,
        Appeal.Overturned, Account.StrikeIssued, Account.PenaltyImposed,
    )

    def apply_batch(self, events: Batch, sql: Sql) -> None:
        statements, cases, policies = STATEMENTS.rows(), CASES.rows(), POLICIES.rows()
        appeals, strikes = APPEALS.rows(), STRIKES.rows()
        # Rows that only creation events add come first: every later event of the batch finds them.
        # Only a decision reads its case: a case opened in the batch is there already when it is decided.
        decided = [e for _, e in events if type(e) is Case.Decided]
        cases.fetch(sql, [(uuid_text(e.originator_id),) for e in decided])
        appeals.fetch(sql, [(uuid_text(e.originator_id),) for _, e in events if type(e) is Appeal.Overturned])
        strikes.fetch(sql, [(uuid_text(e.penalty.cause_strike_id),) for _, e in events
                            if type(e) is Account.PenaltyImposed])
        added = {POLICIES: policies, CASES: cases, APPEALS: appeals, STRIKES: strikes}
        for _, event in events:
            adds = _ADDS.get(type(event))
            if adds is not None:
                table, row = adds
                added[table].put(row(event))
        policies.fetch(sql, [(uuid_text(Policy.create_id(_case(cases, e)["domain"], e.decision.policy_key)),
                              e.decision.policy_version) for e in decided])
        # Worked out once, for the fetch and then the changes.
        corrected = [_corrected(e, appeals, strikes) for _, e in events]
        statements.fetch(sql, [(decision_id,) for decision_id in corrected if decision_id is not None])
        for (position, event), decision_id in zip(events, corrected, strict=True):
            kind = type(event)
            if kind is Case.Decided:
                _make(statements, _case(cases, event), policies, event, position)
            if decision_id is None:
                continue
            if kind is Account.PenaltyImposed:
                _add_penalty(statements, decision_id, event.penalty)
                continue
            statement = statements.get((decision_id,))
            # An overturn reverses the decision's actions after it: the appeal stays the cause on record.
            if statement is not None and statement["status"] != StatementStatus.OVERTURNED:
                statements.put(statement | {"status": _status(event), "corrected_at": event.occurred_at})
        write_all(sql, policies, cases, appeals, strikes, statements)


def _policy_row(policy_id: str, version: int, event: Policy.Published | Policy.Revised) -> dict[str, Any]:
    t = event.terms
    return {"policy_id": policy_id, "version": version, "title": t.title, "text": t.text,
            "dsa_keywords": json.dumps(list(t.dsa_keywords)), "legal_ground": t.legal_ground,
            "reference_url": t.reference_url}


def _case(cases: Rows, event: Case.Decided) -> dict[str, Any]:
    case = cases.get((uuid_text(event.originator_id),))
    assert case is not None, f"case {event.originator_id} was decided before it was opened"
    return case


def _make(statements: Rows, case: dict[str, Any], policies: Rows, event: Case.Decided, position: int) -> None:
    decision = event.decision
    policy = policies.get((uuid_text(Policy.create_id(case["domain"], decision.policy_key)), decision.policy_version))
    assert policy is not None, f"policy {decision.policy_key} v{decision.policy_version} was applied unpublished"
    wording = _wording(policy["title"], policy["text"], policy["dsa_keywords"], policy["legal_ground"],
                       policy["reference_url"])
    subject = Subject(case["domain"], case["subject_kind"], case["subject_id"])
    statement = statement_of(StatementFacts(decision, subject, wording, event.occurred_at, case["opened_at"]))
    if statement is None:
        return
    statements.add({
        "decision_id": uuid_text(decision.decision_id), "puid": statement["puid"], "domain": case["domain"],
        "policy_key": decision.policy_key, "case_id": case["case_id"], "account_id": event.account_id,
        "decided_at": event.occurred_at, "status": StatementStatus.IN_FORCE, "corrected_at": None,
        "statement": _json(statement), "position": position,
    })


@lru_cache(maxsize=256)
def _wording(
    title: str, text: str, dsa_keywords: str, legal_ground: str | None, reference_url: str | None
) -> PolicyWording:
    """A policy version's wording from its stored row: made once for the many decisions under it."""
    return PolicyWording(title, text, tuple(json.loads(dsa_keywords)), legal_ground, reference_url)


def _corrected(event: Any, appeals: Rows, strikes: Rows) -> str | None:
    """The decision whose statement the event corrects (superseded, reversed or overturned on appeal) or, for a
    penalty, whose strike brought it; None for an event of neither."""
    corrects = _CORRECTS.get(type(event))
    return None if corrects is None else corrects(event, appeals, strikes)


def _overturned(event: Appeal.Overturned, appeals: Rows, strikes: Rows) -> str:
    appeal = appeals.get((uuid_text(event.originator_id),))
    assert appeal is not None, f"appeal {event.originator_id} was overturned before it was filed"
    return str(appeal["decision_id"])


def _penalized(event: Account.PenaltyImposed, appeals: Rows, strikes: Rows) -> str:
    strike = strikes.get((uuid_text(event.penalty.cause_strike_id),))
    assert strike is not None, f"penalty {event.penalty.penalty_id} was imposed for a strike never issued"
    return str(strike["decision_id"])


_CORRECTS: dict[type, Callable[[Any, Rows, Rows], str | None]] = {
    Case.Decided: lambda event, appeals, strikes: text_id(event.decision.supersedes),
    Case.ActionsReversed: lambda event, appeals, strikes: uuid_text(event.decision_id),
    Appeal.Overturned: _overturned,
    Account.PenaltyImposed: _penalized,
}


_ADDS: dict[type, tuple[Table, Callable[[Any], dict[str, Any]]]] = {
    Policy.Published: (POLICIES, lambda event: _policy_row(uuid_text(event.originator_id), 1, event)),
    Policy.Revised: (POLICIES, lambda event: _policy_row(uuid_text(event.originator_id), event.policy_version, event)),
    Case.Opened: (CASES, lambda event: {
        "case_id": uuid_text(event.originator_id), "domain": event.subject.domain,
        "subject_kind": event.subject.kind, "subject_id": event.subject.id, "opened_at": event.occurred_at,
    }),
    Appeal.Filed: (APPEALS, lambda event: {
        "appeal_id": uuid_text(event.originator_id), "decision_id": uuid_text(event.decision_id),
    }),
    Account.StrikeIssued: (STRIKES, lambda event: {
        "strike_id": uuid_text(event.strike.strike_id), "decision_id": uuid_text(event.strike.decision_id),
    }),
}
"""The row each creation event adds, and to which table."""


def _add_penalty(statements: Rows, decision_id: str, penalty: Penalty) -> None:
    """A penalty comes with the decision whose strike brought it, in its transaction: its statement says so."""
    row = statements.get((decision_id,))
    if row is not None:
        decision = penalty.dsa_decision or PENALTY_DECISIONS[penalty.kind]
        statement = with_penalty(json.loads(row["statement"]), decision, penalty.ends_at)
        statements.put(row | {"statement": _json(statement)})


_json = json_text(sort_keys=True, ensure_ascii=False)
"""`json.dumps(statement, ensure_ascii=False, sort_keys=True)`."""


def _status(event: object) -> StatementStatus:
    if isinstance(event, Appeal.Overturned):
        return StatementStatus.OVERTURNED
    return StatementStatus.REVERSED if isinstance(event, Case.ActionsReversed) else StatementStatus.SUPERSEDED
