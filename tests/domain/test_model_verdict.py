"""Reading a model's answer: one JSON object meeting the verdict schema, or a failed classification saying why."""

import json
from typing import Any

import pytest

from domain.model_verdict import FailedClassification, ModelVerdict, read_verdict

CRITERIA = frozenset({"SP1", "SP2"})


def answer(**changes: Any) -> str:
    values: dict[str, Any] = {
        "violation": 1, "policy_category": "spam", "rule_ids": ["SP1"], "confidence": 0.93,
        "rationale": "A link farm.",
    }
    values.update(changes)
    return json.dumps({k: v for k, v in values.items() if v is not ...})


def test_a_well_formed_answer_is_a_verdict() -> None:
    verdict = read_verdict(answer(), "spam", CRITERIA)
    assert verdict == ModelVerdict(True, "spam", ("SP1",), 0.93, "A link farm.")
    assert verdict.violation_probability == 0.93


def test_a_safe_verdicts_violation_probability_is_the_complement_of_its_confidence() -> None:
    verdict = read_verdict(answer(violation=0, rule_ids=[], policy_category="none", confidence=0.8), "spam", CRITERIA)
    assert isinstance(verdict, ModelVerdict)
    assert verdict.violation_probability == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("Sure! The content is spam.", "invalid JSON"),
        ("[1, 2]", "not a JSON object"),
        (answer(rationale=...), "lacks rationale"),
        (answer(extra=1), "unknown keys extra"),
        (answer(violation="maybe"), "unknown label 'maybe'"),
        (answer(violation=2), "unknown label 2"),
        (answer(policy_category="hate"), "unknown label 'hate'"),
        (answer(confidence=1.2), "not a number in [0, 1]"),
        (answer(confidence=-0.1), "not a number in [0, 1]"),
        (answer(confidence="high"), "not a number in [0, 1]"),
        (answer(rule_ids=["SP7"]), "does not define: SP7"),
        (answer(rule_ids="SP1"), "list of criterion ids"),
        (answer(rationale="  "), "no rationale"),
    ],
)
def test_an_answer_off_the_schema_is_a_failed_classification_with_its_reason(raw: str, reason: str) -> None:
    failed = read_verdict(raw, "spam", CRITERIA)
    assert isinstance(failed, FailedClassification)
    assert reason in failed.reason
