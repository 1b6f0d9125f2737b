"""/graphql follows the GraphQL-over-HTTP specification: methods, media types, status codes, limits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from app.auth.tokens import create_token
from app.config.settings import Settings
from app.http.asgi import create_app
from projections.sql import Steps, query
from tests.api.ledger_api import DECIDE, decide_input, events_after, head, nested_json
from tests.support import Api

GRAPHQL_RESPONSE = "application/graphql-response+json"
POLICIES = "{ policies { key } }"


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """HTTP handling does not depend on the engine."""
    return sqlite_url


def send(api: Api, method: str = "POST", accept: str | None = GRAPHQL_RESPONSE, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {api.token}", **kwargs.pop("headers", {})}
    if accept is not None:
        headers["Accept"] = accept
    return api.client.request(method, "/graphql", headers=headers, **kwargs)


def test_a_query_is_answered_in_the_media_type_the_client_prefers(api: Api) -> None:
    modern = send(api, json={"query": POLICIES})
    legacy = send(api, accept="application/json", json={"query": POLICIES})
    absent = send(api, accept=None, json={"query": POLICIES})

    assert modern.status_code == 200
    assert modern.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    assert legacy.headers["content-type"] == "application/json; charset=utf-8"
    assert absent.headers["content-type"] == "application/json; charset=utf-8"
    assert modern.json()["data"]["policies"] == legacy.json()["data"]["policies"] != []


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("application/json;q=0.9, application/graphql-response+json", GRAPHQL_RESPONSE),
        ("application/graphql-response+json;q=0.5, application/json", "application/json"),
        ("*/*", "application/json"),
        ("text/html, application/*;q=0.8", "application/json"),
        ("*/*;q=0.8, application/graphql-response+json;q=0.8", GRAPHQL_RESPONSE),
    ],
)
def test_accept_weights_choose_the_response_media_type(api: Api, accept: str, chosen: str) -> None:
    response = send(api, accept=accept, json={"query": POLICIES})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith(chosen)


def test_an_unacceptable_media_type_is_refused_with_406(api: Api) -> None:
    response = send(api, accept="text/html", json={"query": POLICIES})

    assert response.status_code == 406
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_ACCEPTABLE"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ policies { key }", "GRAPHQL_PARSE_FAILED"),
        ("{ policies { noSuchField } }", "GRAPHQL_VALIDATION_FAILED"),
        ("query($d: String!) { policies(domain: $d) { key } }", "BAD_USER_INPUT"),
    ],
    ids=["parse", "validation", "variable coercion"],
)
def test_request_errors_are_400_without_data_for_graphql_response_json(api: Api, query: str, code: str) -> None:
    modern = send(api, json={"query": query, "variables": {"d": 5}})
    legacy = send(api, accept="application/json", json={"query": query, "variables": {"d": 5}})

    assert modern.status_code == 400
    assert "data" not in modern.json()
    assert modern.json()["errors"][0]["extensions"]["code"] == code
    # Older clients keep the 200 they were written for; the body is the same.
    assert legacy.status_code == 200
    assert legacy.json() == modern.json()


def test_a_field_error_keeps_200_and_its_data(api: Api) -> None:
    response = send(api, json={"query": '{ policies { key } events(first: 0) { edges { cursor } } }'})

    body = response.json()
    assert response.status_code == 200
    assert body["data"] is None or "policies" not in body["data"] or body["data"]["policies"]
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["path"] == ["events"]


def test_queries_are_served_over_get(api: Api) -> None:
    response = send(api, "GET", params={"query": "query($d: String) { policies(domain: $d) { key } }",
                                        "variables": json.dumps({"d": "ads"})})

    assert response.status_code == 200
    assert {p["key"] for p in response.json()["data"]["policies"]}


def test_variables_nested_past_what_json_can_parse_are_bad_input_over_get_too(api: Api) -> None:
    query = "query($d: String) { policies(domain: $d) { key } }"

    response = send(api, "GET", params={"query": query, "variables": '{"d": ' + nested_json(1000) + "}"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "d"}


def test_a_mutation_over_get_is_refused_with_405_and_writes_nothing(api: Api) -> None:
    before = head(api)

    response = send(api, "GET", params={"query": DECIDE, "variables": json.dumps({"input": decide_input()})})

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert events_after(api, before) == []


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_refused_with_405(api: Api, method: str) -> None:
    response = send(api, method, json={"query": POLICIES})

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


@pytest.mark.parametrize(
    ("content_type", "status"),
    [("text/plain", 415), ("application/x-www-form-urlencoded", 415), ("application/graphql", 415)],
)
def test_a_body_in_another_media_type_is_refused_with_415(api: Api, content_type: str, status: int) -> None:
    response = send(api, content=json.dumps({"query": POLICIES}), headers={"Content-Type": content_type})

    assert response.status_code == status
    assert response.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        b'[{"query": "{ policies { key } }"}]',
        b'{"query": 5}',
        b'{"query": "{ policies { key } }", "variables": [1]}',
        b'{"query": "{ policies { key } }", "operationName": 3}',
        b'{"variables": {}}',
        b"\xff\xfe",
    ],
    ids=["malformed", "array", "batch", "query not a string", "variables not an object", "operation name",
         "no query", "not utf-8"],
)
def test_a_malformed_request_is_refused_with_400_and_writes_nothing(api: Api, body: bytes) -> None:
    before = head(api)

    response = send(api, content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert events_after(api, before) == []


def test_an_unknown_operation_name_is_refused_with_400(api: Api) -> None:
    response = send(api, json={"query": "query A { policies { key } }", "operationName": "B"})

    assert response.status_code == 400


def test_several_operations_without_an_operation_name_are_a_request_error_and_none_runs(api: Api) -> None:
    document = (
        'mutation Create { createQueue(input: {name: "q1", domain: "ads", description: "d"}) { __typename } } '
        "query Read { policies { key } }"
    )
    before = head(api)

    modern = send(api, json={"query": document})
    legacy = send(api, accept="application/json", json={"query": document})

    assert modern.status_code == 400
    assert legacy.status_code == 200
    assert modern.json() == legacy.json() == {"errors": [{
        "message": "the document has 2 operations (Create, Read): name the one to run in `operationName`",
        "extensions": {"code": "BAD_REQUEST"},
    }]}
    assert events_after(api, before) == []
    named = send(api, json={"query": document, "operationName": "Read"})
    assert named.status_code == 200 and named.json()["data"]["policies"]


def test_a_body_over_the_limit_is_refused_with_413_before_it_is_read(api: Api) -> None:
    padding = "x" * (4 * 1024 * 1024)

    response = send(api, json={"query": POLICIES, "variables": {"padding": padding}})

    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.parametrize(
    "query",
    [
        "{ " + " ".join(f"a{i}: policies {{ key }}" for i in range(31)) + " }",
        "{ policies { " + "key " * 6000 + "} }",
    ],
    ids=["too many aliases", "too many tokens"],
)
def test_wide_or_long_queries_are_refused_before_they_run(api: Api, query: str) -> None:
    response = send(api, json={"query": query})

    assert response.status_code == 400
    assert "data" not in response.json()


def test_a_crash_is_masked_for_the_client_and_logged_with_the_request_id(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(*args: Any) -> Steps[None]:
        raise RuntimeError("secret internals: /var/lib/docket")

    monkeypatch.setattr("app.graphql.ledger.queries.list_policies", query(explode))

    response = send(api, json={"query": POLICIES}, headers={"X-Request-Id": "req-42"})

    error = response.json()["errors"][0]
    assert response.status_code == 200
    assert error["message"] == "Unexpected error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-42"}
    assert "secret internals" not in response.text
    assert response.headers["x-request-id"] == "req-42"
    logged = [r for r in caplog.records if r.name == "docket.graphql"]
    assert "req-42" in logged[0].getMessage()
    exc_info = logged[0].exc_info
    assert exc_info is not None and "secret internals" in str(exc_info[1])


def test_a_request_without_an_id_gets_one(api: Api) -> None:
    response = send(api, json={"query": POLICIES}, headers={"X-Request-Id": "not a valid id!"})

    assert len(response.headers["x-request-id"]) == 32


def test_tokens_never_reach_the_logs(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    send(api, json={"query": DECIDE, "variables": {"input": decide_input()}})
    send(api, json={"query": "{ nope }"})
    api.client.post("/graphql", json={"query": POLICIES}, headers={"Authorization": f"Token {api.token}"})

    assert caplog.records
    assert all(api.token not in record.getMessage() for record in caplog.records)
    assert all(api.token not in json.dumps(e) for e in events_after(api, None))


def test_introspection_can_be_turned_off(tmp_path: Path, sqlite_url: str) -> None:
    tokens = tmp_path / "tokens.toml"
    token = create_token(tokens, "alice", ["admin"], ["*"])
    settings = Settings(database_url=sqlite_url, tokens_file=tokens, introspection=False)
    with TestClient(create_app(settings)) as client:
        headers = {"Authorization": f"Bearer {token}", "Accept": GRAPHQL_RESPONSE}
        refused = client.post("/graphql", headers=headers, json={"query": "{ __schema { types { name } } }"})
        served = client.post("/graphql", headers=headers, json={"query": POLICIES})

    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert served.status_code == 200


@pytest.mark.parametrize(
    "where",
    [{"headers": {"X-Api-Key": "{token}"}}, {"headers": {"Cookie": "token={token}"}}, {"params": {"token": "{token}"}}],
    ids=["api key header", "cookie", "query string"],
)
def test_a_token_anywhere_but_the_authorization_header_is_refused(api: Api, where: dict[str, Any]) -> None:
    placed: dict[str, Any] = {
        kind: {k: v.format(token=api.token) for k, v in values.items()} for kind, values in where.items()
    }

    response = api.client.request("POST", "/graphql", json={"query": POLICIES}, **placed)

    assert response.status_code == 401
    assert api.token not in response.text
