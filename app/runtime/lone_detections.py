"""Lone detections, each from its own request, written together when they arrive while another write is under way.

A lone detection costs the ledger a load and a write of its own (~1 ms of CPU, most of it the two round trips and
their encoding); a batch of 16 costs ~0.2 ms a detection. Under many concurrent callers, the detections that arrive
while one write is under way wait for it, then go as one batch (`Ledger.record_detections`, one transaction). Each
caller gets what its detection alone would have got: the batch is all or nothing, so when any of its detections
fails (an unknown policy, a retry that contradicts the first), nothing is written and each is recorded alone.
A caller alone, with nothing under way, is written at once as before.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from app.write.detections import DetectionRecorded
from app.write.ledger import Ledger
from domain.detection import DetectionFacts
from domain.errors import DocketError

GROUP_MOST = 24
"""The most detections written together: with its subject's index each is two events, and a write of fewer than 64
events is one statement (`docket_insert_events`)."""


@dataclass(frozen=True)
class _Waiting:
    facts: DetectionFacts
    actor: str
    answer: asyncio.Future[DetectionRecorded]


class LoneDetections:
    """`Ledger.record_detection` for callers on one event loop, concurrent ones written together."""

    def __init__(self, ledger: Ledger, most: int = GROUP_MOST) -> None:
        self.ledger = ledger
        self.most = most
        self._waiting: list[_Waiting] = []
        self._writing: asyncio.Task[None] | None = None

    async def record(self, facts: DetectionFacts, actor: str) -> DetectionRecorded:
        """The detection recorded (or found recorded before); raises what `Ledger.record_detection` would."""
        waiting = _Waiting(facts, actor, asyncio.get_running_loop().create_future())
        self._waiting.append(waiting)
        if self._writing is None:
            # A task of its own, not the caller's: a caller that goes away leaves the others' writes going.
            self._writing = asyncio.create_task(self._write_all())
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
            self._writing = None

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
