"""`docket demo` on a new ledger is a month of enforcement that `asOf` can travel through."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from app.auth.tokens import create_token
from app.cli.demo import CHALLENGES, HISTORY, REPORTS, RULINGS, SIGNALS, run_demo, timeline
from app.config.settings import Settings
from app.http.asgi import create_app
from app.runtime.wiring import open_runtime
from projections.statements_of_reasons.validation import violations
from tests.api.ledger_api import ACCOUNT, RESOLVE
from tests.support import START, Api, MovableClock

FIRST_EVENT = "{ events(first: 1) { edges { node { type occurredAt } } } }"


@pytest.fixture
def demo(database_url: str, clock: MovableClock, tmp_path: Path) -> Iterator[tuple[Api, str]]:
    """The demo loaded into a new database, and the app serving it; with the demo's summary."""
    tokens_file = tmp_path / "tokens.toml"
    token = create_token(tokens_file, "alice", ["admin"], ["*"])
    settings = Settings(database_url=database_url, tokens_file=tokens_file)
    summary = run_demo(settings, clock)
    with TestClient(create_app(settings, clock=clock)) as client:
        yield Api(client=client, token=token, clock=clock, tokens={"alice": token}, tokens_file=tokens_file), summary


def standing(api: Api, account_id: str, days_ago: float | None = None) -> dict[str, object]:
    as_of = None if days_ago is None else (START - timedelta(days=days_ago)).isoformat()
    return api.data(ACCOUNT, {"id": account_id, "asOf": as_of})["account"]["standing"]


def test_the_demo_timeline_orders_every_step_after_what_it_acts_on_within_the_month() -> None:
    when = {(step, index): days_ago for days_ago, step, index in timeline()}

    assert all(0 < days_ago < HISTORY.days for days_ago in when.values())
    for index, ruling in enumerate(RULINGS):
        assert when["decision", index] < when["detection", ruling.signal]
    for index, challenge in enumerate(CHALLENGES):
        assert when["appeal", index] < when["decision", challenge.ruling]
        assert challenge.outcome is None or when["resolution", index] < when["appeal", index]
    for index, report in enumerate(REPORTS):
        [answer] = [i for i, r in enumerate(RULINGS) if r.signal == report.signal]
        assert when["decision", answer] < when["report", index]
    resolved = [c for c in CHALLENGES if c.outcome is not None]
    assert len(when) == len(SIGNALS) + len(REPORTS) + len(RULINGS) + len(CHALLENGES) + len(resolved)


def test_a_new_ledger_gets_a_month_of_history_that_as_of_travels_through(demo: tuple[Api, str]) -> None:
    api, summary = demo

    first = api.data(FIRST_EVENT)["events"]["edges"][0]["node"]
    assert first["type"] == "Policy.Published"
    assert first["occurredAt"] == (START - HISTORY).isoformat()
    assert "a month of enforcement" in summary
    # A second strike four days ago: a week ago the advertiser was only warned.
    assert standing(api, "adv-fastloans", days_ago=7) == {"level": "WARNED", "strikePoints": 1, "activeStrikes": 1}
    assert standing(api, "adv-fastloans") == {"level": "RESTRICTED", "strikePoints": 2, "activeStrikes": 2}
    # An appeal overturned four days ago removed the strike that stood a week ago.
    assert standing(api, "user-ben", days_ago=7) == {"level": "WARNED", "strikePoints": 1, "activeStrikes": 1}
    assert standing(api, "user-ben") == {"level": "GOOD", "strikePoints": 0, "activeStrikes": 0}
    assert standing(api, "user-ana", days_ago=7)["strikePoints"] == 1


@pytest.mark.usefixtures("demo")
def test_loading_the_demo_again_records_nothing(database_url: str, clock: MovableClock) -> None:
    settings = Settings(database_url=database_url)
    before = open_runtime(settings, clock, prepare=False)
    head = before.ledger.head()
    before.close()

    summary = run_demo(settings, clock)

    after = open_runtime(settings, clock, prepare=False)
    assert after.ledger.head() == head
    after.close()
    assert summary == "The demo was loaded before: nothing new was recorded."


def test_on_a_ledger_that_already_holds_events_the_demo_is_recorded_now(
    database_url: str, clock: MovableClock
) -> None:
    settings = Settings(database_url=database_url)
    open_runtime(settings, clock).close()  # migrated and the starter catalog seeded now, as `docket migrate` does

    summary = run_demo(settings, clock)

    assert "all recorded now" in summary
    runtime = open_runtime(settings, clock, prepare=False)
    try:
        events = runtime.ledger.read_events(0, runtime.ledger.head())
    finally:
        runtime.close()
    assert len(events) > len(SIGNALS) + len(RULINGS)
    assert {e.event.occurred_at for e in events} == {START}


DEMO_STATEMENTS = "{ statementsOfReasons(first: 500) { edges { node { domain status statement } } } }"


def test_every_statement_of_reasons_the_demo_makes_passes_the_validator(demo: tuple[Api, str]) -> None:
    api, _ = demo
    nodes = [e["node"] for e in api.data(DEMO_STATEMENTS)["statementsOfReasons"]["edges"]]

    assert {n["domain"] for n in nodes} == {"trust_safety", "ads", "shopping", "monetization"}
    monetary = [n["statement"].get("decision_monetary") for n in nodes]
    assert monetary.count("DECISION_MONETARY_OTHER") == monetary.count("DECISION_MONETARY_SUSPENSION") == 1
    suspension = "DECISION_MONETARY_SUSPENSION"
    [payouts] = [n["statement"] for n in nodes if n["statement"].get("decision_monetary") == suspension]
    assert payouts["end_date_monetary_restriction"] is not None
    assert "OVERTURNED" in {n["status"] for n in nodes}
    assert [violations(n["statement"]) for n in nodes] == [[] for _ in nodes]


DEMO_NOTICES = "{ notices(first: 500) { edges { node { kind recipientId language domain text } } } }"


def test_the_demo_s_decisions_notice_their_accounts_and_reporters_in_their_languages(demo: tuple[Api, str]) -> None:
    api, _ = demo
    nodes = [e["node"] for e in api.data(DEMO_NOTICES)["notices"]["edges"]]

    restrictive = [r for r in RULINGS if r.outcome == "VIOLATING"]
    assert sum(n["kind"] == "DECISION" for n in nodes) == len(restrictive)
    assert {n["domain"] for n in nodes} == {"trust_safety", "ads", "shopping", "monetization"}
    told = {(n["kind"], n["recipientId"], n["language"]) for n in nodes}
    assert {("DECISION", "user-ben", "DE"), ("DECISION", "mer-toyland", "FR"), ("DECISION", "user-ana", "EN"),
            ("REPORT_OUTCOME", "user-fay", "FR"), ("REPORT_OUTCOME", "user-gus", "EN")} <= told
    # The creator's second strike suspended their payouts: the notice of that decision says so.
    first, second = (n["text"] for n in nodes if n["recipientId"] == "creator-zoe")
    assert "payouts were suspended" not in first
    assert "your payouts were suspended until " in second and "because of the strikes on your account" in second


def test_the_demo_leaves_one_appeal_waiting_for_a_second_reviewer(demo: tuple[Api, str]) -> None:
    api, summary = demo
    waiting = api.data('{ appeals(status: PENDING) { edges { node { id accountId statement } } } }')["appeals"]

    [appeal] = [edge["node"] for edge in waiting["edges"]]
    assert "credit check" in appeal["statement"] and "one waiting for a second reviewer" in summary
    overturned = api.data(RESOLVE, {"i": {"appealId": appeal["id"], "outcome": "OVERTURN",
                                          "rationale": "The small print does say approval needs a check."}})
    assert overturned["resolveAppeal"]["status"] == "OVERTURNED"
