"""What a model must answer about content under a policy, and how its answer is read: a verdict or a failure."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

VERDICT_KEYS = frozenset({"violation", "policy_category", "rule_ids", "confidence", "rationale"})
MAX_RATIONALE = 4_000

VERDICT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "violation": {"type": "integer", "enum": [0, 1]},
        "policy_category": {"type": "string"},
        "rule_ids": {"type": "array", "items": {"type": "string"}},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "rationale": {"type": "string"},
    },
    "required": sorted(VERDICT_KEYS),
    "additionalProperties": False,
}
"""The JSON schema a model's answer must meet, as sent to the model."""


@dataclass(frozen=True)
class ModelVerdict:
    """A model's answer that met the schema: whether the content violates, the criteria cited, how sure, and why."""

    violation: bool
    policy_category: str
    rule_ids: tuple[str, ...]
    confidence: float
    rationale: str

    @property
    def violation_probability(self) -> float:
        """The model's confidence that the content violates (a detection's confidence)."""
        return self.confidence if self.violation else 1.0 - self.confidence


@dataclass(frozen=True)
class FailedClassification:
    """No usable verdict: the model's answer broke the schema, or the call failed; never acted upon."""

    reason: str


Classification = ModelVerdict | FailedClassification


def read_verdict(answer: str, policy_key: str, criteria: frozenset[str]) -> Classification:
    """The verdict in a model's `answer` about `policy_key`, whose criteria are `criteria`; a failure saying what was
    wrong when it is not one JSON object meeting the schema, names another category, or cites unknown criteria."""
    try:
        data = json.loads(answer)
    except (ValueError, TypeError):
        return FailedClassification(f"invalid JSON from the model: {answer[:80]!r}")
    if not isinstance(data, dict):
        return FailedClassification("the model's answer is not a JSON object")
    missing = VERDICT_KEYS - data.keys()
    if missing:
        return FailedClassification(f"the model's answer lacks {', '.join(sorted(missing))}")
    extra = data.keys() - VERDICT_KEYS
    if extra:
        return FailedClassification(f"the model's answer has unknown keys {', '.join(sorted(extra))}")
    violation = data["violation"]
    if violation not in (0, 1) or isinstance(violation, float):
        return FailedClassification(f"unknown label {violation!r}: violation must be 0 or 1")
    confidence = data["confidence"]
    if (
        not isinstance(confidence, int | float) or isinstance(confidence, bool) or not math.isfinite(confidence)
        or not 0 <= confidence <= 1
    ):
        return FailedClassification(f"confidence {confidence!r} is not a number in [0, 1]")
    category = data["policy_category"]
    if not isinstance(category, str) or (violation == 1 and category != policy_key):
        return FailedClassification(f"unknown label {category!r}: a violation names the policy {policy_key!r}")
    rule_ids = data["rule_ids"]
    if not isinstance(rule_ids, list) or not all(isinstance(r, str) for r in rule_ids):
        return FailedClassification("rule_ids must be a list of criterion ids")
    unknown = set(rule_ids) - criteria
    if unknown:
        cited = ", ".join(sorted(unknown))
        return FailedClassification(f"the model cites criteria the policy does not define: {cited}")
    rationale = data["rationale"]
    if not isinstance(rationale, str) or not rationale.strip():
        return FailedClassification("the model gave no rationale")
    return ModelVerdict(
        violation=bool(violation), policy_category=category, rule_ids=tuple(rule_ids), confidence=float(confidence),
        rationale=rationale[:MAX_RATIONALE],
    )
