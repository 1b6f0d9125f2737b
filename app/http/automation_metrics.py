"""Automation in production at /metrics, read at each scrape: per rule, its QA samples and judgments, its rolling
precision, its provider's failures and whether its circuit breaker has tripped."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from app.read.failures import ReadModelStopped
from app.read.store import reading
from app.runtime.wiring import Runtime
from projections.automation_quality.queries import rule_quality
from projections.automation_quality.rows import QualityRow
from projections.automation_rules.queries import list_rules

LABELS = ["rule", "domain", "policy", "model", "mode"]
_GAUGES: tuple[tuple[str, str, Callable[[QualityRow], float | None]], ...] = (
    ("qa_sampled", "Automated decisions drawn for human QA.", lambda q: q.qa_sampled),
    ("qa_judged", "Sampled decisions a QA reviewer has decided again.", lambda q: q.qa_judged),
    ("qa_disagreed", "QA reviews that found no violation.", lambda q: q.qa_disagreed),
    ("overturned", "Automated decisions whose appeal was overturned.", lambda q: q.overturned),
    ("window_judgments", "Judgments in the rolling window since the rule was put in its mode.",
     lambda q: q.window_judged),
    ("rolling_precision", "Share of the window's judgments that agreed with the rule.", lambda q: q.rolling_precision),
    ("provider_failures", "Model calls that failed past the retries in ASSIST or AUTO.", lambda q: q.provider_failures),
    ("breaker_tripped", "1 when the circuit breaker demoted the rule and no one has put it in a mode since.",
     lambda q: float(q.breaker == "TRIPPED")),
)


class AutomationCollector(Collector):
    """docket_automation_* per rule."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            with reading(self.runtime.store, list_rules, rule_quality) as sql:
                rules = list_rules(sql, None, None)
                quality = rule_quality(sql)
        except ReadModelStopped:
            return
        for name, text, value in _GAUGES:
            family = GaugeMetricFamily(f"docket_automation_{name}", text, labels=LABELS)
            for rule in rules:
                measured = value(quality.get(rule.rule_id) or QualityRow(rule.rule_id))
                if measured is not None:
                    family.add_metric([rule.rule_id, rule.domain, rule.policy_key, rule.model, rule.mode], measured)
            yield family
