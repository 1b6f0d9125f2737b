"""Every root field under every role and scope: allowed or denied exactly as app.graphql.core.access.ALLOWED says."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    get_named_type,
    is_leaf_type,
)

from app.auth.tokens import ROLES
from app.graphql.core.access import ALLOWED
from app.graphql.schema import build_schema
from tests.api.ledger_api import head
from tests.api.subscriber import connected, subscribe
from tests.support import Api

SCHEMA = build_schema()._schema
ROOTS = {"Query": SCHEMA.query_type, "Mutation": SCHEMA.mutation_type, "Subscription": SCHEMA.subscription_type}
SCALARS = {"String": "x", "ID": "x", "Int": 1, "Float": 0.5, "Boolean": False, "DateTime": "2026-03-01T00:00:00+00:00"}


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """Access is decided before anything touches the database, on either engine."""
    return sqlite_url


def root_fields() -> list[tuple[str, str, GraphQLField]]:
    return [(kind, name, field) for kind, root in ROOTS.items() if root for name, field in root.fields.items()]


def placeholder(type_: GraphQLInputType) -> Any:
    """A value of the type that GraphQL accepts: only the required fields of inputs, empty lists."""
    if isinstance(type_, GraphQLNonNull):
        return placeholder(type_.of_type)
    if isinstance(type_, GraphQLList):
        return []
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {
            name: placeholder(f.type) for name, f in type_.fields.items()
            if isinstance(f.type, GraphQLNonNull) and f.default_value is None
        }
    assert isinstance(type_, GraphQLScalarType)
    return SCALARS[type_.name]


def operation(kind: str, name: str, field: GraphQLField) -> tuple[str, dict[str, Any]]:
    """A document that runs the field once, with its required arguments as variables."""
    required = {a: arg for a, arg in field.args.items() if isinstance(arg.type, GraphQLNonNull)}
    declared = "".join(f"${a}: {arg.type}, " for a, arg in required.items()).rstrip(", ")
    passed = ", ".join(f"{a}: ${a}" for a in required)
    selection = "" if is_leaf_type(get_named_type(field.type)) else " { __typename }"
    document = (
        f"{kind.lower()}{f'({declared})' if declared else ''} "
        f"{{ {name}{f'({passed})' if passed else ''}{selection} }}"
    )
    return document, {a: placeholder(arg.type) for a, arg in required.items()}


def test_the_table_names_every_root_field_and_only_known_roles() -> None:
    assert set(ALLOWED) == {f"{kind}.{name}" for kind, name, _ in root_fields()}
    assert all(roles <= ROLES for roles in ALLOWED.values())


def test_an_auditor_may_read_everything_and_change_nothing() -> None:
    assert {field for field, roles in ALLOWED.items() if "auditor" in roles} == {
        field for field in ALLOWED if not field.startswith("Mutation.")
    }


@pytest.mark.parametrize("scope", [["*"], ["ads"]], ids=["all domains", "ads only"])
@pytest.mark.parametrize("role", sorted(ROLES))
def test_each_role_runs_exactly_the_fields_the_table_allows(api: Api, role: str, scope: list[str]) -> None:
    token = api.principal(f"{role}-{scope[0]}", [role], scope)
    outcomes = {}
    for kind, name, field in root_fields():
        before = head(api)
        document, variables = operation(kind, name, field)
        if kind == "Subscription":
            outcomes[f"{kind}.{name}"] = subscription_runs(api, token, document, variables)
            continue
        response = api.client.post(
            "/graphql", json={"query": document, "variables": variables},
            headers={"Authorization": f"Bearer {token}", "Accept": "application/graphql-response+json"},
        )
        codes = [e.get("extensions", {}).get("code") for e in response.json().get("errors", [])]
        denied = response.status_code == 403 and codes == ["FORBIDDEN"]
        assert denied or "FORBIDDEN" not in codes, (name, response.text)
        assert response.status_code < 500, (name, response.text)
        if denied:
            assert "data" not in response.json()
            assert head(api) == before, f"{kind}.{name} was denied to {role} but wrote"
        outcomes[f"{kind}.{name}"] = not denied

    expected = {field: role == "admin" or role in roles for field, roles in ALLOWED.items()}
    assert outcomes == expected


def subscription_runs(api: Api, token: str, document: str, variables: dict[str, Any]) -> bool:
    """Whether the subscription delivers its first result (the ledger always holds the starter catalog)."""
    with connected(api, token) as ws:
        subscribe(ws, document, variables)
        message = ws.receive_json()
    assert message["type"] == "next", message
    errors = message["payload"].get("errors") or []
    assert [e["extensions"]["code"] for e in errors] in ([], ["FORBIDDEN"]), errors
    return not errors


def test_a_document_mixing_allowed_and_denied_fields_runs_none_of_them(api: Api) -> None:
    token = api.principal("reader", ["reviewer"])
    before = head(api)

    mutation_type = ROOTS["Mutation"]
    assert mutation_type is not None
    mutations = mutation_type.fields
    response = api.client.post(
        "/graphql",
        json={
            "query": "mutation($p: PublishPolicyInput!, $d: DecideInput!) "
            "{ publishPolicy(input: $p) { __typename } decide(input: $d) { __typename } }",
            "variables": {
                "p": placeholder(mutations["publishPolicy"].args["input"].type),
                "d": placeholder(mutations["decide"].args["input"].type),
            },
        },
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["fields"] == ["Mutation.publishPolicy"]
    assert head(api) == before


def test_fragments_cannot_smuggle_a_denied_field(api: Api) -> None:
    token = api.principal("pipeline", ["service"])

    response = api.client.post(
        "/graphql",
        json={"query": "query { ...F } fragment F on Query { events(first: 1) { edges { cursor } } }"},
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["fields"] == ["Query.events"]
