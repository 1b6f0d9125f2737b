"""Schemathesis fuzzes every query and mutation of a live `docket serve`, as an admin, on SQLite and PostgreSQL.

Whatever it sends, the server answers below 500, never with a stack trace, and every error it reports is
typed (`extensions.code`) or a validation error; a masked crash (INTERNAL_SERVER_ERROR) fails the test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.errors import InvalidSchema
from schemathesis.core.result import Err, Ok
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from bench.servers import admin_server

# A few minutes in CI; set DOCKET_FUZZ_EXAMPLES higher to search longer.
EXAMPLES_PER_OPERATION = int(os.environ.get("DOCKET_FUZZ_EXAMPLES", "50"))


def _label(result: Ok[schemathesis.APIOperation] | Err[InvalidSchema]) -> str:
    """The operation's label; an operation the schema cannot describe fails the module at once."""
    if isinstance(result, Err):
        raise result.err()
    return result.ok().label


# Every operation of the checked-in schema (a test keeps it equal to the code's).
OPERATIONS = [
    _label(result)
    for result in schemathesis.graphql.from_path(Path(__file__).parents[2] / "schema.graphql").get_all_operations()
]
LEAKS = ("Traceback", 'File "')
ACCEPTED_CODES = {"BAD_USER_INPUT", "NOT_YET_CONSISTENT", "FORBIDDEN", "UNAUTHENTICATED",
                  "GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"}


def typed_errors_only(ctx: Any, response: Any, case: Any) -> None:
    """Below 500, no stack trace, and every error typed by its code (validation errors included)."""
    assert response.status_code < 500, f"HTTP {response.status_code}: {response.text[:2000]}"
    leaked = [marker for marker in LEAKS if marker in response.text]
    assert not leaked, f"the response shows a stack trace: {response.text[:2000]}"
    errors = (response.json() or {}).get("errors") or []
    untyped = [e for e in errors if not _typed(e)]
    assert not untyped, f"errors neither typed nor validation errors: {untyped}"


def _typed(error: dict[str, Any]) -> bool:
    return (error.get("extensions") or {}).get("code") in ACCEPTED_CODES


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fuzzed_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """A live server on a fresh database of the engine asked for, holding the demo: its /graphql URL and an
    admin token."""
    workdir = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{workdir / 'docket.db'}"
    else:
        database = request.getfixturevalue("postgres_database")
        schema = f"fuzz_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(database, autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{schema}"')
        url = f"{database}?schema={schema}"
    # A minPosition beyond the head waits this long for the read models before NOT_YET_CONSISTENT.
    with admin_server(workdir, url, demo=True, DOCKET_CONSISTENCY_TIMEOUT="0.05") as (server, token):
        yield server.graphql_url, token


@pytest.fixture(scope="module")
def live_schema(fuzzed_server: tuple[str, str]) -> Any:
    """The schema as the live server tells it through introspection, with the admin's bearer token."""
    url, token = fuzzed_server
    headers = {"Authorization": f"Bearer {token}"}
    positions, values = known_values(url, headers)
    config = SchemathesisConfig.from_dict({
        "dictionaries": {"positions": {"values": positions}, "sizes": {"values": [1, 2, 50, 500]},
                         "ledger": {"values": values}},
        # Most arguments then name real records and positions, so the resolvers run past argument checks.
        "parameters": {
            "Query.*.minPosition": {"dictionary": "positions", "probability": 0.8},
            "Query.*.first": {"dictionary": "sizes", "probability": 0.7},
            **{f"Query.{field}.after": {"dictionary": "positions", "probability": 0.7}
               for field in ("events", "appeals", "auditTrail")},
        },
        "generation": {"dictionaries": {"string": {"dictionary": "ledger", "probability": 0.5},
                                        "integer": {"dictionary": "ledger", "probability": 0.3}}},
    })
    return schemathesis.graphql.from_url(url, headers=headers, timeout=30, config=config)


def known_values(url: str, headers: dict[str, str]) -> tuple[list[str], list[str | int]]:
    """The ledger's positions, and the ids, keys and names it holds, for generated arguments to name."""
    response = httpx.post(url, headers=headers, timeout=30, json={
        "query": "{ events(first: 500) { edges { node { position type aggregateId data } } } }"
    })
    nodes = [edge["node"] for edge in response.json()["data"]["events"]["edges"]]
    values: set[str | int] = {0, 1, 2, 50, -1}
    for node in nodes:
        values.update((node["type"], node["aggregateId"]))
        values.update(_scalars(node["data"]))
    return [node["position"] for node in nodes], sorted(values, key=str)


def _scalars(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _scalars(item)
    elif isinstance(value, list):
        for item in value:
            yield from _scalars(item)
    elif isinstance(value, str) and len(value) <= 100:
        yield value


@pytest.mark.parametrize("label", OPERATIONS)
def test_every_operation_answers_typed_errors_and_never_crashes(
    label: str, live_schema: Any, fuzzed_server: tuple[str, str]
) -> None:
    operation = live_schema.find_operation_by_label(label)
    assert operation is not None, f"the live server has no {label}; is schema.graphql current?"
    _, token = fuzzed_server
    cases = st.one_of(*(operation.as_strategy(mode) for mode in GenerationMode))

    @given(case=cases)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: Any) -> None:
        case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
            # Typed errors (BAD_USER_INPUT, NOT_YET_CONSISTENT) are the API working; typed_errors_only judges them.
            excluded_checks=[not_a_server_error, positive_data_acceptance],
            additional_checks=[typed_errors_only],
        )

    fuzz()


MASKED = {"data": None, "errors": [{"message": "Unexpected error.", "path": ["account"],
                                    "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": "r-1"}}]}


@pytest.mark.parametrize(("status", "body"), [
    (500, {"errors": [{"message": "boom"}]}),
    (200, MASKED),
    (200, {"data": None, "errors": [{"message": "Unexpected error.", "path": ["account"]}]}),
    (200, {"data": None, "errors": [{"message": 'Traceback (most recent call last):\n  File "app/x.py"'}]}),
    (200, {"errors": [{"message": "Cannot query field 'x' on type 'Query'."}]}),
])
def test_the_fuzz_check_refuses_crashes_masked_or_not(status: int, body: dict[str, Any]) -> None:
    with pytest.raises(AssertionError):
        typed_errors_only(None, httpx.Response(status, json=body), None)


@pytest.mark.parametrize(("status", "body"), [
    (200, {"data": {"account": None}}),
    (200, {"data": None, "errors": [{"message": "minPosition must be ...", "path": ["account"],
                                     "extensions": {"code": "BAD_USER_INPUT"}}]}),
    (200, {"errors": [{"message": "Cannot query field 'x' on type 'Query'.", "locations": [{"line": 1, "column": 3}],
                       "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}]}),
    (400, {"errors": [{"message": "Syntax Error", "extensions": {"code": "GRAPHQL_PARSE_FAILED"}}]}),
])
def test_the_fuzz_check_accepts_data_typed_errors_and_validation_errors(status: int, body: dict[str, Any]) -> None:
    typed_errors_only(None, httpx.Response(status, json=body), None)
