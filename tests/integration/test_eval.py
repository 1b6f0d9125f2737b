"""`docket eval`: the shipped golden set run through a rule against the test model server, scored with scikit-learn
and recorded as the evidence AUTO needs; a golden set that cannot be read changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.automation.evaluation import GOLDEN_SET, GoldenItem, read_golden_set, score
from app.automation.models import ModelCall
from app.automation.test_server import RunningServer
from app.cli.main import main
from app.config.settings import Settings
from app.runtime.wiring import open_runtime
from domain.automation import (
    AgreementFigures,
    AutomationMode,
    AutomationRule,
    InsufficientEvidence,
    LaunchCriteria,
    ModelRoute,
    RuleSettings,
)
from domain.errors import ValidationError
from domain.model_verdict import FailedClassification, ModelVerdict
from domain.prompt import ModelContent
from domain.values import ActionType
from tests.conftest import MODEL_KEY_ENV


@pytest.fixture
def rule(sqlite_url: str, models: RunningServer, monkeypatch: pytest.MonkeyPatch) -> AutomationRule:
    """A spam rule against the test model server, OFF, whose launch criteria ask for the 40 spam items shipped."""
    monkeypatch.setenv("DOCKET_DATABASE_URL", sqlite_url)
    route = ModelRoute("openai/mod-eval", api_base=models.url, api_key_env=MODEL_KEY_ENV)
    settings = RuleSettings(route, 0.9, (ActionType.REMOVE,), LaunchCriteria(min_samples=40))
    runtime = open_runtime(Settings(database_url=sqlite_url))
    try:
        return runtime.ledger.configure_automation("trust_safety", "spam", settings, "lead:ann").rule
    finally:
        runtime.close()


def reloaded(sqlite_url: str, rule_id: object) -> AutomationRule:
    runtime = open_runtime(Settings(database_url=sqlite_url), prepare=False)
    try:
        return runtime.ledger.automation.get_rule(rule_id)  # type: ignore[arg-type]
    finally:
        runtime.close()


def test_the_shipped_golden_set_holds_150_items_across_4_policies_in_2_domains() -> None:
    golden = read_golden_set(GOLDEN_SET)
    policies = {i.policy for i in golden.items}
    assert len(golden.items) >= 150
    assert {"spam", "harassment", "misleading_claims", "counterfeit"} <= policies
    assert any(i.content.image_urls for i in golden.items)
    assert {i.label for i in golden.items} == {True, False}


def test_eval_scores_the_rule_prints_the_figures_and_records_them_as_evidence_for_auto(
    rule: AutomationRule, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", "--rule", str(rule.id), "--golden", str(GOLDEN_SET), "--items", "--actor", "lead:ann"]) == 0

    out = capsys.readouterr().out
    assert "samples 40" in out and "precision" in out and "kappa" in out and "p95" in out
    assert "spam-001: expected 1" in out
    evaluated = reloaded(sqlite_url, rule.id)
    figures = evaluated.evaluation
    assert figures is not None
    assert (figures.samples, figures.policy_version, figures.golden_set.startswith("golden_set.jsonl sha256:")) == (
        40, 1, True)
    assert 0.9 <= figures.precision < 1 and 0.9 <= figures.recall < 1  # the server's deliberate mistakes
    assert sum(map(sum, figures.confusion)) == 40
    runtime = open_runtime(Settings(database_url=sqlite_url), prepare=False)
    try:
        agreement = AgreementFigures(1, 150, 0.97, 0.9, 0.85, ((70, 2), (8, 70)), runtime.ledger.head())
        runtime.ledger.set_automation_mode(rule.id, AutomationMode.AUTO, "Golden set passed.", "lead:ann", [agreement])
    finally:
        runtime.close()
    assert reloaded(sqlite_url, rule.id).mode is AutomationMode.AUTO


def test_an_evaluation_short_of_the_criteria_leaves_auto_refused(
    rule: AutomationRule, sqlite_url: str, models: RunningServer
) -> None:
    models.state.default = models.state.default.__class__(flip_rate=0.3)
    assert main(["eval", "--rule", str(rule.id), "--golden", str(GOLDEN_SET)]) == 0
    runtime = open_runtime(Settings(database_url=sqlite_url), prepare=False)
    try:
        with pytest.raises(InsufficientEvidence, match="may not act alone: evaluation "):
            runtime.ledger.set_automation_mode(rule.id, AutomationMode.AUTO, "Launch.", "lead:ann")
    finally:
        runtime.close()


@pytest.mark.parametrize(
    "line",
    ['{"id": "a", "policy": "spam", "content": {"text": "x"}, "label": "yes"}',
     '{"id": "a", "policy": "spam", "content": {"imageUrls": ["ftp://x/y.png"]}, "label": 1}',
     "not json"],
)
def test_a_golden_set_that_cannot_be_read_is_refused_and_records_nothing(
    rule: AutomationRule, sqlite_url: str, tmp_path: Path, line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    golden = tmp_path / "golden.jsonl"
    golden.write_text(line + "\n")

    assert main(["eval", "--rule", str(rule.id), "--golden", str(golden)]) == 2

    assert "golden.jsonl:1" in capsys.readouterr().err
    assert reloaded(sqlite_url, rule.id).evaluation is None


def test_an_unknown_rule_or_a_missing_file_is_refused(rule: AutomationRule, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--rule", "not-a-rule", "--golden", str(GOLDEN_SET)]) == 2
    assert main(["eval", "--rule", str(rule.id), "--golden", "/nonexistent.jsonl"]) == 2
    err = capsys.readouterr().err
    assert "not a rule id" in err and "cannot read the golden set" in err


def test_scores_are_scikit_learns_and_a_failed_classification_counts_as_no_violation() -> None:
    items = [GoldenItem(str(n), "spam", ModelContent(text="x"), label, "") for n, label in
             enumerate([True, True, True, False, False, False])]
    answers: list[ModelVerdict | FailedClassification] = [
        ModelVerdict(True, "spam", (), 0.9, "r"), ModelVerdict(True, "spam", (), 0.9, "r"),
        FailedClassification("timeout"), ModelVerdict(True, "spam", (), 0.9, "r"),
        ModelVerdict(False, "none", (), 0.9, "r"), ModelVerdict(False, "none", (), 0.9, "r"),
    ]
    calls = [ModelCall(c, "openai/m", float(n * 10), 1, 1, 0.001) for n, c in enumerate(answers)]

    figures = score(items, calls, 3, "g")

    assert figures.confusion == ((2, 1), (1, 2))
    assert (figures.precision, figures.recall, figures.f1, figures.kappa) == (0.6667, 0.6667, 0.6667, 0.3333)
    assert (figures.failed, figures.cost, figures.latency_p50_ms, figures.latency_p95_ms) == (1, 0.006, 25.0, 47.5)
    assert figures.policy_version == 3


def test_an_item_of_another_policy_is_left_out_and_none_of_the_rules_is_an_error(tmp_path: Path) -> None:
    golden = tmp_path / "g.jsonl"
    golden.write_text(json.dumps({"id": "a", "policy": "hate", "content": {"text": "x"}, "label": 0}) + "\n")
    assert [i.policy for i in read_golden_set(golden).items] == ["hate"]
    with pytest.raises(ValidationError):
        read_golden_set(tmp_path / "missing.jsonl")
