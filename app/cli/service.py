"""What `docket relay`, `docket deliver` and `docket automate` share: a migrated database, a log, and a loop stopped by
a signal."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from app.cli.stopping import ASKED
from app.config.settings import Settings
from app.read.migrations import pending
from app.runtime.wiring import Runtime, open_runtime

Serve = Callable[[Runtime, asyncio.Event], Coroutine[Any, Any, None]]
"""Runs until the event is set."""


def run_service(settings: Settings, name: str, serve: Serve) -> int:
    """0 once stopped by SIGTERM or SIGINT; 2, saying why, when the database is not there or not migrated."""
    database = settings.database
    if database.sqlite_path is not None and not database.sqlite_path.exists():
        print(f"docket: there is no database at {database.sqlite_path}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s %(levelname)s docket {name}: %(message)s")
    runtime = open_runtime(settings, prepare=False)
    try:
        if pending(runtime.store):
            print("docket: the database is not migrated; run `docket migrate` first", file=sys.stderr)
            return 2
        asyncio.run(_until_signalled(runtime, serve))
    finally:
        runtime.close()
    return 0


async def _until_signalled(runtime: Runtime, serve: Serve) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    if ASKED.is_set():  # while it was starting
        stop.set()
    await serve(runtime, stop)
    logging.getLogger(__name__).info("stopped")
