"""`docket relay`: publishes the ledger to NATS JetStream until SIGTERM or SIGINT, its metrics at /metrics if asked."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from prometheus_client import CollectorRegistry, start_http_server

from app.config.settings import Settings
from app.fanout.relay import Relay, RelayMetrics, Stream
from app.read.migrations import pending
from app.runtime.wiring import Runtime, open_runtime


def run_relay(settings: Settings, metrics_host: str, metrics_port: int | None) -> int:
    """0 once stopped by a signal; 2, saying why, when the database is not there or not migrated."""
    database = settings.database
    if database.sqlite_path is not None and not database.sqlite_path.exists():
        print(f"docket: there is no database at {database.sqlite_path}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s docket relay: %(message)s")
    runtime = open_runtime(settings, prepare=False)
    try:
        if pending(runtime.store):
            print("docket: the database is not migrated; run `docket migrate` first", file=sys.stderr)
            return 2
        registry = CollectorRegistry()
        metrics = RelayMetrics(registry)
        if metrics_port is not None:
            start_http_server(metrics_port, metrics_host, registry)
        asyncio.run(_relay(runtime, settings, metrics))
    finally:
        runtime.close()
    return 0


async def _relay(runtime: Runtime, settings: Settings, metrics: RelayMetrics) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await Relay(runtime, settings.nats_url, Stream.of(settings), metrics).run(stop)
    logging.getLogger(__name__).info("stopped")
