"""Which fields of which events hold personal data, and whose: what the ledger seals with each account's own key.

Sealed: a detection's evidence (what a detector attached: excerpts, images, metadata about people) and the content it
gives the automation rules to judge (the text, image URLs and metadata themselves), a report's text
(a person's words about another), a note or an escalation's note on a case (reviewers' working notes quote content)
and an appeal's statement (the appellant's own words). Each belongs to the account the case is about; a report
about content of no known account belongs to its reporter.

In clear, as the enforcement record that must outlive erasure: identifiers and structured facts, and the
platform's own reasons (a decision's rationale, a reversal's, an appeal resolution's, a priority's or a reporter
warning's), which statements of reasons and appeals rest on and which reviewers write about the rule, not the
person. An automation rule's record in a detection's evidence (its verdict, mode and model) is machine output the
rule's figures and a decision's automation level are computed from: evidence holding one stays in clear.
Reporter identity stays in clear: it names the reporter's stream and counts (see the README's erasure section).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from domain.appeal import Appeal
from domain.case import Case
from domain.detection import MODEL_SOURCES, Detection
from domain.report import Report


class PersonalField(NamedTuple):
    """A field of personal data in an event: the attribute path to it, and the account whose key seals it.

    A named tuple, made in a quarter of a frozen dataclass's time: twice for each detection a bulk write stores."""

    path: tuple[str, ...]
    account_id: str


def _detection(event: Detection.Recorded) -> list[PersonalField]:
    facts = event.facts
    if facts.account_id is None:
        return []
    rule_record = facts.source in MODEL_SOURCES and "automation" in facts.evidence
    found = [] if not facts.evidence or rule_record else [PersonalField(("facts", "evidence"), facts.account_id)]
    if facts.model_content is not None:
        found.append(PersonalField(("facts", "model_content"), facts.account_id))
    return found


def _report(event: Report.Submitted) -> list[PersonalField]:
    return [PersonalField(("text",), event.account_id or event.reporter_id)]


def _note(event: Case.NoteAdded | Case.Escalated) -> list[PersonalField]:
    account_id = getattr(event, "account_id", None)  # events recorded before notes named their account have none
    return [] if account_id is None else [PersonalField(("note",), account_id)]


def _appeal(event: Appeal.Filed) -> list[PersonalField]:
    return [] if event.account_id is None else [PersonalField(("statement",), event.account_id)]


PERSONAL_DATA: dict[type, Callable[[Any], list[PersonalField]]] = {
    Detection.Recorded: _detection,
    Report.Submitted: _report,
    Case.NoteAdded: _note,
    Case.Escalated: _note,
    Appeal.Filed: _appeal,
}
"""Per event class, the personal data an event of it holds."""


def personal_fields(event: object) -> list[PersonalField]:
    """The fields of personal data in `event`, each with the account whose key seals it."""
    find = PERSONAL_DATA.get(type(event))
    return [] if find is None else find(event)
