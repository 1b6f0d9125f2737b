"""Records the write side's indexes that a ledger written before them lacks, from the ledger's own events.

A ledger written before the indexes (domain/indexes.py) holds decisions and detections that no index names: fileAppeal
and reverseDecision find none of its decisions, and decide none of its detected accounts. The backfill reads the
ledger in order, a page at a time, and records each page's missing entries in one transaction, as the commands would
have recorded them: each decision's case, each detection noted in its subject's index against the case as it
stood then, and each automation rule in its policy's list. An entry that exists is left as it is, and a detection
noted again tells its index nothing new, so a run cut short is finished by the next with nothing recorded twice. A
finished run is recorded (IndexBackfill), and later runs stop at that record.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from uuid import UUID

from eventsourcing.application import project_aggregate
from eventsourcing.persistence import RecordConflictError
from eventsourcing.utils import get_topic

from app.write.ledger import Ledger
from app.write.unit_of_work import UnitOfWork
from domain.automation import AutomationRule
from domain.case import Case
from domain.detection import Detection, DetectionFacts
from domain.indexes import DecisionIndex, IndexBackfill, PolicyRules, SubjectIndex, note_detection

log = logging.getLogger(__name__)

PAGE = 500
"""Events of the kinds indexed (and of cases) read, and their entries recorded in one transaction."""
ACTOR = "system:index-backfill"

CASE_TOPICS = frozenset(
    get_topic(member) for member in vars(Case).values() if isinstance(member, type) and issubclass(member, Case.Event)
)
DECIDED = get_topic(Case.Decided)
DETECTED = get_topic(Detection.Recorded)
CONFIGURED = get_topic(AutomationRule.Configured)


@dataclass(frozen=True)
class Backfilled:
    """What a backfill recorded: the decisions it indexed and the subjects whose index it started or added to."""

    decisions: int
    subjects: int
    position: int
    """Every event up to this position is indexed."""

    def __str__(self) -> str:
        return (
            f"write-side indexes backfilled up to position {self.position}: {self.decisions} decisions and "
            f"{self.subjects} subjects indexed"
        )


@dataclass(frozen=True)
class _Page:
    """What one page of the ledger asks to index: decisions with their case, detections with their case's version."""

    decided: list[tuple[UUID, UUID]]
    detected: list[tuple[DetectionFacts, int]]
    configured: list[AutomationRule.Configured]


def backfilled(ledger: Ledger) -> bool:
    """Whether the ledger records a finished backfill."""
    return ledger.work.find(IndexBackfill, IndexBackfill.create_id()) is not None


def backfill_indexes(ledger: Ledger, page: int = PAGE) -> Backfilled | None:
    """Indexes what the ledger holds without index entries, once: None when a finished backfill is recorded."""
    work = ledger.work
    if backfilled(ledger):
        return None
    head = work.head()
    decisions, subjects = record_missing(ledger, head, page)
    with suppress(RecordConflictError):  # another process finished a backfill at the same time
        work.store(IndexBackfill.complete(head, decisions, subjects, ACTOR, work.clock()))
    done = Backfilled(decisions, subjects, head)
    log.info("%s", done)
    return done


def record_missing(ledger: Ledger, up_to: int, page: int = PAGE) -> tuple[int, int]:
    """Records the index entries missing for the events up to position `up_to`, a page at a time; returns how many
    decisions it indexed, and how many subjects' indexes it started or added to."""
    versions: dict[UUID, int] = {}  # each case's version so far in the ledger's order: an int a case in memory
    decisions = subjects = 0
    after = 0
    while after < up_to:
        notifications = ledger.recorder.select_notifications(
            start=after + 1, limit=page, stop=up_to, topics=[*CASE_TOPICS, DETECTED, CONFIGURED]
        )
        if not notifications:
            break
        after = notifications[-1].id
        found = _Page([], [], [])
        for notification in notifications:
            decoded = notification.topic in (DECIDED, DETECTED, CONFIGURED)
            event = ledger.mapper.to_domain_event(notification) if decoded else None
            if isinstance(event, AutomationRule.Configured):
                found.configured.append(event)
                continue
            if isinstance(event, Detection.Recorded):
                found.detected.append((event.facts, versions.get(Case.create_id(event.facts.subject), 0)))
                continue
            case_id = notification.originator_id
            assert isinstance(case_id, UUID), "the ledger's aggregate ids are UUIDs"
            versions[case_id] = notification.originator_version
            if isinstance(event, Case.Decided):
                found.decided.append((event.decision.decision_id, case_id))
        indexed, noted = ledger.work.retrying(partial(_record, ledger.work, found))
        decisions += indexed
        subjects += noted
    return decisions, subjects


def _record(work: UnitOfWork, page: _Page) -> tuple[int, int]:
    """Records a page's missing entries in one transaction; returns how many decisions and subjects it indexed."""
    now = work.clock()
    known = work.load_all(DecisionIndex, [DecisionIndex.create_id(d) for d, _ in page.decided])
    decisions = [
        DecisionIndex.record(decision_id, case_id, ACTOR, now)
        for decision_id, case_id in page.decided
        if DecisionIndex.create_id(decision_id) not in known
    ]
    indexes = work.load_all(SubjectIndex, [SubjectIndex.create_id(f.subject) for f, _ in page.detected])
    histories = work.histories([Case.create_id(f.subject) for f, version in page.detected if version])
    cases: dict[tuple[UUID, int], Case] = {}
    for facts, version in page.detected:
        case_id = Case.create_id(facts.subject)
        if version and (case_id, version) not in cases:
            case = project_aggregate(None, histories[case_id][:version])
            assert isinstance(case, Case), f"{case_id} is not a case"
            cases[(case_id, version)] = case
        index_id = SubjectIndex.create_id(facts.subject)
        indexes[index_id] = note_detection(indexes.get(index_id), cases.get((case_id, version)), facts, ACTOR, now)
    noted = [index for index in indexes.values() if index.pending_events]
    work.store(*decisions, *noted, *_rules_listed(work, page.configured, now))
    return len(decisions), len(noted)


def _rules_listed(work: UnitOfWork, configured: list[AutomationRule.Configured], now: datetime) -> list[PolicyRules]:
    """The policies' rule lists that lack a rule configured on the page, each with the rule added."""
    lists = work.load_all(PolicyRules, [PolicyRules.create_id(e.domain, e.policy_key) for e in configured])
    for event in configured:
        list_id = PolicyRules.create_id(event.domain, event.policy_key)
        rules = lists.get(list_id)
        if rules is None:
            lists[list_id] = PolicyRules.start(event.domain, event.policy_key, event.originator_id, ACTOR, now)
        else:
            rules.add(event.originator_id, ACTOR, now)
    return [rules for rules in lists.values() if rules.pending_events]
