"""`docket deliver`: sends the webhooks their events until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import sys

from app.cli.service import run_service
from app.config.settings import Settings
from app.fanout.webhooks.deliverer import Deliverer
from app.fanout.webhooks.targets import Targets
from app.runtime.wiring import Runtime


def run_deliver(settings: Settings) -> int:
    """0 once stopped by a signal; 2, saying why, when the database is not ready or the configuration is wrong."""
    try:
        Targets.of(settings)
    except ValueError as error:
        print(f"docket: {error}", file=sys.stderr)
        return 2

    async def deliver(runtime: Runtime, stop: asyncio.Event) -> None:
        await Deliverer(runtime).run(stop)

    return run_service(settings, "deliver", deliver)
