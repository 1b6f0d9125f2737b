from collections.abc import Iterator
from pathlib import Path

from graphql import (
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLString,
    get_named_type,
)

from app.graphql.schema import build_schema, sdl

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "schema.graphql"


def test_checked_in_schema_matches_the_code() -> None:
    # Re-export with `docket export-schema --output schema.graphql` after changing the API.
    assert SCHEMA_FILE.read_text() == sdl()


def is_position_or_cursor(name: str) -> bool:
    return name == "after" or name.lower().endswith(("position", "cursor"))


def typed_names() -> Iterator[tuple[str, str, GraphQLNamedType]]:
    """Every field, field argument and input field of the schema built from the code: where (`Type.field(arg)`),
    its name, and its type without lists and non-nulls."""
    for graphql_type in build_schema()._schema.type_map.values():
        if isinstance(graphql_type, (GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType)):
            for field_name, field in graphql_type.fields.items():
                yield f"{graphql_type.name}.{field_name}", field_name, get_named_type(field.type)
                for arg_name, arg in getattr(field, "args", {}).items():  # input fields have none
                    yield f"{graphql_type.name}.{field_name}({arg_name})", arg_name, get_named_type(arg.type)


def test_positions_and_cursors_are_strings_never_int() -> None:
    """Ledger positions outgrow a GraphQL Int (32 bits): every position, cursor and `after` is a String."""
    checked = {where: named.name for where, name, named in typed_names() if is_position_or_cursor(name)}

    # The walk reaches inline arguments, input fields and output fields alike.
    assert {"Query.events(after)", "Query.cases(minPosition)", "PageInfo.endCursor", "LedgerEvent.position"} <= set(
        checked
    )
    assert {c: t for c, t in checked.items() if t != GraphQLString.name} == {}
