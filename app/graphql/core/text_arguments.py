"""Refuses NUL characters in arguments: PostgreSQL cannot store or compare text that holds them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import BREAK, StringValueNode, Visitor, get_operation_ast, visit
from strawberry.extensions import SchemaExtension

from app.graphql.core.errors import bad_input


def holds_nul(value: Any) -> bool:
    """Whether a variable's JSON value holds a NUL character anywhere."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(holds_nul(v) for v in value)
    if isinstance(value, dict):
        return any(holds_nul(v) for v in value.values())
    return False


class _NulLiteral(Visitor):
    found = False

    def enter_string_value(self, node: StringValueNode, *_: Any) -> Any:
        if "\x00" in node.value:
            self.found = True
            return BREAK
        return None


class NoNulInArguments(SchemaExtension):
    """The same answer on either engine, a typed BAD_USER_INPUT instead of a database error.

    Checked once per operation, before it runs: every argument is a literal of the document or one of
    the operation's variables.
    """

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        assert document is not None
        operation = get_operation_ast(document, context.operation_name)
        assert operation is not None
        variables = context.variables or {}
        for name in (d.variable.name.value for d in operation.variable_definitions or ()):
            if holds_nul(variables.get(name)):
                raise bad_input(f"${name} must not contain NUL characters", name)
        literal = _NulLiteral()
        visit(document, literal)
        if literal.found:
            raise bad_input("a string of the document must not contain NUL characters", "query")
        yield
