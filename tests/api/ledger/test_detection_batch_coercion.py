"""recordDetections' long lists of inputs, coerced by plans: graphql-core's values, and its errors for bad ones."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLError, OperationDefinitionNode, parse
from graphql.execution.values import get_variable_values
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from app.graphql.core.coerced_lists import LONG_LIST
from app.graphql.schema import DocketExecutor, build_schema
from tests.api.ledger_api import RECORD_DETECTIONS, detection_input, events_after, head, subject
from tests.support import Api

COUNT = 40
BAD = 33
"""The input a bad case spoils: past the first, so that graphql-core's path names it."""


def long_batch(run: str) -> list[dict[str, Any]]:
    """Inputs that use every field of the type, and leave out or null the optional ones, by turns."""
    inputs = []
    for i in range(COUNT):
        fields = detection_input(f"{run}-{i}", subject=subject(f"{run}-pin-{i}"))
        if i % 2:
            fields.update(
                content={"uri": f"https://pins.example/{i}", "hash": "sha256:ab", "version": "1"},
                evidence={"score": 0.5, "hits": [1, 2.5, None, "x"], "nested": {"deep": True}},
                detectedAt="2026-11-01T09:30:00.25+02:00", source="USER_REPORT", contentType="IMAGE",
                modelContent={"text": f"post {i}", "imageUrls": ["https://pins.example/a.png"]},
            )
        if i % 3 == 0:
            fields.update(accountId=None, model=None, content=None, evidence=None, detectedAt=None)
        if i % 5 == 0:
            del fields["accountId"], fields["model"]
        inputs.append(fields)
    return inputs


def without(name: str) -> Any:
    return lambda item: {k: v for k, v in item.items() if k != name}


def changed(**fields: Any) -> Any:
    return lambda item: {**item, **fields}


BAD_VARIABLES: dict[str, Any] = {
    "unknown enum value": changed(source="PSYCHIC"),
    "enum as a number": changed(contentType=3),
    "required field missing": without("externalId"),
    "unknown field": changed(colour="red"),
    "null for a non-null field": changed(policy=None),
    "number for a string": changed(policy=7),
    "boolean for a float": changed(confidence=True),
    "string for a float": changed(confidence="high"),
    "malformed time": changed(detectedAt="yesterday"),
    "nested input missing a field": changed(subject={"domain": "trust_safety", "kind": "pin"}),
    "nested input not an object": changed(content="https://pins.example/1"),
    "list item not a string": changed(modelContent={"imageUrls": ["a", 2]}),
    "input not an object": lambda item: "clf-1",
    "null input": lambda item: None,
}


def coerced_by_graphql_core(inputs: Any) -> Any:
    operation = parse(RECORD_DETECTIONS).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return get_variable_values(build_schema()._schema, operation.variable_definitions or (), {"inputs": inputs})


def built(executor: type[StrawberryGraphQLCoreExecutionContext], inputs: Any) -> Any:
    return executor.build(build_schema()._schema, parse(RECORD_DETECTIONS), None, None, {"inputs": inputs})


def shape(value: Any) -> Any:
    """A value with its dicts' key order and its leaves' types, which == ignores."""
    if isinstance(value, dict):
        return [(key, shape(entry)) for key, entry in value.items()]
    if isinstance(value, list):
        return [shape(entry) for entry in value]
    return type(value), value


def test_a_long_list_is_coerced_to_the_values_graphql_core_makes() -> None:
    inputs = long_batch("same")
    assert len(inputs) >= LONG_LIST

    planned = built(DocketExecutor, inputs).variable_values
    generic = built(StrawberryGraphQLCoreExecutionContext, inputs).variable_values

    assert shape(planned.coerced) == shape(generic.coerced)
    assert planned.sources["inputs"].value is inputs


def test_what_graphql_core_takes_and_a_plan_does_not_vouch_for_is_still_taken() -> None:
    inputs = long_batch("lone")
    inputs[BAD]["modelContent"] = {"imageUrls": "https://pins.example/a.png"}  # a lone value as a list of one

    planned = built(DocketExecutor, inputs)

    assert planned.variable_values.coerced["inputs"][BAD]["modelContent"]["imageUrls"] == [
        "https://pins.example/a.png"
    ]
    assert shape(planned.variable_values.coerced) == shape(built(StrawberryGraphQLCoreExecutionContext, inputs)
                                                           .variable_values.coerced)


@pytest.mark.parametrize("spoil", BAD_VARIABLES.values(), ids=BAD_VARIABLES)
def test_a_bad_input_in_a_long_list_gets_graphql_cores_own_error_and_writes_nothing(api: Api, spoil: Any) -> None:
    before = head(api)
    inputs = long_batch("bad")
    inputs[BAD] = spoil(inputs[BAD])
    expected = coerced_by_graphql_core(inputs)
    assert isinstance(expected, list) and all(isinstance(error, GraphQLError) for error in expected)

    body = api.post(RECORD_DETECTIONS, {"inputs": inputs})

    assert body.get("data") is None
    assert [(e["message"], e.get("locations")) for e in body["errors"]] == [
        (error.message, [location._asdict() for location in error.locations or ()]) for error in expected
    ]
    assert body["errors"][0]["message"].startswith(f"Variable '$inputs' has invalid value at [{BAD}]")
    assert events_after(api, before) == []


def nested(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = {"a": value}
    return value


UNSTORABLE: dict[str, Any] = {
    "NUL in a string field": changed(externalId="clf\x00"),
    "lone surrogate in a nested input": changed(subject={"domain": "trust_safety", "kind": "pin", "id": "\ud800"}),
    "NUL in a list of strings": changed(modelContent={"imageUrls": ["https://pins.example/\x00"]}),
    "NUL in a time": changed(detectedAt="2026-11-01T09:30:00\x00"),
    "NUL in a key of a JSON value": changed(evidence={"note\x00": "x"}),
    "lone surrogate inside a JSON value": changed(evidence={"notes": ["\udfff"]}),
    "JSON value nested past the limit": changed(evidence=nested(65)),
}


@pytest.mark.parametrize("spoil", UNSTORABLE.values(), ids=UNSTORABLE)
def test_text_that_cannot_be_stored_in_a_long_list_is_refused_as_in_a_short_one_and_writes_nothing(
    api: Api, spoil: Any
) -> None:
    before = head(api)
    inputs = long_batch("unstorable")
    inputs[BAD] = spoil(inputs[BAD])
    short = inputs[BAD - LONG_LIST + 2:BAD + 1]
    assert len(short) < LONG_LIST <= len(inputs)

    checked_before_coercion = api.post(RECORD_DETECTIONS, {"inputs": short})
    planned = api.post(RECORD_DETECTIONS, {"inputs": inputs})

    assert planned == checked_before_coercion
    assert planned.get("data") is None
    assert planned["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert events_after(api, before) == []
