"""Model calls through litellm against the OpenAI-compatible test server on loopback: verdicts, their latency,
tokens and cost, and every failure (timeout, 429, 500, invalid JSON, unknown label, bad confidence) recorded as a
failed classification after the configured retries, or answered by a fallback."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx2 as httpx
import pytest

from app.automation.models import CallSettings, ModelCall, Models
from app.automation.test_server import Behaviour, RunningServer
from app.write.catalog import load_catalog
from domain.automation import ModelRoute
from domain.model_verdict import FailedClassification, ModelVerdict
from domain.policy import Policy
from domain.prompt import ModelContent, build_prompt

KEY_ENV = "DOCKET_TEST_MODEL_KEY"
FOLLOWERS = "Get 10k cheap followers now!!! cheap.example cheap.example"


def starter_policy(key: str) -> Policy:
    domain, _, terms = next(entry for entry in load_catalog() if entry[1] == key)
    policy = Policy.publish(domain, key, terms, "test", datetime(2026, 1, 1, tzinfo=UTC))
    policy.collect_events()
    return policy


def call(
    server: RunningServer, model: str, text: str, policy_key: str = "spam", images: tuple[str, ...] = (),
    settings: CallSettings | None = None, **route: object,
) -> ModelCall:
    policy = starter_policy(policy_key)
    assert policy.terms.guidance is not None
    prompt = build_prompt(policy, ModelContent(text=text, image_urls=images))
    models = Models(settings or CallSettings(timeout=2, retries=1), env={KEY_ENV: "sk-test-local"})
    full_route = ModelRoute(f"openai/{model}", api_base=server.url, api_key_env=KEY_ENV, **route)  # type: ignore[arg-type]
    return asyncio.run(models.classify(full_route, prompt, policy_key, policy.terms.guidance.criterion_ids))


def test_a_violation_is_answered_with_the_criteria_it_meets_and_the_call_is_measured(models: RunningServer) -> None:
    result = call(models, "mod-a", FOLLOWERS, input_cost_per_token=1e-6, output_cost_per_token=2e-6)

    verdict = result.classification
    assert isinstance(verdict, ModelVerdict)
    assert verdict.violation and "SP2" in verdict.rule_ids and verdict.policy_category == "spam"
    assert result.model == "openai/mod-a"
    assert result.latency_ms > 0 and result.prompt_tokens > 100 and result.completion_tokens > 0
    assert result.cost == pytest.approx(result.prompt_tokens * 1e-6 + result.completion_tokens * 2e-6)


def test_an_answer_depends_on_the_policy_in_the_prompt(models: RunningServer) -> None:
    as_spam = call(models, "mod-a", "1:1 replica designer handbag with the same logo, 45 EUR")
    as_counterfeit = call(models, "mod-a", "1:1 replica designer handbag with the same logo, 45 EUR", "counterfeit")

    assert isinstance(as_spam.classification, ModelVerdict) and not as_spam.classification.violation
    assert isinstance(as_counterfeit.classification, ModelVerdict) and as_counterfeit.classification.violation


def test_a_vlm_judges_the_image_urls_it_is_sent(models: RunningServer) -> None:
    result = call(models, "vlm-a", "New in stock", "counterfeit", images=("https://cdn.example/replica-logo-bag.jpg",))
    assert isinstance(result.classification, ModelVerdict) and result.classification.violation


def test_a_model_without_a_known_or_configured_price_has_no_cost(models: RunningServer) -> None:
    assert call(models, "mod-a", "A lemon cake recipe").cost is None


def test_a_model_litellm_knows_is_priced_from_its_bundled_table(models: RunningServer) -> None:
    result = call(models, "gpt-4o-mini", "A lemon cake recipe")
    assert result.cost is not None and result.cost > 0


@pytest.mark.parametrize(
    ("failure", "reason", "hits"),
    [
        ("500", "InternalServerError", 2),
        ("429", "RateLimitError", 2),
        ("timeout", "Timeout", 2),
        ("invalid_json", "invalid JSON", 1),
        ("unknown_label", "unknown label 'maybe'", 1),
        ("bad_confidence", "confidence 1.7 is not a number in [0, 1]", 1),
    ],
)
def test_a_failure_is_retried_as_configured_then_a_failed_classification_with_its_reason(
    models: RunningServer, failure: str, reason: str, hits: int
) -> None:
    model = f"fail-{failure}"
    models.state.models[model] = Behaviour(failure=failure, timeout_after=3)

    result = call(models, model, FOLLOWERS, settings=CallSettings(timeout=0.5, retries=1))

    assert isinstance(result.classification, FailedClassification)
    assert reason in result.classification.reason
    assert models.state.requests[model] >= hits


def test_a_failing_model_is_answered_by_its_fallback(models: RunningServer) -> None:
    models.state.models["down"] = Behaviour(failure="500")

    result = call(models, "down", FOLLOWERS, fallbacks=("openai/backup",))

    assert isinstance(result.classification, ModelVerdict)
    assert result.model == "openai/backup"


def test_a_failure_at_a_rate_spares_the_rest_and_a_retry_gets_through(models: RunningServer) -> None:
    models.state.models["flaky"] = Behaviour(failure="500", failure_rate=0.5)
    result = call(models, "flaky", FOLLOWERS, settings=CallSettings(timeout=2, retries=1))
    assert isinstance(result.classification, ModelVerdict)


def test_the_servers_behaviour_is_set_over_http_and_bad_settings_are_refused(models: RunningServer) -> None:
    base = models.url.removesuffix("/v1")
    with httpx.Client() as client:
        set_ = client.post(f"{base}/control", json={"models": {"slow": {"latency": 0.3}}})
        refused = client.post(f"{base}/control", json={"default": {"failure": "teapot"}})

    assert set_.status_code == 200 and set_.json()["models"]["slow"]["latency"] == 0.3
    assert refused.status_code == 400
    assert call(models, "slow", "A lemon cake recipe").latency_ms >= 300
