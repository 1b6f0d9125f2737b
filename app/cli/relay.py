"""`docket relay`: publishes the ledger to NATS JetStream until SIGTERM or SIGINT, its metrics at /metrics if asked."""

from __future__ import annotations

import asyncio

from prometheus_client import CollectorRegistry, start_http_server

from app.cli.service import run_service
from app.config.settings import Settings
from app.fanout.relay import Relay, RelayMetrics, Stream
from app.runtime.wiring import Runtime


def run_relay(settings: Settings, metrics_host: str, metrics_port: int | None) -> int:
    """0 once stopped by a signal; 2, saying why, when the database is not there or not migrated."""

    async def relay(runtime: Runtime, stop: asyncio.Event) -> None:
        registry = CollectorRegistry()
        metrics = RelayMetrics(registry)
        if metrics_port is not None:
            start_http_server(metrics_port, metrics_host, registry)
        await Relay(runtime, settings.nats_url, Stream.of(settings), metrics).run(stop)

    return run_service(settings, "relay", relay)
