"""Golden-set evaluation of a rule: every labelled item of its policy through its model, scored with scikit-learn.

A golden set is JSON Lines, one item a line:

    {"id": "spam-001", "policy": "spam", "content": {"text": "...", "imageUrls": [], "metadata": {}},
     "label": 1, "notes": "link farm"}

`label` is 1 when the content violates the policy and 0 when it does not; items of other policies are left out.
A failed classification counts as a prediction of no violation (automation would not act on it) and is counted
as failed.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy
from sklearn.metrics import cohen_kappa_score, confusion_matrix, f1_score, precision_score, recall_score

from app.automation.models import ModelCall, Models
from domain.automation import AutomationRule, EvaluationFigures, ItemVerdict
from domain.errors import ValidationError
from domain.model_verdict import ModelVerdict
from domain.policy import Policy
from domain.prompt import ModelContent, build_prompt

MAX_ITEMS = 10_000
GOLDEN_SET = Path(__file__).with_name("golden") / "golden_set.jsonl"
"""The golden set Docket ships: 180 items of five policies in three domains, text and image URLs, easy and
borderline, written for this project."""


@dataclass(frozen=True)
class GoldenItem:
    id: str
    policy: str
    content: ModelContent
    label: bool
    notes: str


@dataclass(frozen=True)
class GoldenSet:
    name: str
    """The file's name and the start of its SHA-256: which golden set, exactly."""
    items: tuple[GoldenItem, ...]


def read_golden_set(path: Path) -> GoldenSet:
    """The items of a JSONL golden set; a line that is not an item is a ValidationError naming it."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ValidationError(f"cannot read the golden set {path}: {error.strerror}", "golden") from None
    items = []
    for number, line in enumerate(raw.decode().splitlines(), start=1):
        if line.strip():
            items.append(_item(line, f"{path.name}:{number}"))
    if not items or len(items) > MAX_ITEMS:
        raise ValidationError(f"{path.name} must hold 1 to {MAX_ITEMS} items", "golden")
    ids = [i.id for i in items]
    if len(set(ids)) != len(ids):
        raise ValidationError(f"{path.name}: item ids must not repeat", "golden")
    return GoldenSet(f"{path.name} sha256:{hashlib.sha256(raw).hexdigest()[:16]}", tuple(items))


def _item(line: str, where: str) -> GoldenItem:
    try:
        data = json.loads(line)
        content = data["content"]
        item = GoldenItem(
            id=str(data["id"]), policy=str(data["policy"]),
            content=ModelContent(text=content.get("text"), image_urls=tuple(content.get("imageUrls", ())),
                                 metadata=content.get("metadata")),
            label=_label(data["label"]), notes=str(data.get("notes", "")),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValidationError(f"{where}: not a golden item ({error})", "golden") from None
    try:
        item.content.validate()
    except ValidationError as error:
        raise ValidationError(f"{where}: {error.message}", "golden") from None
    return item


def _label(value: Any) -> bool:
    if value not in (0, 1) or isinstance(value, float):
        raise ValueError(f"label must be 0 or 1, not {value!r}")
    return bool(value)


@dataclass(frozen=True)
class Evaluated:
    figures: EvaluationFigures
    items: tuple[ItemVerdict, ...]


async def evaluate(
    models: Models, rule: AutomationRule, policy: Policy, golden: GoldenSet, concurrency: int = 8
) -> Evaluated:
    """Runs the golden set's items of the rule's policy through its model, `concurrency` at a time, and scores them."""
    items = [i for i in golden.items if i.policy == rule.policy_key]
    if not items:
        raise ValidationError(f"the golden set holds no item of policy {rule.policy_key!r}", "golden")
    guidance = policy.terms.guidance
    if guidance is None:
        raise ValidationError(f"policy {policy.key} has no guidance for a model to read", "policy")
    gate = asyncio.Semaphore(concurrency)

    async def ask(item: GoldenItem) -> ModelCall:
        async with gate:
            prompt = build_prompt(policy, item.content)
            return await models.classify(rule.settings.route, prompt, policy.key, guidance.criterion_ids)

    calls = await asyncio.gather(*(ask(i) for i in items))
    return Evaluated(score(items, calls, policy.policy_version, golden.name), tuple(map(_verdict, items, calls)))


def score(items: Sequence[GoldenItem], calls: Sequence[ModelCall], policy_version: int, name: str) -> EvaluationFigures:
    """Precision, recall, F1 and Cohen's kappa of the predictions against the labels, the confusion matrix, the
    failures, the cost and latency's p50 and p95."""
    expected = [int(i.label) for i in items]
    predicted = [int(_predicted(c)) for c in calls]
    latencies = [c.latency_ms for c in calls]
    matrix = confusion_matrix(expected, predicted, labels=[0, 1])
    kappa = cohen_kappa_score(expected, predicted, labels=[0, 1])
    return EvaluationFigures(
        policy_version=policy_version,
        samples=len(items),
        precision=round(float(precision_score(expected, predicted, zero_division=0)), 4),
        recall=round(float(recall_score(expected, predicted, zero_division=0)), 4),
        f1=round(float(f1_score(expected, predicted, zero_division=0)), 4),
        kappa=round(0.0 if numpy.isnan(kappa) else float(kappa), 4),
        confusion=((int(matrix[0][0]), int(matrix[0][1])), (int(matrix[1][0]), int(matrix[1][1]))),
        failed=sum(not isinstance(c.classification, ModelVerdict) for c in calls),
        cost=round(sum(c.cost or 0.0 for c in calls), 6),
        latency_p50_ms=round(float(numpy.percentile(latencies, 50)), 1),
        latency_p95_ms=round(float(numpy.percentile(latencies, 95)), 1),
        golden_set=name,
    )


def _predicted(call: ModelCall) -> bool:
    return isinstance(call.classification, ModelVerdict) and call.classification.violation


def _verdict(item: GoldenItem, call: ModelCall) -> ItemVerdict:
    c = call.classification
    if isinstance(c, ModelVerdict):
        return ItemVerdict(item.id, item.label, c.violation, c.confidence, ", ".join(c.rule_ids))
    return ItemVerdict(item.id, item.label, None, None, c.reason)


def report(evaluated: Evaluated, rule: AutomationRule, items: bool = False) -> str:
    """The evaluation as an operator reads it, with each item's verdict when `items`."""
    f = evaluated.figures
    criteria = rule.settings.launch_criteria
    shortfalls = criteria.shortfalls(f)
    (tn, fp), (fn, tp) = f.confusion
    lines = [
        (f"rule {rule.id} ({rule.settings.route.model}) on {rule.domain}/{rule.policy_key} v{f.policy_version}, "
         f"golden set {f.golden_set}"),
        (f"samples {f.samples} (failed {f.failed})  precision {f.precision:.3f}  recall {f.recall:.3f}  "
         f"f1 {f.f1:.3f}  kappa {f.kappa:.3f}"),
        "confusion     predicted 0  predicted 1",
        f"  labelled 0  {tn:>11}  {fp:>11}",
        f"  labelled 1  {fn:>11}  {tp:>11}",
        f"cost ${f.cost:.6f}  latency p50 {f.latency_p50_ms:.0f} ms  p95 {f.latency_p95_ms:.0f} ms",
        "meets the launch criteria: AUTO may be set" if not shortfalls
        else f"short of the launch criteria: {'; '.join(s.message for s in shortfalls)}",
    ]
    if items:
        lines += [
            f"  {v.item}: expected {int(v.expected)}, got "
            f"{'failed' if v.violation is None else int(v.violation)}"
            f"{'' if v.confidence is None else f' ({v.confidence:g})'} {v.reason}"
            for v in evaluated.items
        ]
    return "\n".join(lines)
