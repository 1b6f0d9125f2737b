"""A document of a shape already validated is checked again for its values: the same errors as a full validation."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import ASTValidationRule, GraphQLError, GraphQLFormattedError, parse, specified_rules
from strawberry.schema.schema import validate_document

from app.graphql.core.validation_shapes import STRUCTURAL_RULES, VALUE_RULES, Validations, shape
from app.graphql.schema import COUNTING_LIMITS, LIMIT_RULES, build_schema
from tests.api.ledger_api import head
from tests.support import Api

RECORD = (
    'mutation {{ recordDetection(input: {{subject: {{domain: "trust_safety", kind: "pin", id: "{pin}"}}, '
    'policy: "spam", source: CLASSIFIER, externalId: "{external}", confidence: {confidence}, contentType: IMAGE, '
    'detectedAt: "{at}", evidence: {{score: 0.9}}}}) {{ __typename ... on Detection {{ id externalId }} }} }}'
)
VALID = {"pin": "pin-1", "external": "e-1", "confidence": "0.9", "at": "2026-12-06T10:00:00Z"}
TWICE = '{{ a: account(id: "{first}") {{ id }} a: account(id: "{second}") {{ id }} }}'

SAME_SHAPE = {
    # name: (a valid document, another of its shape that a value rule refuses)
    "a time that is not one": (RECORD.format(**VALID), RECORD.format(**{**VALID, "at": "yesterday"})),
    "text holding NUL": (RECORD.format(**VALID), RECORD.format(**{**VALID, "external": "e\\u0000"})),
    "text holding NUL inside a JSON value": (
        RECORD.replace("score: 0.9", 'note: "fine"').format(**VALID),
        RECORD.replace("score: 0.9", 'note: "n\\u0000"').format(**VALID),
    ),
    "one response name asked of two accounts": (
        TWICE.format(first="x", second="x"), TWICE.format(first="x", second="y")
    ),
}


def _rules() -> tuple[type[ASTValidationRule], ...]:
    """The rules strawberry hands the extension: the specified ones and those the schema adds."""
    return (*specified_rules, *LIMIT_RULES)


def _validations() -> Validations:
    return Validations(structural={*STRUCTURAL_RULES, *COUNTING_LIMITS})


def _formatted(errors: list[GraphQLError]) -> list[GraphQLFormattedError]:
    return [error.formatted for error in errors]


@pytest.mark.parametrize(("valid", "refused"), SAME_SHAPE.values(), ids=SAME_SHAPE.keys())
def test_a_document_of_a_known_shape_gets_the_errors_a_full_validation_gives(valid: str, refused: str) -> None:
    schema = build_schema()._schema
    validations = _validations()
    assert shape(parse(valid)) == shape(parse(refused))
    assert validations.errors(schema, valid, parse(valid), _rules()) == []

    errors = validations.errors(schema, refused, parse(refused), _rules())

    assert errors
    assert _formatted(errors) == _formatted(validate_document(schema, parse(refused), _rules()))


def test_the_structural_rules_judge_a_shape_once_and_the_value_rules_every_document() -> None:
    seen: list[str] = []

    class Structural(ASTValidationRule):
        def enter_document(self, *_: Any) -> None:
            seen.append("structural")

    class Valued(ASTValidationRule):
        def enter_document(self, *_: Any) -> None:
            seen.append("valued")

    schema = build_schema()._schema
    validations = Validations(structural={*STRUCTURAL_RULES, Structural})
    for external in ("e-1", "e-2", "e-3"):
        text = RECORD.format(**{**VALID, "external": external})
        assert validations.errors(schema, text, parse(text), (Structural, Valued)) == []

    assert seen == ["structural", "valued", "valued", "valued"]


def test_a_document_found_invalid_is_validated_whole_again_in_another_text() -> None:
    schema = build_schema()._schema
    validations = _validations()
    unknown = '{{ account(id: "{id}") {{ nope }} }}'
    for account in ("x", "y"):
        text = unknown.format(id=account)
        errors = validations.errors(schema, text, parse(text), _rules())
        assert [e.message for e in errors] == ["Cannot query field 'nope' on type 'Account'."]


def test_shapes_set_aside_string_and_number_values_and_nothing_else() -> None:
    base = parse('query Q { a(x: "s", n: 1, f: 1.5, b: true, e: RED, z: null) { id } }')
    assert shape(base) == shape(parse('query Q{a(x:"other" n:2 f:-3e9 b:true e:RED z:null){id}} # note'))
    for changed in ('query Q { a(x: "s", n: 1, f: 1.5, b: false, e: RED, z: null) { id } }',
                    'query Q { a(x: "s", n: 1, f: 1.5, b: true, e: BLUE, z: null) { id } }',
                    'query Q { a(x: "s", n: 1.0, f: 1.5, b: true, e: RED, z: null) { id } }',
                    'query Q { a(y: "s", n: 1, f: 1.5, b: true, e: RED, z: null) { id } }',
                    'query R { a(x: "s", n: 1, f: 1.5, b: true, e: RED, z: null) { id } }'):
        assert shape(parse(changed)) != shape(base), changed


def test_every_rule_graphql_core_specifies_is_known_to_read_values_or_not() -> None:
    assert set(specified_rules) <= STRUCTURAL_RULES | VALUE_RULES
    assert not STRUCTURAL_RULES & VALUE_RULES


def test_a_recorded_literal_detection_of_a_known_shape_with_a_bad_time_is_refused_and_writes_nothing(
    api: Api,
) -> None:
    recorded = api.post(RECORD.format(**VALID))
    assert recorded["data"]["recordDetection"]["__typename"] == "Detection"
    written = head(api)

    refused = api.post(RECORD.format(**{**VALID, "external": "e-2", "at": "yesterday"}))

    assert refused.get("data") is None
    assert refused["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert head(api) == written
