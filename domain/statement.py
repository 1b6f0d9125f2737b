"""A decision's DSA statement of reasons, as the Transparency Database's API takes it.

Free text comes from the policy's own words and from structured facts only, never from a decision's rationale,
a detection's evidence, a note or a report (DSA Art. 24(5): no personal data in statements).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from domain.case import Decision
from domain.dsa import (
    ACCOUNT,
    EEA_COUNTRIES,
    MONETARY,
    MONETARY_OTHER,
    SINGLE_DECISIONS,
    VISIBILITY,
    VISIBILITY_OTHER,
    DsaFacts,
    decision_field,
)
from domain.policy import PolicyTerms
from domain.values import Action, AutomationLevel, ContentType, DsaGround, Outcome, Subject

LATEST_DATE = date(2038, 1, 1)
"""The latest date the database takes; a restriction that ends later is sent as indefinite."""

_FIELD_SHORT = 500
_FIELD_LONG = 2000
_FACTS = 5000

_SOURCES = {
    "SOURCE_ARTICLE_16": "a notice under Article 16 DSA",
    "SOURCE_TRUSTED_FLAGGER": "a notice by a trusted flagger",
    "SOURCE_TYPE_OTHER_NOTIFICATION": "a notification by an authority",
    "SOURCE_VOLUNTARY": "the platform's own initiative",
}
_AUTOMATION = {
    AutomationLevel.FULLY: "by automated means, without human review",
    AutomationLevel.PARTIALLY: "by a person, with automated means assisting",
    AutomationLevel.NOT_AUTOMATED: "by a person",
}


@dataclass(frozen=True)
class PolicyWording:
    """What a statement quotes of the policy version a decision applied."""

    title: str
    text: str
    dsa_keywords: tuple[str, ...] = ()
    legal_ground: str | None = None
    reference_url: str | None = None

    @classmethod
    def of(cls, terms: PolicyTerms) -> PolicyWording:
        return cls(terms.title, terms.text, terms.dsa_keywords, terms.legal_ground, terms.reference_url)


@dataclass(frozen=True)
class StatementFacts:
    """Everything a statement is made of: the decision, what it was about, and the policy version it applied."""

    decision: Decision
    subject: Subject
    policy: PolicyWording
    decided_at: datetime
    first_seen_at: datetime
    """When the ledger first heard of the subject: the content date when the decision does not give one."""


def puid(decision_id: UUID) -> str:
    """The statement's platform unique id: the decision's, so that it is the same whenever it is made."""
    return f"docket-{decision_id}"


def statement_of(facts: StatementFacts) -> dict[str, Any] | None:
    """The statement of reasons for a decision, or None when the decision restricts nothing in the EEA."""
    decision = facts.decision
    if decision.outcome is not Outcome.VIOLATING:
        return None
    scope = _territorial_scope(decision.actions)
    if not scope:
        return None
    dsa = decision.dsa or DsaFacts()
    applied = _day(facts.decided_at)
    statement: dict[str, Any] = {
        **_restrictions(decision.actions, dsa, applied),
        **_ground(facts, dsa),
        "content_type": [f"CONTENT_TYPE_{decision.content_type or ContentType.OTHER}"],
        "category": decision.dsa_category,
        "territorial_scope": scope,
        "content_date": _day(min(dsa.content_posted_at or facts.first_seen_at, facts.decided_at)).isoformat(),
        "application_date": applied.isoformat(),
        "decision_facts": _decision_facts(facts),
        "source_type": decision.dsa_source_type,
        "automated_detection": "Yes" if decision.automated_detection else "No",
        "automated_decision": f"AUTOMATED_DECISION_{decision.automation}",
        "puid": puid(decision.decision_id),
    }
    if decision.content_type in (None, ContentType.OTHER):
        statement["content_type_other"] = _clip(dsa.content_type_other or f"A {facts.subject.kind}", _FIELD_SHORT)
    if facts.policy.dsa_keywords:
        statement["category_specification"] = list(facts.policy.dsa_keywords)
    if dsa.account_type is not None:
        statement["account_type"] = f"ACCOUNT_TYPE_{dsa.account_type}"
    if dsa.content_language is not None:
        statement["content_language"] = dsa.content_language
    if dsa.content_ean is not None:
        statement["content_id"] = {"EAN-13": dsa.content_ean}
    if facts.policy.reference_url is not None:
        statement["decision_ground_reference_url"] = facts.policy.reference_url
    return statement


def _restrictions(actions: tuple[Action, ...], dsa: DsaFacts, applied: date) -> dict[str, Any]:
    """The decision fields the actions land in, each with its end date (none: indefinite)."""
    fields: dict[str, Any] = {}
    visibility = [a for a in actions if a.type in VISIBILITY]
    if visibility:
        fields["decision_visibility"] = sorted({VISIBILITY[a.type] for a in visibility})
        if "DECISION_VISIBILITY_OTHER" in fields["decision_visibility"]:
            fields["decision_visibility_other"] = dsa.visibility_other or VISIBILITY_OTHER
        fields["end_date_visibility_restriction"] = _end([a.ends_at for a in visibility], applied)
    for mapping in (MONETARY, ACCOUNT):
        for action in actions:
            if action.type in mapping:
                _restrict(fields, mapping[action.type], _end([action.ends_at], applied))
    if fields.get("decision_monetary") == "DECISION_MONETARY_OTHER":
        fields["decision_monetary_other"] = dsa.monetary_other or MONETARY_OTHER
    return fields


def with_penalty(statement: dict[str, Any], dsa_decision: str, ends_at: datetime | None) -> dict[str, Any]:
    """The statement with a penalty its decision's strike brought (`dsa_decision`, e.g. DECISION_ACCOUNT_SUSPENDED)."""
    changed = dict(statement)
    applied = date.fromisoformat(statement["application_date"])
    _restrict(changed, dsa_decision, _end([ends_at], applied))
    if changed.get("decision_monetary") != "DECISION_MONETARY_OTHER":
        changed.pop("decision_monetary_other", None)
    return changed


def _restrict(fields: dict[str, Any], value: str, end: str | None) -> None:
    """Sets a single-valued decision field: the database takes one value, the heaviest; of equals, the later end."""
    field = decision_field(value)
    assert field is not None, f"{value} is no single-valued decision"
    values, end_field = SINGLE_DECISIONS[field]
    current = fields.get(field)
    if current is not None and values.index(current) > values.index(value):
        return
    if current == value:
        ends = (fields[end_field], end)
        end = None if None in ends else max(e for e in ends if e is not None)
    fields[field] = value
    fields[end_field] = end


def _end(ends: list[datetime | None], applied: date) -> str | None:
    """When the last of the restrictions ends; None if one lasts indefinitely or past the latest date the database
    takes."""
    if None in ends:
        return None
    last = max(_day(end) for end in ends if end is not None)
    return None if last > LATEST_DATE else max(last, applied).isoformat()


def _ground(facts: StatementFacts, dsa: DsaFacts) -> dict[str, Any]:
    policy = facts.policy
    explanation = _clip(f"{policy.title}: {policy.text}", _FIELD_LONG)
    if facts.decision.dsa_ground is DsaGround.ILLEGAL_CONTENT:
        return {
            "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
            "illegal_content_legal_ground": _clip(policy.legal_ground or policy.title, _FIELD_SHORT),
            "illegal_content_explanation": explanation,
        }
    ground: dict[str, Any] = {
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": _clip(
            f"Terms of service, {facts.subject.domain} policy {facts.decision.policy_key!r} "
            f"(version {facts.decision.policy_version}): {policy.title}", _FIELD_SHORT,
        ),
        "incompatible_content_explanation": explanation,
    }
    if dsa.illegal_too is not None:
        ground["incompatible_content_illegal"] = "Yes" if dsa.illegal_too else "No"
    return ground


def _territorial_scope(actions: tuple[Action, ...]) -> list[str]:
    """Where the actions apply within the EEA; an action without territories applies everywhere."""
    codes: set[str] = set()
    for action in actions:
        codes |= EEA_COUNTRIES if not action.territories else EEA_COUNTRIES & set(action.territories)
    return sorted(codes)


def _decision_facts(facts: StatementFacts) -> str:
    decision = facts.decision
    actions = "; ".join(
        f"{a.type.replace('_', ' ').lower()}"
        + (f" in {', '.join(a.territories)}" if a.territories else " everywhere")
        + (f" until {_day(a.ends_at).isoformat()}" if a.ends_at is not None else "")
        for a in decision.actions
    )
    text = (
        f"The {facts.subject.kind} was found to break the {facts.subject.domain} policy \"{facts.policy.title}\" "
        f"(version {decision.policy_version}). It came to attention through {_SOURCES[decision.dsa_source_type]}"
        f"{', detected by automated means' if decision.automated_detection else ''}, and was decided "
        f"{_AUTOMATION[decision.automation]}. Actions taken: {actions}. The policy says: {facts.policy.text}"
    )
    return _clip(text, _FACTS)


def _day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
