"""Sends statements of reasons to the DSA Transparency Database in batches of up to 100, keeping each one's state.

Every statement is checked against the contract first, so that one bad statement cannot fail a batch of good ones.
Before a batch goes, the ledger records that it carries its statements; after, what the database answered about each.
The ledger, not a read model, says what may be sent: a statement the database has is never sent again, and one whose
request got no answer (a dropped connection, a process that died) is looked up by its puid before it is sent again.
A refused batch is split: its duplicate puids are marked as in the database, its invalid statements rejected with
the database's reason, and the rest sent again at once. 429 waits as long as Retry-After asks; 5xx and no answer are
tried again with backoff, and when they go on the run stops, losing nothing: what was not stored is sent next time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from uuid import UUID, uuid4

from app.compliance.database import NoAnswer, Refused, Stored, TransparencyDatabase, Unstored
from app.compliance.pace import Backoff, RateLimit
from app.read.store import read
from app.runtime.wiring import Runtime
from app.write.submissions import Answer, Carried, Outcome, Submissions
from domain.submission import SubmissionStatus
from projections.statements_of_reasons.queries import StatementQuery, statement_page
from projections.statements_of_reasons.rows import StatementRow
from projections.statements_of_reasons.validation import violations

ACTOR = "service:docket-submit-sor"
BATCH = 100
"""The most statements the database takes in one request."""
PAGE = 1_000


class EndpointDown(Exception):
    """The database failed or did not answer for every attempt at a request; the run stopped there."""


class RequestRefused(EndpointDown):
    """The database refused a request as a whole (a bad token, a body it cannot read): no retry would do better."""


@dataclass
class Tally:
    """What a run did."""

    submitted: int = 0
    found_stored: int = 0
    rejected: int = 0
    invalid: int = 0
    failed: int = 0
    """Statements the database did not store when the run stopped: they are sent next time."""
    requests: int = 0
    stopped: str | None = None
    notes: list[str] = field(default_factory=list)


class Submitter:
    def __init__(
        self, runtime: Runtime, database: TransparencyDatabase, rate: RateLimit, backoff: Backoff | None = None,
        retry_rejected: bool = False, sleep: Callable[[float], None] = time.sleep, actor: str = ACTOR,
    ) -> None:
        self.runtime = runtime
        self.database = database
        self.rate = rate
        self.backoff = backoff or Backoff()
        self.retry_rejected = retry_rejected
        self.sleep = sleep
        self.actor = actor
        self.submissions = Submissions(runtime.ledger.work)

    def run(self, query: StatementQuery) -> Tally:
        """Sends what `query` selects that the database does not have; stops at an endpoint that stays down."""
        tally = Tally()
        unsent = [SubmissionStatus.PENDING, SubmissionStatus.SENDING]
        if self.retry_rejected:
            unsent.append(SubmissionStatus.REJECTED)
        try:
            for page in self._pages(StatementQuery(query.decided_from, query.decided_to, query.domains,
                                                   query.status, unsent)):
                for batch in self._due(page, tally):
                    self._submit(batch, tally)
        except EndpointDown as down:
            tally.stopped = str(down)
        return tally

    def _pages(self, query: StatementQuery) -> Iterator[list[StatementRow]]:
        after = 0
        while True:
            page = read(self.runtime.store, statement_page, query, after, PAGE)
            if page:
                yield page
            if len(page) < PAGE:
                return
            after = page[-1].position

    def _due(self, page: list[StatementRow], tally: Tally) -> Iterator[list[StatementRow]]:
        """The page's statements to send, in batches, as the ledger has them: uncertain ones looked up first."""
        valid = []
        for row in page:
            wrong = violations(row.statement)
            if wrong:
                tally.invalid += 1
                tally.notes.append(f"left out {row.puid}: " + "; ".join(f"{v.field}: {v.message}" for v in wrong))
            else:
                valid.append(row)
        states = self.submissions.states(r.puid for r in valid)
        status = {r.puid: SubmissionStatus.PENDING if r.puid not in states else states[r.puid].status for r in valid}
        uncertain = [r for r in valid if status[r.puid] is SubmissionStatus.SENDING]
        stored = self._found_stored(uncertain, tally)
        sendable = {SubmissionStatus.PENDING, SubmissionStatus.SENDING}
        if self.retry_rejected:
            sendable.add(SubmissionStatus.REJECTED)
        due = [r for r in valid if status[r.puid] in sendable and r.puid not in stored]
        for start in range(0, len(due), BATCH):
            yield due[start:start + BATCH]

    def _submit(self, batch: list[StatementRow], tally: Tally) -> None:
        request = self._send(batch)
        failures = 0
        while batch:
            self.rate.wait()
            tally.requests += 1
            answer = self.database.submit([r.statement for r in batch])
            if isinstance(answer, Stored):
                self._record(tally, [Outcome(r.puid, Answer.ACCEPTED, request, answer.uuids.get(r.puid))
                                     for r in batch])
                return
            if isinstance(answer, Refused):
                batch = self._split(batch, answer, request, tally)
                if batch:
                    request = self._send(batch)
                continue
            failures += 1
            if isinstance(answer, Unstored) and answer.final:
                self._record(tally, [Outcome(r.puid, Answer.FAILED, request, reason=_why(answer)) for r in batch])
                raise RequestRefused(f"the database refused the request: {_why(answer)}")
            if failures >= self.backoff.attempts:
                if isinstance(answer, Unstored):  # nothing stored: to send next time
                    self._record(tally, [Outcome(r.puid, Answer.FAILED, request, reason=_why(answer))
                                         for r in batch])
                raise EndpointDown(f"{failures} attempts at a batch of {len(batch)} failed, the last with "
                                   f"{_why(answer)}")
            self.sleep(self.backoff.delay(failures, answer.retry_after if isinstance(answer, Unstored) else None))
            if isinstance(answer, NoAnswer):  # it may have stored them: ask before sending them again
                stored = self._found_stored(batch, tally)
                batch = [r for r in batch if r.puid not in stored]

    def _send(self, batch: list[StatementRow]) -> UUID:
        """Records that a new request carries the batch."""
        request = uuid4()
        self.submissions.send([Carried(r.puid, UUID(r.decision_id), r.domain) for r in batch], request, self.actor)
        return request

    def _split(self, batch: list[StatementRow], refused: Refused, request: UUID, tally: Tally) -> list[StatementRow]:
        """Records what the database said of each statement it named; the rest, to send again."""
        named = {batch[i].puid: reason for i, reason in refused.invalid.items() if 0 <= i < len(batch)}
        outcomes = [Outcome(p, Answer.FOUND_STORED, database_uuid=u) for p, u in refused.existing.items()
                    if p in {r.puid for r in batch}]
        outcomes += [Outcome(p, Answer.REJECTED, request, reason=reason) for p, reason in named.items()
                     if p not in refused.existing]
        if not outcomes:  # it named nothing of the batch: the batch as a whole is refused
            outcomes = [Outcome(r.puid, Answer.REJECTED, request, reason=refused.message or "refused (422)")
                        for r in batch]
        self._record(tally, outcomes)
        done = {o.puid for o in outcomes}
        return [r for r in batch if r.puid not in done]

    def _found_stored(self, batch: list[StatementRow], tally: Tally) -> set[str]:
        """Looks up each puid; records those the database has, and returns them."""
        stored = set()
        for row in batch:
            self.rate.wait()
            tally.requests += 1
            if self.database.has(row.puid):
                stored.add(row.puid)
        self._record(tally, [Outcome(p, Answer.FOUND_STORED) for p in sorted(stored)])
        return stored

    def _record(self, tally: Tally, outcomes: list[Outcome]) -> None:
        if not outcomes:
            return
        self.submissions.record(outcomes, self.actor)
        for o in outcomes:
            if o.answer is Answer.ACCEPTED:
                tally.submitted += 1
            elif o.answer is Answer.FOUND_STORED:
                tally.found_stored += 1
            elif o.answer is Answer.REJECTED:
                tally.rejected += 1
                tally.notes.append(f"the database refused {o.puid}: {o.reason}")
            else:
                tally.failed += 1


def _why(answer: Unstored | NoAnswer) -> str:
    if isinstance(answer, NoAnswer):
        return f"no answer ({answer.error})"
    return f"HTTP {answer.status_code}" + (f": {answer.excerpt}" if answer.excerpt else "")
