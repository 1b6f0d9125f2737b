"""Records each fact a transparency report counts, with when it happened: restrictive decisions and their
restrictions, notices and their closing, complaints and their resolution, suspensions, automation rules' evaluations."""

from __future__ import annotations

from typing import Any

from domain.account import Account
from domain.appeal import Appeal
from domain.automation import AutomationRule
from domain.case import Case
from domain.dsa import PENALTY_DECISIONS, eea_restrictions, prompted_by
from domain.levels import PenaltyKind
from domain.policy import Policy
from domain.report import Report, ReporterKind
from domain.reporter import Reporter
from domain.values import Outcome
from projections.base import Projection
from projections.batch import Batch, Rows, Table, write_all
from projections.sql import Sql
from projections.transparency.rows import REPORTER_SUSPENSION, SuspensionBasis
from projections.values import uuid_text

POLICIES = Table("transparency_policies", key=("policy_id",), columns=("policy_id", "domain", "policy_key", "category"))
CASES = Table("transparency_cases", key=("case_id",), columns=("case_id", "domain"))
DECISIONS = Table(
    "transparency_decisions", key=("decision_id",),
    columns=("decision_id", "domain", "policy_key", "category", "source_type", "automated_detection", "automation",
             "decided_at", "position"),
    times=("decided_at",), flags=("automated_detection",),
)
RESTRICTIONS = Table("transparency_restrictions", key=("decision_id", "restriction"),
                     columns=("decision_id", "restriction"))
NOTICES = Table(
    "transparency_notices", key=("report_id",),
    columns=("report_id", "domain", "policy_key", "category", "reporter_kind", "submitted_at", "closed_at", "outcome",
             "seconds_to_close", "position"),
    times=("submitted_at", "closed_at"),
)
APPEALS = Table(
    "transparency_appeals", key=("appeal_id",),
    columns=("appeal_id", "decision_id", "domain", "category", "automation", "filed_at", "resolved_at", "outcome",
             "seconds_to_resolve", "position"),
    times=("filed_at", "resolved_at"),
)
SUSPENSIONS = Table("transparency_suspensions", key=("position",),
                    columns=("position", "domain", "basis", "kind", "suspended_at", "ends_at"),
                    times=("suspended_at", "ends_at"))
STRIKES = Table("transparency_strikes", key=("strike_id",), columns=("strike_id", "decision_id"))
RULES = Table("transparency_rules", key=("rule_id",), columns=("rule_id", "domain", "policy_key", "model"))
EVALUATIONS = Table(
    "transparency_evaluations", key=("position",),
    columns=("position", "rule_id", "evaluated_at", "samples", "precision_rate", "recall_rate", "kappa"),
    times=("evaluated_at",),
)


class TransparencyProjection(Projection):
    """Rows are facts, added once; a later event adds its own time beside them (a notice's closing, a complaint's
    resolution) and never rewrites what an earlier period counted, so a report of a closed period is the same
    whenever it is asked. Decisions count when they restrict something in the EEA, as statements of reasons do."""

    name = "transparency"
    weight = 3
    tables = ("transparency_policies", "transparency_cases", "transparency_decisions", "transparency_restrictions",
              "transparency_notices", "transparency_appeals", "transparency_suspensions", "transparency_strikes",
              "transparency_rules", "transparency_evaluations")
    event_types = (
        Policy.Published, Policy.Revised, Case.Opened, Case.Decided, Report.Submitted, Report.Closed, Appeal.Filed,
        Appeal.Upheld, Appeal.Overturned, Account.StrikeIssued, Account.PenaltyImposed, Reporter.Suspended,
        AutomationRule.Configured, AutomationRule.Evaluated,
    )

    def apply_batch(self, events: Batch, sql: Sql) -> None:
        policies, cases, decisions, restrictions = POLICIES.rows(), CASES.rows(), DECISIONS.rows(), RESTRICTIONS.rows()
        notices, appeals, suspensions = NOTICES.rows(), APPEALS.rows(), SUSPENSIONS.rows()
        strikes, rules, evaluations = STRIKES.rows(), RULES.rows(), EVALUATIONS.rows()
        # By exact type (no event type here subclasses another): an isinstance, of a union most of all, costs more.
        policies.fetch(sql, [(_policy_of(e),) for _, e in events if type(e) in (Policy.Revised, Report.Submitted)])
        cases.fetch(sql, [(uuid_text(e.originator_id),) for _, e in events if type(e) is Case.Decided])
        strikes.fetch(sql, [(uuid_text(e.penalty.cause_strike_id),) for _, e in events
                            if type(e) is Account.PenaltyImposed])
        decisions.fetch(sql, [(decision_id,) for _, e in events
                              if type(e) in _DECIDING and (decision_id := _decision_of(e, strikes))])
        notices.fetch(sql, [(uuid_text(e.originator_id),) for _, e in events if type(e) is Report.Closed])
        appeals.fetch(sql, [(uuid_text(e.originator_id),) for _, e in events if type(e) in _OF_APPEALS])
        for position, event in events:
            kind = type(event)
            if kind is Case.Opened:
                cases.put({"case_id": uuid_text(event.originator_id), "domain": event.subject.domain})
            elif kind is Case.Decided:
                _decided(decisions, restrictions, cases, event, position)
            elif kind is Account.StrikeIssued:
                strikes.put({"strike_id": uuid_text(event.strike.strike_id),
                             "decision_id": uuid_text(event.strike.decision_id)})
            elif kind is Account.PenaltyImposed:
                _penalized(restrictions, decisions, strikes, suspensions, event, position)
            elif kind is Policy.Published:
                policies.put({"policy_id": uuid_text(event.originator_id), "domain": event.domain,
                              "policy_key": event.key, "category": event.terms.dsa_category})
            elif kind is Policy.Revised:
                policies.update((uuid_text(event.originator_id),), category=event.terms.dsa_category)
            elif kind is Report.Submitted:
                notices.add(_notice(policies, event, position))
            elif kind is Report.Closed:
                _close(notices, (uuid_text(event.originator_id),), "submitted_at", event.occurred_at, "closed_at",
                       {"outcome": str(event.outcome)}, "seconds_to_close")
                _answered(decisions, notices, event)
            elif kind is Appeal.Filed:
                _file(appeals, decisions, event, position)
            elif kind is Appeal.Upheld or kind is Appeal.Overturned:
                outcome = "UPHELD" if kind is Appeal.Upheld else "OVERTURNED"
                _close(appeals, (uuid_text(event.originator_id),), "filed_at", event.occurred_at, "resolved_at",
                       {"outcome": outcome}, "seconds_to_resolve")
            elif kind is Reporter.Suspended:
                suspensions.add({"position": position, "domain": None, "basis": SuspensionBasis.NOTICES,
                                 "kind": REPORTER_SUSPENSION, "suspended_at": event.occurred_at,
                                 "ends_at": event.until})
            elif kind is AutomationRule.Configured:
                rules.put({"rule_id": uuid_text(event.originator_id), "domain": event.domain,
                           "policy_key": event.policy_key, "model": event.settings.route.model})
            elif kind is AutomationRule.Evaluated:
                f = event.figures
                evaluations.add({"position": position, "rule_id": uuid_text(event.originator_id),
                                 "evaluated_at": event.occurred_at, "samples": f.samples, "precision_rate": f.precision,
                                 "recall_rate": f.recall, "kappa": f.kappa})
        write_all(sql, policies, cases, decisions, restrictions, notices, appeals, suspensions, strikes, rules,
                  evaluations)


def _policy_of(event: Policy.Revised | Report.Submitted) -> str:
    if isinstance(event, Policy.Revised):
        return uuid_text(event.originator_id)
    return uuid_text(Policy.create_id(event.subject.domain, event.policy_key))


_DECIDING = frozenset((Appeal.Filed, Report.Closed, Account.StrikeIssued, Account.PenaltyImposed))
"""The types whose events need a decision's row (see `_decision_of`)."""
_OF_APPEALS = frozenset((Appeal.Filed, Appeal.Upheld, Appeal.Overturned))


def _decision_of(event: object, strikes: Rows) -> str | None:
    """The decision an event needs the row of: the one appealed, that closed a notice, whose strike it issues, or
    whose strike brought the penalty it imposes."""
    if isinstance(event, (Appeal.Filed, Report.Closed)):
        return uuid_text(event.decision_id)
    if isinstance(event, Account.StrikeIssued):
        return uuid_text(event.strike.decision_id)
    if isinstance(event, Account.PenaltyImposed):
        strike = strikes.get((uuid_text(event.penalty.cause_strike_id),))
        return None if strike is None else str(strike["decision_id"])
    return None


def _penalized(
    restrictions: Rows, decisions: Rows, strikes: Rows, suspensions: Rows, event: Account.PenaltyImposed,
    position: int,
) -> None:
    """A penalty comes with the decision whose strike brought it, in its transaction: it restricts as that decision's
    statement of reasons says. A suspension is also one under Art. 23."""
    penalty = event.penalty
    strike = strikes.get((uuid_text(penalty.cause_strike_id),))
    assert strike is not None, f"penalty {penalty.penalty_id} was imposed for a strike never issued"
    if decisions.get((strike["decision_id"],)) is not None:
        restriction = penalty.dsa_decision or PENALTY_DECISIONS[penalty.kind]
        restrictions.put({"decision_id": strike["decision_id"], "restriction": restriction})
    if penalty.kind is PenaltyKind.SUSPENSION:
        suspensions.add({"position": position, "domain": penalty.domain, "basis": SuspensionBasis.CONTENT,
                         "kind": str(penalty.kind), "suspended_at": event.occurred_at, "ends_at": penalty.ends_at})


def _decided(decisions: Rows, restrictions: Rows, cases: Rows, event: Case.Decided, position: int) -> None:
    """Records a decision that restricts something in the EEA, and each restriction it imposes there."""
    d = event.decision
    imposed = eea_restrictions(d.actions) if d.outcome is Outcome.VIOLATING else []
    if not imposed:
        return
    case = cases.get((uuid_text(event.originator_id),))
    assert case is not None, f"case {event.originator_id} was decided before it was opened"
    decision_id = uuid_text(d.decision_id)
    decisions.add({
        "decision_id": decision_id, "domain": case["domain"], "policy_key": d.policy_key, "category": d.dsa_category,
        "source_type": d.dsa_source_type, "automated_detection": d.automated_detection, "automation": str(d.automation),
        "decided_at": event.occurred_at, "position": position,
    })
    for restriction in imposed:
        restrictions.add({"decision_id": decision_id, "restriction": restriction})


def _notice(policies: Rows, event: Report.Submitted, position: int) -> dict[str, Any]:
    """A notice, counted under its policy's category as it stood when the notice came."""
    policy = policies.get((_policy_of(event),))
    assert policy is not None, f"report {event.originator_id} names policy {event.policy_key}, never published"
    return {
        "report_id": uuid_text(event.originator_id), "domain": event.subject.domain, "policy_key": event.policy_key,
        "category": policy["category"], "reporter_kind": event.reporter_kind, "submitted_at": event.occurred_at,
        "closed_at": None, "outcome": None, "seconds_to_close": None, "position": position,
    }


def _answered(decisions: Rows, notices: Rows, event: Report.Closed) -> None:
    """A decision that closed a notice was prompted by it, whatever detections it cites: it counts as the notice's
    kind of source, not as own-initiative moderation (it is closed in the decision's own transaction, at its time)."""
    decision = decisions.get((uuid_text(event.decision_id),))
    notice = notices.get((uuid_text(event.originator_id),))
    if decision is not None and notice is not None:
        source = prompted_by((decision["source_type"], ReporterKind(notice["reporter_kind"]).dsa_source_type))
        decisions.put(decision | {"source_type": source})


def _file(appeals: Rows, decisions: Rows, event: Appeal.Filed, position: int) -> None:
    """A complaint against a decision the report counts, under the decision's category and automation; an appeal
    filed again (which only a corrupt ledger holds) keeps its first filing."""
    decision = decisions.get((uuid_text(event.decision_id),))
    if decision is None or appeals.get((uuid_text(event.originator_id),)) is not None:
        return
    appeals.add({
        "appeal_id": uuid_text(event.originator_id), "decision_id": decision["decision_id"],
        "domain": event.subject.domain,
        "category": decision["category"], "automation": decision["automation"], "filed_at": event.occurred_at,
        "resolved_at": None, "outcome": None, "seconds_to_resolve": None, "position": position,
    })


def _close(rows: Rows, key: tuple[str], started: str, at: Any, ended: str, changes: dict[str, Any], took: str) -> None:
    """Adds when a notice or complaint was settled, and how long it took from `started`."""
    row = rows.get(key)
    if row is not None:
        rows.put(row | changes | {ended: at, took: (at - row[started]).total_seconds()})
