"""The review read model's tables as a batch reads and writes them: each read once and written once per batch."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.breaker import QaSample
from domain.case import Case
from domain.detection import Detection
from domain.queue import Queue
from domain.report import Report
from domain.values import Subject
from projections.batch import Batch, Key, Row, Table, write_all
from projections.sql import Sql
from projections.values import case_text_id, uuid_text

POLICIES = Table(
    "review_policies",
    key=("domain", "policy_key"),
    columns=("policy_id", "domain", "policy_key", "severity", "severity_rank", "retired"),
    flags=("retired",),
)
DECIDED = Table("review_decided", key=("case_id", "policy_key"), columns=("case_id", "policy_key", "live_decision_id"))
ENTRIES = Table(
    "review_queue",
    key=("case_id", "policy_key"),
    columns=(
        "case_id", "policy_key", "domain", "subject_kind", "subject_id", "account_id", "severity", "severity_rank",
        "policy_retired", "max_confidence", "detections", "oldest_detected_at", "enqueued_at", "position", "reports",
        "reporter_rank", "reporter_kinds", "sources", "queue", "escalated", "priority",
    ),
    times=("oldest_detected_at", "enqueued_at"),
    flags=("policy_retired", "escalated"),
)


def waiting(key: Key, subject: Subject, account_id: str | None, policy: Row, position: int, at: datetime) -> Row:
    """The row of an entry queued at `at`, with no evidence, signals or queue yet."""
    return {
        "case_id": key[0], "policy_key": key[1], "domain": subject.domain, "subject_kind": subject.kind,
        "subject_id": subject.id, "account_id": account_id, "severity": policy["severity"],
        "severity_rank": policy["severity_rank"], "policy_retired": policy["retired"], "max_confidence": 0.0,
        "detections": 0, "oldest_detected_at": at, "enqueued_at": at, "position": position, "reports": 0,
        "reporter_rank": 0, "reporter_kinds": "", "sources": "", "queue": None, "escalated": False, "priority": 0,
    }


def first_known(stored: Any, new: Any) -> Any:
    """SQL's COALESCE: what is stored, unless that is NULL."""
    return new if stored is None else stored


QUEUES = Table(
    "review_queues",
    key=("name",),
    columns=("name", "domain", "description", "created_at", "created_by", "position"),
    times=("created_at",),
)
ROUTING = Table(
    "review_routing",
    key=("id",),
    columns=("id", "rules", "default_queue", "changed_at", "changed_by"),
    times=("changed_at",),
)
ROUTING_KEY = (1,)
"""The routing table is one row."""
CLAIMS = Table(
    "review_claims",
    key=("case_id",),
    columns=("case_id", "queue", "policy_key", "holder", "claimed_at", "expires_at"),
    times=("claimed_at", "expires_at"),
)

_NOTE_COLUMNS = ("position", "case_id", "policy_key", "kind", "note", "queue", "priority", "actor", "occurred_at")
_LOG_COLUMNS = ("position", "kind", "case_id", "policy_key", "queue", "reviewer", "occurred_at", "handling_seconds")
_LOGGED_ONCE = "ON CONFLICT (position, kind, case_id, policy_key) DO NOTHING"

_ON_ENTRIES = frozenset((
    Case.Decided, Case.Escalated, Case.Prioritized, Detection.Recorded, Report.Submitted, QaSample.Drawn,
))
_ON_CLAIMS = frozenset((Case.Decided, Case.ClaimRenewed, Case.Released))


def entry_key(event: Any) -> Key:
    """The case and policy of the entry an event of _ON_ENTRIES is about."""
    kind = type(event)
    if kind is Detection.Recorded:
        return case_text_id(event.facts.subject), event.facts.policy_key
    if kind is Report.Submitted or kind is QaSample.Drawn:
        return uuid_text(event.case_id), event.policy_key
    if kind is Case.Decided:
        return uuid_text(event.originator_id), event.decision.policy_key
    return uuid_text(event.originator_id), event.policy_key


class Skips:
    """A batch's skips: each is only ever added, or cleared by a decision with every other skip of its case and
    policy, so none need reading. Written as the clearings, then the skips added since."""

    def __init__(self) -> None:
        self._cleared: dict[Key, None] = {}
        self._added: dict[Key, dict[str, None]] = {}

    def add(self, case_id: str, policy_key: str, reviewer: str) -> None:
        self._added.setdefault((case_id, policy_key), {})[reviewer] = None

    def clear(self, case_id: str, policy_key: str) -> None:
        self._cleared[(case_id, policy_key)] = None
        self._added.pop((case_id, policy_key), None)

    def write(self, sql: Sql) -> None:
        if self._cleared:
            sql.delete_matching("review_skips", ("case_id", "policy_key"), list(self._cleared))
        added = [(*entry, reviewer) for entry, reviewers in self._added.items() for reviewer in reviewers]
        if added:
            sql.insert_rows("review_skips", ("case_id", "policy_key", "reviewer"), added, "ON CONFLICT DO NOTHING")


class ReviewRows:
    """The rows of the review read model that one batch reads and changes; notes and the work log only grow."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql
        self.policies = POLICIES.rows()
        self.decided = DECIDED.rows()
        self.entries = ENTRIES.rows()
        self.queues = QUEUES.rows()
        self.routing = ROUTING.rows()
        self.claims = CLAIMS.rows()
        self.skips = Skips()
        self._routing_read = False
        self._notes: list[tuple[Any, ...]] = []
        self._log: list[tuple[Any, ...]] = []

    def fetch(self, events: Batch) -> list[Key | None]:
        """Reads, in one statement per table, the rows the batch's events look up by their own keys; returns each
        event's `entry_key` (None for an event of no entry), for applying them without working it out again."""
        policies: list[Key] = []
        decided: list[Key] = []
        entries: list[Key] = []
        claims: list[Key] = []
        queues: list[Key] = []
        keys: list[Key | None] = []
        for _, event in events:
            kind = type(event)
            key = entry_key(event) if kind in _ON_ENTRIES else None
            keys.append(key)
            if key is not None:
                entries.append(key)
            if kind in _ON_CLAIMS:
                claims.append((uuid_text(event.originator_id),))
            if kind is Detection.Recorded:
                policies.append((event.facts.subject.domain, event.facts.policy_key))
                decided.append(entries[-1])
            elif kind is Report.Submitted or kind is QaSample.Drawn:
                policies.append((event.subject.domain, event.policy_key))
            elif kind is Queue.Updated:
                queues.append((event.name,))
        self.policies.fetch(self.sql, policies)
        self.decided.fetch(self.sql, decided)
        self.entries.fetch(self.sql, entries)
        self.claims.fetch(self.sql, claims)
        self.queues.fetch(self.sql, queues)
        return keys

    def routing_row(self) -> Row | None:
        """The routing table's row, read at the batch's first need of it."""
        if not self._routing_read:  # asked for by every detection routed: fetch's bookkeeping once, not each time
            self.routing.fetch(self.sql, [ROUTING_KEY])
            self._routing_read = True
        return self.routing.get(ROUTING_KEY)

    def note(
        self, position: int, event: Any, kind: str, note: str, queue: str | None = None, priority: int | None = None
    ) -> None:
        """Keeps a note on a case (from one of its events) beside its queue work."""
        self._notes.append((
            position, uuid_text(event.originator_id), event.policy_key, kind, note, queue, priority, event.actor,
            event.occurred_at,
        ))

    def log(
        self, position: int, kind: str, case_id: str, policy_key: str, queue: str, reviewer: str | None, at: datetime,
        handling_seconds: float | None = None,
    ) -> None:
        """Logs work in a queue for the operations figures."""
        self._log.append((position, kind, case_id, policy_key, queue, reviewer, at, handling_seconds))

    def write(self) -> None:
        write_all(self.sql, self.policies, self.decided, self.entries, self.queues, self.routing, self.claims)
        self.skips.write(self.sql)
        if self._notes:
            self.sql.insert_rows("review_notes", _NOTE_COLUMNS, self._notes)
        if self._log:
            self.sql.insert_rows("review_log", _LOG_COLUMNS, self._log, _LOGGED_ONCE)
