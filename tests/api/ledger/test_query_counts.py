"""Nested fields load through DataLoaders: a page of cases costs the same statements however many cases it holds."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.ledger_api import decide, record_detection, settle, subject
from tests.api.review_api import create_queue, standard_queues, submit_report
from tests.projections.statements import reads_counted
from tests.support import Api

CASES_WITH_EVERYTHING = """
query($first: Int!, $p: String) { cases(first: $first, minPosition: $p) { edges { node {
  id status
  detections { id source }
  decisions { id outcome strike { id points } }
  reports { id status }
  notes { note }
  claim { holder }
  waiting { policy queue }
  appeals { id }
  history { type }
} } } }
"""


def _cases(api: Api, count: int, start: int) -> str:
    """`count` cases, each with a detection, a report and a violating decision with its strike; the last position."""
    position = ""
    for n in range(start, start + count):
        item = f"pin-{n}"
        record_detection(api, subject=subject(item), externalId=f"clf-{n}", accountId=f"acct-{n}")
        submit_report(api, f"report-{n}", subject=subject(item), accountId=f"acct-{n}")
        position = decide(api, subject=subject(item), accountId=f"acct-{n}", idempotencyKey=f"d-{n}")["position"]
    return str(position)


def _page_statements(api: Api, monkeypatch: pytest.MonkeyPatch, position: str) -> tuple[int, list[dict[str, Any]]]:
    api.data(CASES_WITH_EVERYTHING, {"first": 50, "p": position})  # the read models have caught up
    with reads_counted(monkeypatch) as sent:
        edges = api.data(CASES_WITH_EVERYTHING, {"first": 50})["cases"]["edges"]
    return len(sent), edges


def test_a_page_of_cases_costs_the_same_statements_for_two_cases_as_for_twelve(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    standard_queues(api)
    few, few_edges = _page_statements(api, monkeypatch, _cases(api, 2, start=0))
    many, many_edges = _page_statements(api, monkeypatch, _cases(api, 10, start=2))

    assert len(few_edges) == 2 and len(many_edges) == 12
    assert many == few
    # One for the page, one per nested field (decisions bring their strikes in a second), and before each of
    # those reads one look at whether the read model it reads has stopped.
    assert few <= 20
    node = many_edges[-1]["node"]
    assert node["status"] == "ACTIONED"
    assert [d["strike"]["points"] for d in node["decisions"]] == [1]
    assert len(node["detections"]) == 1 and len(node["reports"]) == 1
    assert {"Detection.Recorded", "Case.Decided"} <= {e["type"] for e in node["history"]}


def _one_decided_case(api: Api) -> dict[str, Any]:
    """A detection on pin-1 of acct-1 and a violating decision with its strike, read models caught up."""
    record_detection(api, subject=subject("pin-1"), externalId="clf-1", accountId="acct-1")
    made = decide(api, subject=subject("pin-1"), accountId="acct-1", idempotencyKey="d-1")
    settle(api)
    return made


def test_an_account_standing_and_strikes_cost_one_statement_that_reads_no_appeals(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    _one_decided_case(api)
    query = '{ account(id: "acct-1") { id standing { level strikePoints } strikes { points } penalties { kind } } }'
    api.data(query)  # a reader learns each statement's width once, and then adds its stopped check to it alone

    with reads_counted(monkeypatch) as sent:
        account = api.data(query.replace("{ id", "{  id"))["account"]  # asked anew: no kept answer

    assert account["standing"]["strikePoints"] == 1 and [s["points"] for s in account["strikes"]] == [1]
    # The read models' positions, read first so that the answer can be kept, and the account's one statement.
    assert len(sent) == 2 and "FROM projection_positions" in sent[0]
    assert "appeals" not in sent[1] and "FROM strikes" in sent[1]


def test_asking_for_an_account_appeals_costs_one_statement_more_even_when_it_has_none(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    _one_decided_case(api)
    query = '{ account(id: "acct-1") { standing { level } appeals { id } } }'
    api.data(query)

    with reads_counted(monkeypatch) as sent:
        account = api.data(query)["account"]

    assert account["appeals"] == []
    assert len(sent) == 2 and "FROM appeals" in sent[1]


def test_a_case_with_its_detections_and_decisions_costs_one_statement_and_their_strikes_one_more(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    _one_decided_case(api)
    pin = '{domain: "trust_safety", kind: "pin", id: "pin-1"}'

    def asked(fields: str, fragments: str = "") -> str:
        """pin-1's case, and __typename: an answer not kept, read each time."""
        return f"{{ __typename case(subject: {pin}) {{ {fields} }} }} {fragments}"

    queries = [asked("status"), asked("status detections { id }"),
               asked("status detections { externalId } decisions { id live }"),
               asked("...records", "fragment records on Case { decisions { ...strike } } "
                     "fragment strike on Decision { strike { points } }"),
               '{ reviewQueue(domain: "trust_safety") { edges { node { policy detections } } } }']
    answers, counts = [], []
    for query in queries:
        api.data(query)  # a reader learns each statement's width once
        with reads_counted(monkeypatch) as sent:
            answers.append(api.data(query))
        counts.append(len(sent))

    case = answers[2]["case"]
    assert case["status"] == "ACTIONED" and [d["externalId"] for d in case["detections"]] == ["clf-1"]
    assert [d["live"] for d in case["decisions"]] == [True]
    assert answers[3]["case"]["decisions"] == [{"strike": {"points": 1}}]
    assert len(answers[4]["reviewQueue"]["edges"]) == 0
    assert counts == [1, 1, 1, 2, 1]


def test_a_decision_costs_one_statement_and_its_strike_one_more(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    made = _one_decided_case(api)
    query = f'{{ decision(id: "{made["id"]}") {{ outcome strike {{ points }} }} }}'
    api.data(query)

    with reads_counted(monkeypatch) as sent:
        decision = api.data(query)["decision"]

    assert decision == {"outcome": "VIOLATING", "strike": {"points": 1}}
    assert len(sent) == 2 and "FROM decisions" in sent[0] and "FROM strikes" in sent[1]


def test_operations_figures_cost_the_same_statements_for_two_queues_as_for_six(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = "{ queueFigures { name backlog } reviewerFigures { name } }"

    def statements() -> int:
        api.data(query)
        with reads_counted(monkeypatch) as sent:
            api.data(query)
        return len(sent)

    standard_queues(api)
    few = statements()
    for n in range(4):
        create_queue(api, f"extra_{n}")
    settle(api)
    many = statements()

    assert len(api.data(query)["queueFigures"]) == 6
    assert few == many == 5  # three for the queues, two for the reviewers
