"""Case search, an account's cases, and the operations figures in GraphQL and at /metrics."""

from __future__ import annotations

from datetime import timedelta

from tests.api.ledger_api import DECIDE, decide_input, subject
from tests.api.review_api import claim_next, standard_queues, submit_report
from tests.support import Api

CASES = """
query($f: CaseFilter, $first: Int!, $after: String, $p: String) {
  cases(filter: $f, first: $first, after: $after, minPosition: $p) {
    edges { cursor node { subject { id } status accountId } } pageInfo { hasNextPage endCursor } } }
"""
ACCOUNT_CASES = """
query($id: String!) { account(id: $id) { cases(first: 10) { edges { node { subject { id } } } } } }
"""
FIGURES = """
query($h: Float!, $p: String) {
  queueFigures(windowHours: $h, minPosition: $p) { name backlog oldestWaitingSeconds inboundPerHour decidedPerHour
                                  medianHandlingSeconds p90HandlingSeconds claimExpiries }
  reviewerFigures(windowHours: $h, minPosition: $p) {
    name backlog decidedPerHour medianHandlingSeconds claimExpiries } }
"""


def busy_queue(api: Api) -> str:
    """Three reported pins in ts_general; rita decides pin-1 after 6 minutes; pin-2's lease lapses."""
    standard_queues(api)
    for n in (1, 2, 3):
        submit_report(api, f"r-{n}", reporter=f"user-{n}", subject=subject(f"pin-{n}"), accountId=f"acct-{n % 2}")
    submit_report(api, "r-4", reporter="flagger", kind="TRUSTED_FLAGGER", subject=subject("pin-4"))
    rita = api.principal("rita", ["reviewer"])
    claim_next(api, "ts_general", token=rita)
    api.clock.advance(timedelta(minutes=6))
    decided = api.data(DECIDE, {"input": decide_input(subject=subject("pin-1"), accountId="acct-1")}, rita)["decide"]
    lapsing = claim_next(api, "ts_general", token=api.principal("sam", ["reviewer"]), lease=60)
    api.clock.advance(timedelta(minutes=2))
    assert int(lapsing["position"]) > int(decided["position"])
    return str(lapsing["position"])


def test_cases_are_searched_by_status_queue_and_reporter_a_page_at_a_time(api: Api) -> None:
    position = busy_queue(api)

    def ids(filter: dict[str, str], first: int = 10, after: str | None = None) -> list[str]:
        page = api.data(CASES, {"f": filter, "first": first, "after": after, "p": position})["cases"]
        return [e["node"]["subject"]["id"] for e in page["edges"]]

    assert ids({"queue": "ts_general"}) == ["pin-2", "pin-3"]
    assert ids({"queue": "ts_priority"}) == ["pin-4"]
    assert ids({"status": "ACTIONED"}) == ["pin-1"]
    assert ids({"reporter": "user-3"}) == ["pin-3"]
    assert ids({"domain": "trust_safety", "policy": "spam"}) == ["pin-1", "pin-2", "pin-3", "pin-4"]
    page = api.data(CASES, {"first": 2, "p": position})["cases"]
    assert page["pageInfo"]["hasNextPage"] is True
    assert ids({}, 10, page["pageInfo"]["endCursor"]) == ["pin-3", "pin-4"]
    bad = api.post(CASES, {"first": 2, "after": "nonsense"})
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    account = api.data(ACCOUNT_CASES, {"id": "acct-1"})["account"]
    assert [e["node"]["subject"]["id"] for e in account["cases"]["edges"]] == ["pin-1", "pin-3", "pin-4"]


def test_operations_figures_per_queue_and_reviewer_in_graphql_and_at_metrics(api: Api) -> None:
    position = busy_queue(api)

    figures = api.data(FIGURES, {"h": 1.0, "p": position})
    general = next(q for q in figures["queueFigures"] if q["name"] == "ts_general")
    assert general == {
        "name": "ts_general", "backlog": 2, "oldestWaitingSeconds": 480.0, "inboundPerHour": 3.0,
        "decidedPerHour": 1.0, "medianHandlingSeconds": 360.0, "p90HandlingSeconds": 360.0, "claimExpiries": 1,
    }
    reviewers = {r["name"]: r for r in figures["reviewerFigures"]}
    assert reviewers["rita"]["decidedPerHour"] == 1.0
    assert reviewers["sam"]["claimExpiries"] == 1
    for refused in (0, 1.65e-161, 24 * 31 + 1):  # none, a window that rounds to none, beyond a month
        assert api.post(FIGURES, {"h": refused})["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

    metrics = api.get("/metrics").text
    assert 'docket_queue_backlog{queue="ts_general"} 2.0' in metrics
    assert 'docket_queue_handling_median_seconds{queue="ts_general"} 360.0' in metrics
    assert 'docket_queue_oldest_waiting_seconds{queue="ts_general"} 480.0' in metrics
    assert 'docket_reviewer_claim_expiries{reviewer="sam"} 1.0' in metrics
