"""Input objects built by plans made once per type when the schema is built, not by strawberry's generic conversion.

Strawberry converts each field of each input by asking of its type what it is (optional? a list? a scalar, which
means a lookup in its scalar registry and an attribute probe? an enum?), every time: a twelfth of a serving process's
CPU under the mixed load. A plan asks once. It builds what strawberry builds, through the `from_input` hook of the
type's definition: the fields strawberry hands over as they are (scalars, enums, lists of them, each optional or not)
taken as they are, every other field (a nested input, a list of inputs) converted by strawberry itself, nested
inputs through their own plans.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING
from typing import Any

from strawberry import Schema
from strawberry.relay.types import GlobalID
from strawberry.scalars import is_scalar
from strawberry.types.arguments import InputContext
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryObjectDefinition,
    StrawberryOptional,
    StrawberryType,
)
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition
from strawberry.types.lazy_type import LazyType
from strawberry.types.unset import UNSET

Registry = Mapping[Any, Any]

Convert = Callable[[Any, InputContext, str], Any]
"""Converts a field's coerced value as strawberry would, given where the field is."""


def plan_inputs(schema: Schema) -> None:
    """Gives every input type of `schema` that builds its values the default way a plan of its own."""
    registry = schema.schema_converter.scalar_registry
    for concrete in schema.schema_converter.type_map.values():
        definition = concrete.definition
        if isinstance(definition, StrawberryObjectDefinition) and definition.is_input:
            plan = _plan(definition, registry, schema.config.name_converter.from_field)
            if plan is not None:
                definition.from_input = plan


def _plan(
    definition: StrawberryObjectDefinition, registry: Registry, graphql_name: Callable[[Any], str]
) -> Callable[[type, Mapping[str, Any], InputContext], Any] | None:
    """A type's plan, or None where strawberry builds its values otherwise (a hook of its own, a generic type) or
    judges them differently (a `Maybe` field, whose nulls its validation checks only for types without a hook)."""
    if definition.from_input is not None or definition.is_graphql_generic:
        return None
    fields: list[tuple[str, str, Convert | None]] = []
    for field in definition.fields:
        type_ = field.resolve_type(type_definition=definition)
        if isinstance(type_, StrawberryMaybe):
            return None
        fields.append((graphql_name(field), field.python_name, _converter(type_, registry)))
    unset = {
        field.python_name: None for field in definition.fields
        if field.default_value is MISSING and field.default_factory is MISSING
    }

    def build(cls: type, value: Mapping[str, Any], context: InputContext) -> Any:
        # As strawberry: fields without a default start as None, and only the fields given are converted.
        kwargs = dict(unset)
        for name, python_name, convert in fields:
            if name in value:
                given = value[name]
                kwargs[python_name] = given if convert is None else convert(given, context, name)
        return cls(**kwargs)

    return build


def _converter(type_: StrawberryType | type, registry: Registry) -> Convert | None:
    """None where strawberry hands the value over as it is; else how it converts it."""
    own = _unwrapped(type_)
    if _is_leaf(own, registry):
        return None
    if isinstance(own, StrawberryList) and _is_leaf(_unwrapped(own.of_type), registry):
        return _copied_list
    return lambda value, context, name: context.convert(value, type_, name)


def _copied_list(value: Any, context: InputContext, name: str) -> Any:
    # As strawberry: a list of leaves is copied, as graphql-core gives every request omitting it the same default.
    return value if value is None or value is UNSET else list(value)


def _unwrapped(type_: StrawberryType | type) -> StrawberryType | type:
    """The type of an optional one's values (null aside, an optional value is converted as its type's)."""
    if isinstance(type_, StrawberryOptional) and not isinstance(type_, StrawberryMaybe):
        return type_.of_type
    return type_


def _is_leaf(type_: StrawberryType | type, registry: Registry) -> bool:
    """Whether strawberry hands a value of `type_` over as graphql-core coerced it: a scalar but a GlobalID (which it
    parses), an enum. A lazy type is left to strawberry."""
    if type_ is GlobalID or isinstance(type_, (StrawberryList, StrawberryOptional, LazyType)):
        return False
    return isinstance(type_, StrawberryEnumDefinition) or has_enum_definition(type_) or is_scalar(type_, registry)
