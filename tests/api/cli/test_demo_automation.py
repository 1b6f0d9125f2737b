"""`docket demo --automation`: a rule goes from SHADOW to AUTO on its evidence, then the breaker trips it back."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from app.auth.tokens import create_token
from app.cli.demo import run_demo
from app.config.settings import Settings
from app.http.asgi import create_app
from tests.support import Api, MovableClock

RULES = "{ automationRules { policy mode evaluation { samples } quality { qaSampled qaDisagreed breaker } } }"


def test_the_automation_story_promotes_a_rule_on_its_evidence_and_the_breaker_demotes_it(
    sqlite_url: str, clock: MovableClock, tmp_path: Path
) -> None:
    tokens_file = tmp_path / "tokens.toml"
    token = create_token(tokens_file, "alice", ["admin"], ["*"])
    settings = Settings(database_url=sqlite_url, tokens_file=tokens_file)

    story = run_demo(settings, clock, automation=True)

    assert "SHADOW: 40 verdicts recorded" in story
    assert "setAutomationMode(AUTO): accepted on that evidence." in story
    assert "Now SHADOW: circuit breaker: rolling precision" in story
    with TestClient(create_app(settings, clock=clock)) as client:
        api = Api(client=client, token=token, clock=clock, tokens={"alice": token}, tokens_file=tokens_file)
        [rule] = api.data(RULES)["automationRules"]
    assert (rule["policy"], rule["mode"], rule["evaluation"]["samples"]) == ("spam", "SHADOW", 40)
    assert rule["quality"]["breaker"] == "TRIPPED" and rule["quality"]["qaDisagreed"] > 0
    assert run_demo(settings, clock, automation=True).endswith("its rule is there (automationRules).")
