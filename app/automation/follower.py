"""The detections pipelines record with content for the rules (`modelContent`), read from the ledger in order, and
the policy's active rules run on each as autoAction runs them: a few detections at a time, each one's rules at once.

Running a detection's rules again is safe: its verdicts are keyed by rule, subject and exactly what the model was
asked, so a run after a crash finds each verdict already recorded (no second model call, no second verdict) and
makes an AUTO decision with the same idempotency key (no second decision). The verdicts themselves (source LLM or
VLM) carry no content for the rules, so no verdict sets off a rule again.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from eventsourcing.utils import get_topic

from app.automation.running import AutoActions
from app.write.ledger import Ledger
from domain.detection import Detection
from domain.errors import NotFoundError, ValidationError

log = logging.getLogger(__name__)

ACTOR = "service:docket-automate"
"""Who records the verdicts and the automated decisions' requests (an AUTO decision's actor is its rule's)."""
DETECTION_RECORDED = get_topic(Detection.Recorded)


@dataclass(frozen=True)
class Page:
    """The detections with content for the rules among the next ones recorded, and the position read up to."""

    detections: list[Detection.Recorded]
    reached: int
    full: bool
    """Whether more may follow at once: the page stopped at its limit, not at the ledger's head."""


def next_page(ledger: Ledger, after: int, limit: int) -> Page:
    """The recorded detections after `after`, up to `limit` of them, as far as the ledger's head."""
    head = ledger.head()
    if head <= after:
        return Page([], after, False)
    found = ledger.select_page(after, limit, topics=[DETECTION_RECORDED], stop=head)
    full = len(found) == limit
    events = [ledger.decode(n).event for n in found]
    judged = [e for e in events if isinstance(e, Detection.Recorded) and e.facts.to_judge is not None]
    return Page(judged, found[-1].id if full else head, full)


class Follower:
    """Runs the policy's active rules on each detection of a page, at most `concurrency` detections at once."""

    def __init__(self, auto_actions: AutoActions, concurrency: int) -> None:
        self.auto_actions = auto_actions
        self.concurrency = concurrency

    async def judge(self, page: Page) -> int:
        """Runs every detection's rules, each to its end; returns how many verdicts were made or found. Raises the
        first unexpected failure once all are done (the page is then judged again: what was done is found done)."""
        slots = asyncio.Semaphore(self.concurrency)

        async def judge_one(event: Detection.Recorded) -> int:
            async with slots:
                return await self._judge(event)

        results = await asyncio.gather(*(judge_one(e) for e in page.detections), return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            raise failures[0]
        return sum(r for r in results if isinstance(r, int))

    async def _judge(self, event: Detection.Recorded) -> int:
        facts = event.facts
        content = facts.to_judge
        assert content is not None  # a page holds only detections with content for the rules
        try:
            outcomes = await self.auto_actions.run(facts.subject, facts.account_id, facts.policy_key, content, ACTOR)
        except (ValidationError, NotFoundError) as refused:  # the same whenever tried: said, and passed over
            log.info("the rules cannot judge detection %s: %s", event.originator_id, refused.message)
            return 0
        return len(outcomes)
