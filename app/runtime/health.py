"""How far each read model is behind the ledger: for /metrics, /readyz and the `health` query."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from app.runtime.wiring import Runtime


@dataclass(frozen=True)
class ProjectionLag:
    name: str
    position: int
    lag: int
    """Positions behind the head of the ledger."""


@dataclass(frozen=True)
class Health:
    head: int
    projections: tuple[ProjectionLag, ...]


def health(runtime: Runtime) -> Health:
    head = runtime.ledger.head()
    positions = runtime.projector.positions()
    return Health(
        head=head,
        projections=tuple(ProjectionLag(name, p, max(head - p, 0)) for name, p in positions.items()),
    )


class LagCollector(Collector):
    """Reads the head and the projections' positions at each scrape."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[GaugeMetricFamily]:
        state = health(self.runtime)
        yield GaugeMetricFamily(
            "docket_ledger_head_position", "Position of the newest event in the ledger.", state.head
        )
        position = GaugeMetricFamily(
            "docket_projection_position", "Ledger position each read model has reached.", labels=["projection"]
        )
        lag = GaugeMetricFamily(
            "docket_projection_lag_events", "Events each read model is behind the ledger head.", labels=["projection"]
        )
        for projection in state.projections:
            position.add_metric([projection.name], projection.position)
            lag.add_metric([projection.name], projection.lag)
        yield position
        yield lag
