"""Nested fields load through DataLoaders: a page of cases costs the same statements however many cases it holds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from app.read import store
from tests.api.ledger_api import decide, record_detection, subject
from tests.api.review_api import standard_queues, submit_report
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


class _Counting:
    def __init__(self, sql: Any, sent: list[str]) -> None:
        self._sql, self._sent = sql, sent

    def execute(self, statement: str, params: Any = ()) -> None:
        self._sent.append(statement)
        self._sql.execute(statement, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sql, name)


@contextmanager
def reads_counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every statement of a read-only transaction while the block runs, on either engine (the projector, which
    writes, is not counted)."""
    sent: list[str] = []
    for engine in (store.SqliteReadStore, store.PostgresReadStore):
        original = engine.transaction

        @contextmanager
        def counting(self: Any, write: bool = True, locks: Any = (), _original: Any = original) -> Iterator[Any]:
            with _original(self, write, locks) as sql:
                yield sql if write else _Counting(sql, sent)

        monkeypatch.setattr(engine, "transaction", counting)
    yield sent
    monkeypatch.undo()


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
