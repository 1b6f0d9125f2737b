"""`docket automate`: follows the ledger from the position it saved and runs the policy's active rules (SHADOW, ASSIST
or AUTO) on the content each pipeline's detection carries, until stopped.

A page of detections is judged, then its position saved (`automation_feed`), so a crash at any moment judges that
page again on restart, and what was done is found done (see app.automation.follower). A failure (the database gone,
say) is logged and the page tried again, waiting twice as long each time up to MAX_RETRY; a provider that fails is no
failure here: autoAction's handling records it, and its breaker counts it. Stopped by a signal, it finishes the page
under way and saves where it got to. One follower of a database works at a time: it holds the `automate` lease while
it does, and another one started beside it stands by (two would call the models about every detection twice). With
more than one process (`docket automate --processes N`), it shares each page among judging processes
(app.runtime.judging_processes): a model call's CPU time through litellm caps what one process can have in flight.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from app.automation.follower import Follower, Page, next_page
from app.read.lease import database_lease, while_held
from app.read.store import ReadStore
from app.runtime.judging_processes import JudgingProcesses
from app.runtime.retrying import RetryPause, retried
from app.runtime.wiring import Runtime

log = logging.getLogger(__name__)

FEED = "automation"
BATCH = 200
"""Detections read at once (those with content for the rules among them are judged)."""
IDLE = 5.0
"""Seconds between looks at the ledger when no write was heard (one in another process is heard on PostgreSQL)."""
FIRST_RETRY = 0.5
MAX_RETRY = 30.0


def saved_position(store: ReadStore) -> int:
    with store.transaction(write=False) as sql:
        sql.execute("SELECT position FROM automation_feed WHERE name = ?", (FEED,))
        row = sql.fetchone()
    return 0 if row is None else int(row[0])


def save_position(store: ReadStore, position: int) -> None:
    with store.transaction() as sql:
        sql.execute(
            "INSERT INTO automation_feed (name, position) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET position = excluded.position",
            (FEED, position),
        )


class AutomationFeed:
    """Runs the rules on the pipelines' detections, `concurrency` detections at once, in this process or shared among
    `processes` judging processes."""

    def __init__(self, runtime: Runtime, concurrency: int, batch: int = BATCH, processes: int = 1) -> None:
        self.runtime = runtime
        self.follower: Follower | JudgingProcesses = (
            Follower(runtime.auto_actions, concurrency) if processes == 1
            else JudgingProcesses(runtime.settings, concurrency, processes)
        )
        self.batch = batch

    async def run(self, stop: asyncio.Event) -> None:
        """Judges the detections recorded after the saved position, then each as it is recorded, while this process
        holds the automate lease, until `stop`."""
        lease = database_lease(self.runtime.settings.database, "automate")
        try:
            await while_held(lease, self._follow, stop)
        finally:
            if isinstance(self.follower, JudgingProcesses):
                await asyncio.to_thread(self.follower.close)

    async def _follow(self, stop: asyncio.Event) -> None:
        pause = RetryPause(FIRST_RETRY, MAX_RETRY)
        position: int | None = None

        def failed(_error: Exception) -> str:
            return f"judging the detections after position {position} failed"

        position = await retried(self._saved_position, stop, pause, log, failed)
        while position is not None and not stop.is_set():
            seen = self.runtime.recorded.seen()
            page = await retried(partial(self._step, position), stop, pause, log, failed)
            if page is None:
                return
            position = page.reached
            if not page.full:
                await self._idle(seen, stop)

    async def _saved_position(self) -> int:
        position = await asyncio.to_thread(saved_position, self.runtime.store)
        log.info("running the automation rules on the detections recorded after position %d", position)
        return position

    async def _idle(self, seen: int, stop: asyncio.Event) -> None:
        """Until a write after the `seen`th is heard, `stop` is set, or IDLE seconds pass."""
        waits = {asyncio.ensure_future(stop.wait()),
                 asyncio.ensure_future(self.runtime.recorded.await_after(seen, IDLE))}
        _, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for waiting in pending:
            waiting.cancel()

    async def _step(self, position: int) -> Page:
        """Judges the next page and saves the position it reached."""
        page = await asyncio.to_thread(next_page, self.runtime.ledger, position, self.batch)
        if page.detections:
            verdicts = await self.follower.judge(page)
            log.info("%d detections judged up to position %d: %d verdicts", len(page.detections), page.reached,
                     verdicts)
        if page.reached != position:
            await asyncio.to_thread(save_position, self.runtime.store, page.reached)
        return page
