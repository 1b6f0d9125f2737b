"""Model calls through litellm: a Router per rule's model route (timeouts, retries, fallbacks), async, with each call's
latency, tokens and cost; a failure past the retries is a failed classification with its reason, never an error.

litellm is imported on first use, offline: its bundled price table (`LITELLM_LOCAL_MODEL_COST_MAP=True`) and no
fetches of its own (`LITELLM_OFFLINE_MODE=true`), unless the environment says otherwise. Keys are read from the
environment variable a rule names, when its Router is built, and go nowhere else.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any

from domain.automation import ModelRoute
from domain.model_verdict import Classification, FailedClassification, read_verdict
from domain.prompt import Prompt

OFFLINE = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_OFFLINE_MODE": "true"}


@cache
def litellm() -> ModuleType:
    """litellm, imported once, offline unless the environment says otherwise."""
    for name, value in OFFLINE.items():
        os.environ.setdefault(name, value)
    import litellm as module

    module.suppress_debug_info = True
    module.telemetry = False
    module.logging = False  # no callbacks are registered: its logging objects cost a third of a call's CPU time
    # Docket registers no callbacks, so no log receives a prompt; redacting one anyway deep-copies every message of
    # every call (a tenth of a call's CPU time).
    module.turn_off_message_logging = False
    PRICED.update(module.model_cost)  # before any Router adds the models it serves, at no price
    return module


PRICED: set[str] = set()
"""The models litellm's bundled price table knows."""


def openai_errors() -> type[Exception]:
    """The base of every error litellm raises for a failed call (its exceptions subclass OpenAI's)."""
    litellm()
    import openai

    return openai.OpenAIError


@dataclass(frozen=True)
class CallSettings:
    """How hard to try: seconds a call may take, retries after a failure (then the fallbacks are tried)."""

    timeout: float = 30.0
    retries: int = 2


@dataclass(frozen=True)
class ModelCall:
    """What one classification cost: its outcome, the model that answered, latency, tokens and cost."""

    classification: Classification
    model: str
    latency_ms: float
    prompt_tokens: int
    completion_tokens: int
    cost: float | None
    """In US dollars; None when neither litellm nor the rule knows the model's price."""
    provider_failed: bool = False
    """The provider failed past the retries: a timeout, a 429 or a 5xx (the circuit breaker counts these)."""


class Models:
    """The Routers of the rules' model routes, built on first use; calls run concurrently on the event loop."""

    def __init__(self, settings: CallSettings | None = None, env: Mapping[str, str] | None = None) -> None:
        self.settings = settings or CallSettings()
        self._env = os.environ if env is None else env
        self._routers: dict[ModelRoute, Any] = {}

    def router(self, route: ModelRoute) -> Any:
        router = self._routers.get(route)
        if router is None:
            router = self._routers[route] = self._build(route)
        return router

    def _build(self, route: ModelRoute) -> Any:
        params: dict[str, Any] = {"timeout": self.settings.timeout}
        if route.api_base is not None:
            params["api_base"] = route.api_base
        if route.api_key_env is not None and route.api_key_env in self._env:
            params["api_key"] = self._env[route.api_key_env]
        models = (route.model, *route.fallbacks)
        return litellm().Router(
            model_list=[
                {"model_name": m, "litellm_params": {"model": m, **params, **_prices(route, m)}} for m in models
            ],
            fallbacks=[{route.model: list(route.fallbacks)}] if route.fallbacks else [],
            num_retries=self.settings.retries,
            timeout=self.settings.timeout,
            retry_after=0,
            disable_cooldowns=True,
        )

    async def classify(self, route: ModelRoute, prompt: Prompt, policy_key: str, criteria: frozenset[str]) -> ModelCall:
        """Asks the route's model about the prompt; a failure past the retries and fallbacks is a failed
        classification."""
        started = time.perf_counter()
        try:
            response = await self.router(route).acompletion(
                model=route.model, messages=list(prompt.messages), response_format={"type": "json_object"},
                temperature=0,
            )
        except (openai_errors(), ValueError) as error:  # litellm's errors are OpenAI's
            latency = (time.perf_counter() - started) * 1000
            reason = f"{type(error).__name__}: {str(error).strip().splitlines()[0][:300]}"
            return ModelCall(FailedClassification(reason), route.model, latency, 0, 0, None, _provider_failed(error))
        latency = (time.perf_counter() - started) * 1000
        answer = response.choices[0].message.content or ""
        usage = getattr(response, "usage", None)
        prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
        model = _answered_by(route, response)
        return ModelCall(
            classification=read_verdict(answer, policy_key, criteria),
            model=model,
            latency_ms=latency,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cost=_cost(route, model, response),
        )


def _known(model: str) -> bool:
    """Whether litellm's bundled price table knows the model (`provider/model` or the bare name)."""
    return model in PRICED or model.split("/", 1)[-1] in PRICED


def _cost(route: ModelRoute, model: str, response: Any) -> float | None:
    """The answer's price as litellm worked it out for the call (from its table, or from the rule's configured price
    it was given); None when neither knows the model's price."""
    if not _known(model) and route.input_cost_per_token is None and route.output_cost_per_token is None:
        return None
    cost = (getattr(response, "_hidden_params", None) or {}).get("response_cost")
    return float(cost if cost is not None else litellm().completion_cost(completion_response=response))


def _prices(route: ModelRoute, model: str) -> dict[str, float]:
    """The per-token prices litellm is told for a model its table lacks: the rule's, else an explicit zero (`_cost`
    reports none then; a model litellm finds at no declared price costs it a scan of the price entry every call)."""
    if _known(model):
        return {}
    given = route.input_cost_per_token or 0.0
    # Cached input at the price of any input: the operator's price knows no cache discount.
    return {"input_cost_per_token": given, "cache_read_input_token_cost": given,
            "cache_creation_input_token_cost": given, "output_cost_per_token": route.output_cost_per_token or 0.0}


def _answered_by(route: ModelRoute, response: Any) -> str:
    """The rule's model string (`provider/model`) that answered: the route's, or the fallback the Router used."""
    hidden = getattr(response, "_hidden_params", None) or {}
    group = hidden.get("model_group") or (hidden.get("litellm_model_name"))
    return group if group in (route.model, *route.fallbacks) else route.model


def _provider_failed(error: Exception) -> bool:
    """Whether the provider failed (a timeout, a 429, a 5xx, no connection) rather than refused the request."""
    status = getattr(error, "status_code", None)
    return isinstance(status, int) and (status in (408, 429) or status >= 500)
