"""Lone detections, each from its own request, written together when they arrive while the ledger is busy with others.

A lone detection costs the ledger a load and a write of its own (~1 ms of CPU, most of it the two round trips and
their encoding); a batch of 16 costs ~0.2 ms a detection. A caller that finds fewer than WRITERS writes under way is
written at once, alone as before; one that finds WRITERS waits, and the detections waiting when a write ends go as
one batch (`Ledger.record_detections`, one transaction). Each caller gets what its detection alone would have got:
the batch is all or nothing, so when any of its detections fails (an unknown policy, a retry that contradicts the
first), nothing is written and each is recorded alone.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import cast

from starlette.concurrency import run_in_threadpool

from app.write.detections import DetectionRecorded
from app.write.ledger import Ledger
from domain.detection import DetectionFacts
from domain.errors import DocketError

GROUP_MOST = 24
"""The most detections written together: with its subject's index each is two events, and a write of fewer than 64
events is one statement (`docket_insert_events`)."""
WRITERS = 2
"""Writes under way at once: a second lets detections go while the first waits on PostgreSQL (under 32 callers, 5-17%
more requests/s than one, for a little more CPU a request)."""


@dataclass(frozen=True)
class _Waiting:
    facts: DetectionFacts
    actor: str
    answer: asyncio.Future[DetectionRecorded]


class LoneDetections:
    """`Ledger.record_detection` for callers on one event loop, concurrent ones written together."""

    def __init__(self, ledger: Ledger, most: int = GROUP_MOST, writers: int = WRITERS) -> None:
        self.ledger = ledger
        self.most = most
        self.writers = writers
        self._waiting: list[_Waiting] = []
        self._writing: set[asyncio.Task[None]] = set()

    async def record(self, facts: DetectionFacts, actor: str) -> DetectionRecorded:
        """The detection recorded (or found recorded before); raises what `Ledger.record_detection` would."""
        waiting = _Waiting(facts, actor, asyncio.get_running_loop().create_future())
        self._waiting.append(waiting)
        if len(self._writing) < self.writers:
            # A task of its own, not the caller's: a caller that goes away leaves the others' writes going.
            self._writing.add(asyncio.create_task(self._write_all()))
        return await waiting.answer

    async def _write_all(self) -> None:
        group: list[_Waiting] = []
        try:
            while self._waiting:
                group = self._next_group()
                try:
                    answers = await run_in_threadpool(self._record, [w.facts for w in group], group[0].actor)
                except Exception as error:  # noqa: BLE001 - what the write raised, each caller's to raise
                    answers = [error] * len(group)
                for waiting, answer in zip(group, answers, strict=True):
                    if waiting.answer.done():  # its caller went away
                        continue
                    if isinstance(answer, Exception):
                        waiting.answer.set_exception(answer)
                    else:
                        waiting.answer.set_result(answer)
        finally:
            # Callers are left waiting only when this task is cancelled (its event loop closing): so are they.
            for waiting in [*group, *self._waiting]:
                waiting.answer.cancel()
            self._waiting = []
            # Before any other task runs: `record` must never count a writer that takes no more detections.
            self._writing.discard(cast("asyncio.Task[None]", asyncio.current_task()))

    def _next_group(self) -> list[_Waiting]:
        """The first waiting detections of the first one's actor (a batch has one), in the order they came."""
        actor = self._waiting[0].actor
        group = [w for w in self._waiting if w.actor == actor][: self.most]
        taken = {id(w) for w in group}
        self._waiting = [w for w in self._waiting if id(w) not in taken]
        return group

    def _record(self, batch: list[DetectionFacts], actor: str) -> list[DetectionRecorded | Exception]:
        if len(batch) > 1:
            try:
                return list(self.ledger.record_detections(batch, actor))
            except DocketError:
                pass  # one of them fails: each is recorded alone, to fail alone with its own error
        answers: list[DetectionRecorded | Exception] = []
        for facts in batch:
            try:
                answers.append(self.ledger.record_detection(facts, actor))
            except Exception as error:  # noqa: BLE001 - raised to this detection's caller alone
                answers.append(error)
        return answers
