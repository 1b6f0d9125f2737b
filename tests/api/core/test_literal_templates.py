"""A text of a skeleton parsed before is made from that parse: the document parsing would give, errors located in it."""

from __future__ import annotations

import pytest
from graphql import FieldNode, GraphQLError, OperationDefinitionNode, parse

from app.graphql.core.literal_templates import Template, Templates, shape, split

FIRST = 'query Q { a(x: "s", n: 1, f: 1.5, e: RED) { id } b: a(x: "t") { id } }'
SAME_SKELETON = [
    'query Q { a(x: "longer text", n: -20, f: -3e9, e: RED) { id } b: a(x: "") { id } }',
    'query Q { a(x: "quote \\" slash \\\\ \\/ \\n\\t", n: 0, f: 0.5E+2, e: RED) { id } b: a(x: "é 😀 #") { id } }',
    'query Q { a(x: "tab\there", n: 7, f: 1.0, e: RED) { id } b: a(x: "{ a }") { id } }',
]
PARSED_NOT_MADE = {
    "a unicode escape": 'query Q { a(x: "\\u0041", n: 1, f: 1.5, e: RED) { id } b: a(x: "t") { id } }',
    "a block string": 'query Q { a(x: """s""", n: 1, f: 1.5, e: RED) { id } b: a(x: "t") { id } }',
    "a literal's kind changed": 'query Q { a(x: "s", n: 1.5, f: 1.5, e: RED) { id } b: a(x: "t") { id } }',
    "a comment holding a quote": 'query Q { a(x: "s", n: 1, f: 1.5, e: RED) { id } # "\n b: a(x: "t") { id } }',
}


def _templates() -> Templates:
    templates = Templates()
    document, made = templates.document(FIRST, {})
    assert not made and document.to_dict(locations=True) == parse(FIRST).to_dict(locations=True)
    return templates


@pytest.mark.parametrize("text", SAME_SKELETON)
def test_a_text_of_a_known_skeleton_is_made_into_the_document_its_parse_gives(text: str) -> None:
    document, made = _templates().document(text, {})

    assert made
    assert document.to_dict() == parse(text).to_dict()


@pytest.mark.parametrize("text", SAME_SKELETON)
def test_a_made_document_has_the_shape_of_its_own_parse_which_its_template_carries(text: str) -> None:
    document, template = _templates().document(text, {})

    assert template is not None
    assert template.shape == shape(document) == shape(parse(text))
    assert template.shape != shape(parse('query Q { a(x: "s", n: 1, f: 1.5, e: BLUE) { id } b: a(x: "t") { id } }'))


@pytest.mark.parametrize("text", PARSED_NOT_MADE.values(), ids=PARSED_NOT_MADE.keys())
def test_a_text_whose_literals_the_expression_does_not_read_as_the_lexer_does_is_parsed(text: str) -> None:
    document, made = _templates().document(text, {})

    assert not made
    assert document.to_dict() == parse(text).to_dict()


def test_a_skeleton_whose_first_text_the_lexer_read_otherwise_is_parsed_every_time() -> None:
    templates = Templates()
    templates.document("query Q { a(l: [1-2]) { id } }", {})  # two numbers to the lexer, one to the expression

    document, made = templates.document("query Q { a(l: [3-2]) { id } }", {})

    assert not made
    assert document.to_dict() == parse("query Q { a(l: [3-2]) { id } }").to_dict()


def test_a_text_that_does_not_parse_raises_the_parsers_error_though_its_skeleton_is_known() -> None:
    with pytest.raises(GraphQLError, match="Syntax Error"):
        _templates().document('query Q { a(x: "s", n: 01, f: 1.5, e: RED) { id } b: a(x: "t") { id } }', {})


def test_an_error_on_a_made_document_is_located_in_its_own_text() -> None:
    text = SAME_SKELETON[0]
    document, made = _templates().document(text, {})
    assert made
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    second = operation.selection_set.selections[1]  # b: a(...), after literals longer than the first text's
    assert isinstance(second, FieldNode)

    [error] = Template.relocated([GraphQLError("failed", second, path=["b"])], document, parse(text))

    assert error.locations == [(1, text.index("b: a") + 1)]
    assert error.path == ["b"]


def test_a_skeleton_sets_aside_string_and_number_literals_and_keeps_comments() -> None:
    pieces = split('{ a(x: "s#", n: 12, f: 1.5) # note 3 "\n }')

    assert pieces is not None
    assert pieces.literals == ['"s#"', "12", "1.5"]
    assert pieces.skeleton == '{ a(x: \x00s, n: \x00i, f: \x00f) # note 3 "\n }'


def test_a_subscription_is_parsed_every_time_as_subscribers_share_results_by_its_text() -> None:
    templates = Templates()
    templates.document('subscription S { a(x: "s") { id } }', {})

    document, made = templates.document('subscription S { a(x: "t") { id } }', {})

    assert not made
    assert document.to_dict() == parse('subscription S { a(x: "t") { id } }').to_dict()
