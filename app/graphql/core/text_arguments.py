"""Refuses arguments Docket cannot store: text with NUL characters or lone surrogates, JSON nested too deeply.

PostgreSQL cannot store or compare text holding NUL, UTF-8 cannot encode half of a UTF-16 pair (which a JSON
escape such as "\\ud800" can send), and storing a JSON value recurses once per level of it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from typing import Any

from graphql import (
    SKIP,
    ArgumentNode,
    GraphQLSchema,
    GraphQLType,
    ListValueNode,
    ObjectFieldNode,
    ObjectValueNode,
    OperationDefinitionNode,
    StringValueNode,
    ValidationRule,
    VariableDefinitionNode,
    get_nullable_type,
    get_operation_ast,
    is_input_object_type,
    is_list_type,
    type_from_ast,
)
from strawberry.types import ExecutionContext

from app.graphql.core.errors import bad_input

MAX_DEPTH = 64
"""How many levels of objects and lists a JSON value (such as a detection's evidence) may nest."""

_SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(text: str) -> str | None:
    """Why a string cannot be stored, or None. A str holds surrogates only unpaired: JSON joins the pairs."""
    if "\x00" in text:
        return "must not contain NUL characters"
    if text.isascii() or not _SURROGATE.search(text):
        return None
    return "must not contain lone surrogates (half of a UTF-16 pair without the other half)"


TOO_DEEP = f"nests objects and lists deeper than {MAX_DEPTH} levels"


def json_problem(value: Any) -> str | None:
    """Why a JSON value cannot be stored (its text, keys included, or its depth), or None; walked without recursion."""
    if isinstance(value, str):
        return text_problem(value)
    pending = [(value, 1)] if isinstance(value, dict | list) else []
    while pending:
        container, depth = pending.pop()
        if depth > MAX_DEPTH:
            return TOO_DEEP
        if isinstance(container, dict):
            # Most text is ASCII without NUL, text_problem's commonest answer: given here without its call, and for
            # an object's keys at once.
            keys = "".join(container)
            if "\x00" in keys or not keys.isascii():
                problem = next(filter(None, map(text_problem, container)), None)
                if problem:
                    return problem
        for entry in container.values() if isinstance(container, dict) else container:
            if isinstance(entry, str):
                if "\x00" in entry or not entry.isascii():
                    problem = text_problem(entry)
                    if problem:
                        return problem
            elif isinstance(entry, dict | list):
                pending.append((entry, depth + 1))
    return None


def _shaped(type_: Any) -> Any:
    """The input object or list type of a value, or None where the schema gives it no shape (a JSON value)."""
    nullable = get_nullable_type(type_)
    return nullable if is_input_object_type(nullable) or is_list_type(nullable) else None


def unstorable(value: Any, type_: GraphQLType | None, path: str) -> tuple[str, str] | None:
    """The field and problem of the first part of a variable's value that cannot be stored, or None.

    Input objects and lists are walked along their types, to name the field; a value the schema gives
    no shape (a JSON value) is checked whole, under the field that holds it.
    """
    pending: list[tuple[Any, GraphQLType | None, str]] = [(value, type_, path)]
    while pending:
        value, type_, path = pending.pop()
        shape = _shaped(type_) if isinstance(value, dict | list) else None
        if shape is None:
            problem = json_problem(value)
            if problem:
                return path, problem
        elif isinstance(value, list):
            item = shape.of_type if is_list_type(shape) else None
            pending.extend((entry, item, path) for entry in value)
        else:
            fields = shape.fields if is_input_object_type(shape) else {}
            for key, entry in value.items():
                # A sound scalar needs no path: most fields are, and a path per field costs. Most are text, most of it
                # plain ASCII (text_problem's first answer, without a call); the rest numbers, booleans and nulls.
                kind = type(entry)
                if kind is str and (("\x00" not in entry and entry.isascii()) or text_problem(entry) is None):
                    continue
                if kind is int or kind is float or kind is bool or entry is None:
                    continue
                if isinstance(entry, dict | list) or json_problem(entry):
                    field = fields.get(key)
                    pending.append((entry, None if field is None else field.type, f"{path}.{key}"))
    return None


class StorableLiterals(ValidationRule):
    """The same refusals for the literals of a document: a validation rule, so checked once per document."""

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.depth = 0
        """How deep inside a JSON value the walk is; 0 outside one."""
        self.json_field = ""
        self.refused: set[str] = set()

    def enter_string_value(self, node: StringValueNode, _key: Any, parent: Any, _path: Any, ancestors: Any) -> None:
        problem = text_problem(node.value)
        if problem:
            self._refuse(self.json_field if self.depth else _field([*ancestors, parent]), problem)

    def enter_object_value(self, node: ObjectValueNode, _key: Any, parent: Any, _path: Any, ancestors: Any) -> Any:
        return self._enter(self.context.get_input_type(), [*ancestors, parent])

    def enter_list_value(self, node: ListValueNode, _key: Any, parent: Any, _path: Any, ancestors: Any) -> Any:
        # TypeInfo has already stepped into the list: the list's own type is the parent input type.
        return self._enter(self.context.get_parent_input_type(), [*ancestors, parent])

    def leave_object_value(self, *_: Any) -> None:
        if self.depth:
            self.depth -= 1

    leave_list_value = leave_object_value

    def _enter(self, type_: GraphQLType | None, ancestors: Sequence[Any]) -> Any:
        if not self.depth and _shaped(type_) is not None:
            return None
        if not self.depth:
            self.json_field = _field(ancestors)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self._refuse(self.json_field, TOO_DEEP)
            # A skipped node is not left: undo its level here.
            self.depth -= 1
            return SKIP
        return None

    def _refuse(self, field: str, problem: str) -> None:
        message = f"{field} {problem}"
        if message not in self.refused:
            self.refused.add(message)
            self.report_error(bad_input(message, field))


def _field(ancestors: Sequence[Any]) -> str:
    """The argument, input fields and variable a literal sits in, as a dotted path."""
    return ".".join(_names(ancestors))


def _names(ancestors: Sequence[Any]) -> Iterator[str]:
    for node in ancestors:
        if isinstance(node, ArgumentNode | ObjectFieldNode):
            yield node.name.value
        elif isinstance(node, VariableDefinitionNode):
            yield node.variable.name.value


def check_variables(context: ExecutionContext, later: Collection[str] = ()) -> None:
    """The same refusals for an operation's variables, before it runs, as a typed BAD_USER_INPUT on either engine
    instead of a database error: literals are checked by StorableLiterals, every other argument is a variable. Those
    named in `later` are checked as they are coerced (`DocketExecutor`)."""
    document = context.graphql_document
    assert document is not None
    operation = get_operation_ast(document, context.operation_name)
    assert operation is not None
    variables = context.variables or {}
    check_storable(context.schema._schema, operation, variables, [name for name in variables if name not in later])


def check_storable(
    schema: GraphQLSchema, operation: OperationDefinitionNode, variables: dict[str, Any], names: Collection[str]
) -> None:
    """Raises BAD_USER_INPUT for the first of the operation's variables in `names` that cannot be stored."""
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in names:
            continue
        found = unstorable(variables.get(name), type_from_ast(schema, definition.type), name)
        if found:
            path, problem = found
            raise bad_input(f"${path} {problem}", path)
