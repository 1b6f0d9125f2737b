"""Long lists of input objects coerced by plans made once per input type, not by graphql-core's generic walk.

`recordDetections` takes a thousand inputs in one variable; graphql-core coerces each field of each input by asking
of its type what it is (and first walks the whole value to bound its depth), a quarter of the request's CPU. A plan
coerces to the very values graphql-core makes, or answers `Undefined` where it cannot vouch for its answer (a value of
an unexpected type, a missing or unknown field, text Docket cannot store): the executor then checks and coerces the
variables as graphql-core does, with `check_storable`'s and graphql-core's own errors. A plan vouches for what
`check_variables` refuses too, as it walks the same values: a second walk was a tenth of the request's CPU.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLNonNull,
    GraphQLString,
    Undefined,
    is_enum_type,
    is_input_object_type,
    is_list_type,
    is_required_input_field,
)
from graphql.execution.values import VariableValues
from graphql.utilities.coerce_input_value import coerce_default_value

from app.graphql.core.text_arguments import json_problem, text_problem

Plan = Callable[[Any], Any]
"""Coerces a value that is not null, or answers Undefined (invalid, unstorable, or not for the plan to judge)."""

Slot = tuple[Plan, bool]
"""How a value of a type is coerced: its plan when not null, and whether the type is non-null."""

LONG_LIST = 16
"""Variables holding lists at least this long are coerced by plans; shorter ones cost graphql-core little."""


class Plans:
    """Plans by input type, made on first use. A type that nests itself gets none: graphql-core bounds the depth of
    values of such types, which a plan's type bounds itself; nor does a oneOf."""

    def __init__(self) -> None:
        self._objects: dict[GraphQLInputObjectType, Plan | None] = {}

    def slot(self, type_: GraphQLInputType) -> Slot | None:
        """How to coerce a value of `type_`, or None where graphql-core alone coerces it."""
        non_null = isinstance(type_, GraphQLNonNull)
        nullable = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        plan: Plan | None
        if is_list_type(nullable):
            item = self.slot(nullable.of_type)
            if item is None:
                return None
            plan = _list_of(item)
        elif is_input_object_type(nullable):
            if nullable not in self._objects:
                self._objects[nullable] = None  # a type that nests itself finds None here
                self._objects[nullable] = self._object(nullable)
            plan = self._objects[nullable]
            if plan is None:
                return None
        else:
            plan = _leaf(nullable)
        return plan, non_null

    def _object(self, type_: GraphQLInputObjectType) -> Plan | None:
        if type_.is_one_of:
            return None
        fields = []
        for name, field in type_.fields.items():
            slot = self.slot(field.type)
            if slot is None:
                return None
            required = is_required_input_field(field)
            default = Undefined if required else coerce_default_value(field)
            fields.append((name, field.out_name or name, *slot, required, default))
        return _object_of(frozenset(type_.fields), tuple(fields), type_.out_type)


def _coerced(value: Any, plan: Plan, non_null: bool) -> Any:
    """A value coerced by its slot: None where null is allowed, Undefined where it is not or the plan refuses it."""
    if value is None:
        return Undefined if non_null else None
    return plan(value)


def _text(value: Any) -> Any:
    """A String: text that can be stored."""
    # Most text is ASCII without NUL, text_problem's commonest answer: given here without its call.
    if type(value) is str and (("\x00" not in value and value.isascii()) or text_problem(value) is None):
        return value
    return Undefined


def _storable(value: Any) -> bool:
    """Whether check_variables would let a scalar's value (a JSON value's too) be stored."""
    kind = type(value)
    return kind is float or kind is int or kind is bool or json_problem(value) is None


def _list_of(item: Slot) -> Plan:
    plan, non_null = item

    def coerce(value: Any) -> Any:
        if type(value) is not list:  # graphql-core takes a lone value as a list of one: left to it
            return Undefined
        coerced: list[Any] = []
        for entry in value:
            one = _coerced(entry, plan, non_null)
            if one is Undefined:
                return Undefined
            coerced.append(one)
        return coerced

    return coerce


def _object_of(
    names: frozenset[str],
    fields: tuple[tuple[str, str, Plan, bool, bool, Any], ...],
    out_type: Callable[[dict[str, Any]], Any],
) -> Plan:
    def coerce(value: Any) -> Any:
        if type(value) is not dict or not names.issuperset(value):
            return Undefined
        coerced: dict[str, Any] = {}
        for name, out_name, plan, non_null, required, default in fields:
            given = value.get(name, Undefined)
            if given is Undefined:
                if required:
                    return Undefined
                if default is not Undefined:
                    coerced[out_name] = default
                continue
            # _coerced, inline: a call for each field of each input was a tenth of the plans' time.
            one = (Undefined if non_null else None) if given is None else plan(given)
            if one is Undefined:
                return Undefined
            coerced[out_name] = one
        return out_type(coerced)

    return coerce


def _leaf(type_: Any) -> Plan:
    if type_ is GraphQLString:
        return _text
    if is_enum_type(type_):
        return _enum(type_)
    coerce_leaf = type_.coerce_input_value

    def coerce(value: Any) -> Any:
        if not _storable(value):
            return Undefined
        try:
            return coerce_leaf(value)
        except Exception:  # noqa: BLE001 - graphql-core's own rule: a leaf that raises did not coerce
            return Undefined

    return coerce


def _enum(type_: GraphQLEnumType) -> Plan:
    # Each name's value, as the type itself coerces it (strawberry's enums answer their Python members).
    values = {name: type_.coerce_input_value(name) for name in type_.values}
    return lambda value: values.get(value, Undefined) if type(value) is str else Undefined


PLANS = Plans()


def long_lists(raw: dict[str, Any]) -> list[str]:
    """The variables the plans coerce (and check for storable text): those holding long lists."""
    return [name for name, value in raw.items() if type(value) is list and len(value) >= LONG_LIST]


def coerce_long_lists(variables: VariableValues, raw: dict[str, Any], long: Collection[str]) -> bool:
    """Puts the plans' coercions of the `long` variables (coerced by graphql-core as placeholders) into `variables`;
    False, with `variables` left half done, where a plan cannot vouch for its answer."""
    for name in long:
        source = variables.sources.get(name)
        if source is None:  # not the operation's: graphql-core ignores it too
            continue
        slot = PLANS.slot(source.signature.type)
        coerced = Undefined if slot is None else _coerced(raw[name], *slot)
        if coerced is Undefined:
            return False
        variables.sources[name] = source._replace(value=raw[name])
        variables.coerced[name] = coerced
    return True
