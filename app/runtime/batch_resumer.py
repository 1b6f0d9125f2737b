"""Finishes the batches a crashed or stopped process left half done."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from uuid import UUID

from app.read.store import read
from app.runtime.wiring import Runtime
from projections.batch_progress.queries import unfinished_batches

log = logging.getLogger(__name__)

IDLE = timedelta(minutes=1)
"""How long a batch must have made no progress before another process takes it over: one that runs saves a
chunk every second or so."""


def resume_unfinished(runtime: Runtime, idle_for: timedelta = IDLE) -> list[UUID]:
    """Finishes every batch, deciding or undoing, that has made no progress for `idle_for`; returns their ids.

    The batches are those the read model shows, as it stands: one it has not seen yet started too recently to have
    stalled, and one whose latest chunks it has not seen yet may be taken over early, which batches allow (a runner
    that finds another's chunk saved goes on after it).
    """
    stalled = [UUID(b) for b in read(runtime.store, unfinished_batches, runtime.ledger.clock() - idle_for)]
    for batch_id in stalled:
        runtime.ledger.resume_batch(batch_id)
    return stalled


def start_resuming(runtime: Runtime) -> threading.Thread:
    """Resumes stalled batches on a background thread, so that serving starts at once."""

    def run() -> None:
        try:
            resumed = resume_unfinished(runtime)
        except Exception:
            log.exception("resuming unfinished batches failed; they resume at the next start or retry")
            return
        if resumed:
            log.info("resumed %d unfinished batches: %s", len(resumed), ", ".join(map(str, resumed)))

    thread = threading.Thread(target=run, name="docket-batch-resumer", daemon=True)
    thread.start()
    return thread
