"""Rows of the automation quality read model."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class QualityRow:
    """A rule in production: its QA samples and their judgments, its rolling precision, its provider's failures and
    its circuit breaker."""

    rule_id: str
    qa_sampled: int = 0
    qa_judged: int = 0
    qa_disagreed: int = 0
    overturned: int = 0
    window_judged: int = 0
    window_agreed: int = 0
    provider_failures: int = 0
    breaker: str = "CLOSED"
    tripped_at: datetime | None = None
    trip_reason: str | None = None
    trip_figures: dict[str, Any] | None = None

    @property
    def rolling_precision(self) -> float | None:
        """The share of the window's judgments that agreed with the rule; None before any."""
        return None if not self.window_judged else round(self.window_agreed / self.window_judged, 4)


def figures_from(text: str | None) -> dict[str, Any] | None:
    return None if text is None else dict(json.loads(text))
