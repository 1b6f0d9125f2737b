"""How far each read model is behind the ledger, and which have stopped: for /metrics, /readyz and the `health`
query."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from app.read.failures import ProjectionFailure
from app.runtime.wiring import Runtime


@dataclass(frozen=True)
class ProjectionLag:
    name: str
    position: int
    lag: int
    """Positions behind the head of the ledger."""
    failure: ProjectionFailure | None = None
    """Why it has stopped, if it has."""


@dataclass(frozen=True)
class Health:
    head: int
    projections: tuple[ProjectionLag, ...]

    @property
    def stopped(self) -> list[ProjectionLag]:
        return [p for p in self.projections if p.failure is not None]


def health(runtime: Runtime) -> Health:
    head = runtime.ledger.head()
    positions, failures = runtime.projector.progress()
    return Health(
        head=head,
        projections=tuple(
            ProjectionLag(name, p, max(head - p, 0), failures.get(name)) for name, p in positions.items()
        ),
    )


class LagCollector(Collector):
    """Reads the head, the projections' positions and their failures at each scrape."""

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
        stopped = GaugeMetricFamily(
            "docket_projection_stopped", "1 while a read model is stopped at an event it cannot apply, else 0.",
            labels=["projection"],
        )
        stopped_at = GaugeMetricFamily(
            "docket_projection_stopped_position", "Ledger position of the event a stopped read model cannot apply.",
            labels=["projection"],
        )
        attempts = GaugeMetricFamily(
            "docket_projection_failed_attempts", "Times a stopped read model has tried the event it cannot apply.",
            labels=["projection"],
        )
        for projection in state.projections:
            position.add_metric([projection.name], projection.position)
            lag.add_metric([projection.name], projection.lag)
            stopped.add_metric([projection.name], int(projection.failure is not None))
            if projection.failure is not None:
                stopped_at.add_metric([projection.name], projection.failure.position)
                attempts.add_metric([projection.name], projection.failure.attempts)
        yield from (position, lag, stopped, stopped_at, attempts)
