"""A case asked with minPosition waits for the read models its selected fields read, not for every one: on PostgreSQL
the read models move on in two groups, each as it commits."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import pytest

from app.graphql.ledger.types import Decision
from app.graphql.ledger.views import FIELD_READS, Case
from app.runtime.wiring import Runtime
from tests.api.ledger_api import record_detection, subject
from tests.support import Api


def waited_for(api: Api, monkeypatch: pytest.MonkeyPatch, fields: str, as_of: str | None = None) -> Any:
    """The read models pin-1's case asked with `fields` and a minPosition waited for (None: every one)."""
    runtime: Runtime = api.client.app.state.runtime  # type: ignore[attr-defined]
    reach = runtime.projector.reach
    names: list[Collection[str] | None] = []

    async def spied(position: int, timeout: float, waited: Collection[str] | None = None) -> bool:
        names.append(waited)
        return await reach(position, timeout, waited)

    monkeypatch.setattr(runtime.projector, "reach", spied)
    position = record_detection(api, subject=subject("pin-1"))["position"]
    query = f"""query($s: SubjectInput!, $p: String, $at: DateTime) {{
        case(subject: $s, minPosition: $p, asOf: $at) {{ {fields} }} }}"""
    case = api.data(query, {"s": subject("pin-1"), "p": position, "at": as_of})["case"]
    assert case["status"] == "OPEN"
    (waited,) = names
    return None if waited is None else sorted(waited)


@pytest.mark.parametrize("fields, read_models", [
    ("status detections { externalId } decisions { id live }", ["case_status"]),
    ("status decisions { strike { points } }", ["account_standing", "case_status"]),
    ("status decisions { confirmations { system } }", ["action_confirmations", "case_status"]),
    ("status reports { reporterId } ... on Case { history { type } }", ["audit_trail", "case_status", "reports"]),
    ("status notes { note } claim { holder } waiting { queue } appeals { id }",
     ["appeals", "case_status", "review_queue"]),
], ids=["its_own_rows", "strikes", "confirmations", "reports_and_history", "review_and_appeals"])
def test_a_case_asked_now_with_min_position_waits_for_the_read_models_its_fields_read(
    api: Api, monkeypatch: pytest.MonkeyPatch, fields: str, read_models: list[str]
) -> None:
    assert waited_for(api, monkeypatch, fields) == read_models


def test_a_case_asked_as_of_a_moment_with_min_position_waits_for_every_read_model(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert waited_for(api, monkeypatch, "status", as_of=api.clock().isoformat()) is None


def test_every_field_of_a_case_that_loads_rows_says_what_it_reads() -> None:
    def loading(definition: Any) -> set[str]:
        return {f.python_name for f in definition.fields if f.base_resolver is not None}

    # A case's detections and decisions are read with it; a decision's confirmations are its one field that loads.
    assert loading(Case.__strawberry_definition__) == {"detections", "decisions", *FIELD_READS}  # type: ignore[attr-defined]
    assert loading(Decision.__strawberry_definition__) == {"confirmations"}  # type: ignore[attr-defined]
