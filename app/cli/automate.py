"""`docket automate`: runs the policy's active automation rules on the pipelines' detections until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio

from app.cli.service import run_service
from app.config.settings import Settings
from app.runtime.automation_feed import AutomationFeed
from app.runtime.wiring import Runtime


def run_automate(settings: Settings, concurrency: int, processes: int = 1) -> int:
    """0 once stopped by a signal; 2, saying why, when the database is not there or not migrated."""

    async def automate(runtime: Runtime, stop: asyncio.Event) -> None:
        await AutomationFeed(runtime, concurrency, processes=processes).run(stop)

    return run_service(settings, "automate", automate)
