"""A page's detections judged in several processes at once (`docket automate --processes N`), each process with a
runtime and model clients of its own.

A model call through litellm's Router costs several milliseconds of CPU (see bench/README.md, issue 17), so one
process tops out well below what a few dozen calls in flight at 200 ms ask for; in N processes the calls use N CPUs.
The follower (this process) keeps the lease, reads the pages and saves the position; it shares each page's detections
among the processes by subject (one subject's detections in one process), and the page counts as judged once every
share is. Each process judges its share as `Follower` does, `concurrency / N` detections at once.

The processes are spawned, not forked (the follower holds threads and connections), and take no signal: the follower
decides when they end, and each ends when the follower does, killed or not.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import zlib
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import wait
from multiprocessing.util import Finalize

from app.automation.follower import Follower, Page
from app.config.settings import Settings
from app.runtime.wiring import open_runtime
from domain.detection import Detection

log = logging.getLogger(__name__)


class JudgingProcesses:
    """`processes` processes judging a page's detections, `concurrency` detections at once among them."""

    def __init__(self, settings: Settings, concurrency: int, processes: int) -> None:
        self.processes = processes
        self._start = (settings, max(1, concurrency // processes))
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.processes, multiprocessing.get_context("spawn"), _open, self._start)

    async def judge(self, page: Page) -> int:
        """Every detection's rules run, each share in a process; how many verdicts were made or found. Raises the
        first unexpected failure once every share is done (a process that died fails the page, and the next page
        starts new processes)."""
        shares = [Page(share, page.reached, page.full) for share in _shares(page, self.processes) if share]
        loop = asyncio.get_running_loop()
        results = await asyncio.gather(*(loop.run_in_executor(self._pool, _judge, s) for s in shares),
                                       return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        if any(isinstance(f, BrokenProcessPool) for f in failures):
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()
        if failures:
            raise failures[0]
        return sum(r for r in results if isinstance(r, int))

    def close(self) -> None:
        """Ends the processes once they finished what they were given."""
        self._pool.shutdown(wait=True, cancel_futures=True)


def _shares(page: Page, processes: int) -> list[list[Detection.Recorded]]:
    shares: list[list[Detection.Recorded]] = [[] for _ in range(processes)]
    for event in page.detections:
        shares[zlib.crc32(event.facts.subject.key.encode()) % processes].append(event)
    return shares


_follower: Follower | None = None
_loop: asyncio.AbstractEventLoop | None = None


def _open(settings: Settings, concurrency: int) -> None:
    """A judging process's start: its runtime and follower, and a watch that ends it with the follower."""
    global _follower, _loop
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_IGN)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s docket automate: %(message)s")
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent.sentinel,), daemon=True).start()
    runtime = open_runtime(settings, prepare=False)
    Finalize(runtime, runtime.close, exitpriority=10)
    _follower, _loop = Follower(runtime.auto_actions, concurrency), asyncio.new_event_loop()
    log.info("judging process %d started, %d detections at once", os.getpid(), concurrency)


def _end_with(sentinel: int) -> None:
    """Ends this process once the follower's process has ended (a killed follower would leave it waiting forever)."""
    wait([sentinel])
    os._exit(1)


def _judge(page: Page) -> int:
    assert _follower is not None and _loop is not None
    return _loop.run_until_complete(_follower.judge(page))
