"""The operations figures at /metrics, read at each scrape: every queue and reviewer over the last hour, and the
confirmations of actions that are overdue."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from app.read.failures import ReadModelStopped
from app.read.store import read
from app.runtime.wiring import Runtime
from projections.action_confirmations.queries import overdue_counts
from projections.review_queue.figures import Figures, queue_figures, reviewer_figures
from projections.shadow_agreement.queries import capped_counts

WINDOW = timedelta(hours=1)

_GAUGES: tuple[tuple[str, str, Callable[[Figures], float | None]], ...] = (
    ("backlog", "Queue: entries waiting; reviewer: cases held under a live lease.", lambda f: f.backlog),
    ("inbound_per_hour", "Entries that arrived in the last hour.", lambda f: f.per_hour(f.inbound)),
    ("decided_per_hour", "Decisions in the last hour.", lambda f: f.per_hour(f.decided)),
    ("handling_median_seconds", "Median claim-to-decision time in the last hour.", lambda f: f.median_handling),
    ("handling_p90_seconds", "90th percentile claim-to-decision time in the last hour.", lambda f: f.p90_handling),
    ("claim_expiries", "Leases that ran out in the last hour.", lambda f: f.claim_expiries),
)


class ReviewCollector(Collector):
    """docket_queue_* per queue and docket_reviewer_* per reviewer."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = self.runtime.ledger.clock()
        try:
            queues = read(self.runtime.store, queue_figures, now, WINDOW)
            reviewers = read(self.runtime.store, reviewer_figures, now, WINDOW)
        except ReadModelStopped:
            return  # no figures from a stopped read model; docket_projection_stopped says which and why
        oldest = GaugeMetricFamily(
            "docket_queue_oldest_waiting_seconds", "Age of the queue's longest-waiting entry.", labels=["queue"]
        )
        for f in queues:
            if f.oldest_waiting_since is not None:
                oldest.add_metric([f.name], (now - f.oldest_waiting_since).total_seconds())
        yield oldest
        yield from _families("docket_queue", "queue", queues)
        yield from _families("docket_reviewer", "reviewer", reviewers)


def _families(prefix: str, label: str, figures: list[Figures]) -> Iterator[GaugeMetricFamily]:
    for name, text, value in _GAUGES:
        family = GaugeMetricFamily(f"{prefix}_{name}", text, labels=[label])
        for f in figures:
            measured = value(f)
            if measured is not None:
                family.add_metric([f.name], measured)
        yield family


class ConfirmationCollector(Collector):
    """docket_unconfirmed_actions per domain and system."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            counts = read(self.runtime.store, overdue_counts, self.runtime.ledger.clock())
        except ReadModelStopped:
            return
        family = GaugeMetricFamily(
            "docket_unconfirmed_actions",
            "Actions whose confirmation by a system (applied, or undone after a reversal) is overdue.",
            labels=["domain", "system"],
        )
        for domain, system, count in counts:
            family.add_metric([domain, system], count)
        yield family


class AutomationCapCollector(Collector):
    """docket_automation_capped_total per rule and cap."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[CounterMetricFamily]:
        try:
            counts = read(self.runtime.store, capped_counts)
        except ReadModelStopped:
            return
        family = CounterMetricFamily(
            "docket_automation_capped",
            "Decisions an AUTO rule would have made that went to a human instead: its per-account or daily cap was "
            "reached.",
            labels=["rule", "policy", "cap"],
        )
        for rule_id, policy_key, cap, count in counts:
            family.add_metric([rule_id, policy_key, cap], count)
        yield family
