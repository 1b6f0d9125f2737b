"""GraphQL documents and helpers of the bulk decision tests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from app.runtime.wiring import Runtime
from tests.api.ledger_api import subject
from tests.support import Api

PROGRESS = """
__typename
... on BatchProgress { batchId status total decided skipped failed reversed kept created position }
... on ValidationError { message field } ... on NotFoundError { message } ... on ConflictError { message }
"""
BULK_DECIDE = f"mutation($i: BulkDecideInput!) {{ bulkDecide(input: $i) {{ {PROGRESS} }} }}"
REVERSE_BATCH = f"mutation($i: ReverseBatchInput!) {{ reverseBatch(input: $i) {{ {PROGRESS} }} }}"
BATCH = """
query($id: ID!, $p: String, $status: BatchSubjectStatus, $first: Int! = 50, $after: String) {
  batch(id: $id, minPosition: $p) {
    id domain policy outcome actions { type } rationale status total pending decided skipped failed reversed kept
    startedBy completedAt reversalRationale reversedBy reversedAt
    subjects(status: $status, first: $first, after: $after) {
      edges { cursor node { index subject { id } accountId status decisionId reason } }
      pageInfo { hasNextPage endCursor } } } }
"""


def patient(api: Api) -> Api:
    """The API with time for the read models to take in thousands of events before a query answers."""
    runtime: Runtime = api.client.app.state.runtime  # type: ignore[attr-defined]
    runtime.settings = replace(runtime.settings, consistency_timeout=120.0)
    return api


def wave(size: int, accounts: int = 1, prefix: str = "pin") -> list[dict[str, Any]]:
    """A spam wave: `size` pins spread over `accounts` accounts."""
    return [{"subject": subject(f"{prefix}-{i}"), "accountId": f"acct-{i % accounts}"} for i in range(size)]


def bulk_input(subjects: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "subjects": subjects, "policy": "spam", "outcome": "VIOLATING", "actions": [{"type": "REMOVE"}],
        "rationale": "Coordinated link-farm wave.",
    }
    return {**values, **overrides}


def bulk_decide(api: Api, subjects: list[dict[str, Any]], **overrides: Any) -> Any:
    return api.data(BULK_DECIDE, {"i": bulk_input(subjects, **overrides)})["bulkDecide"]


def reverse_batch(api: Api, batch_id: str, rationale: str = "The classifier misfired on this wave.") -> Any:
    return api.data(REVERSE_BATCH, {"i": {"batchId": batch_id, "rationale": rationale}})["reverseBatch"]


def batch(api: Api, batch_id: str, position: str | None = None, **variables: Any) -> Any:
    return api.data(BATCH, {"id": batch_id, "p": position, **variables})["batch"]
