"""claimNext: the highest-priority case of a queue that nobody holds, leased to one reviewer only.

Candidates come from the review queue read model in priority order, as it stands (nothing waits
for it to catch up); the ledger decides. Two reviewers who reach for the same case both append a
Claimed event at the same version of the case, so one of them conflicts and moves on to the next
candidate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from app.read.store import read
from app.runtime.wiring import Runtime
from app.write.review import ClaimTaken
from domain.errors import ConflictError
from projections.review_queue.queues import claim_candidates
from projections.review_queue.rows import QueueEntryRow

BATCH = 10
MAX_ROUNDS = 5


@dataclass(frozen=True)
class NextClaim:
    taken: ClaimTaken
    entry: QueueEntryRow
    """The queue entry claimed, as the read model showed it."""


def claim_next(runtime: Runtime, queue: str, lease: timedelta, actor: str) -> NextClaim | None:
    """Leases the first candidate the ledger grants; None when the queue holds nothing to claim."""
    ledger = runtime.ledger
    ledger.get_queue(queue)
    tried: set[str] = set()
    for _ in range(MAX_ROUNDS):
        candidates = read(runtime.store, claim_candidates, queue, actor, ledger.clock(), BATCH + len(tried))
        fresh = [c for c in candidates if c.case_id not in tried]
        if not fresh:
            return None
        for entry in fresh:
            tried.add(entry.case_id)
            try:
                taken = ledger.claim_case(entry.subject, entry.account_id, queue, entry.policy_key, lease, actor)
                return NextClaim(taken, entry)
            except ConflictError:
                continue  # someone else holds it or got there first
    return None
