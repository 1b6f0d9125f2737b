"""A document of several operations runs only the one `operationName` names, as the GraphQL spec requires."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension


class NamedOperationRequired(SchemaExtension):
    """Refuses a document of several operations without `operationName`, as a request error, before anything runs.

    Strawberry would run the first of them, where the client may have meant any other. Listed after
    ShapeCache, whose verdict it adds to: its own refusal is the answer when the document is valid.
    """

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        # Strawberry keeps the operationName the request gave only here; `operation_name` falls back to the first.
        if document is not None and context._provided_operation_name is None and not context.pre_execution_errors:
            names = [
                d.name.value if d.name else "(anonymous)"
                for d in document.definitions if isinstance(d, OperationDefinitionNode)
            ]
            if len(names) > 1:
                context.pre_execution_errors = [
                    GraphQLError(
                        f"the document has {len(names)} operations ({', '.join(names)}): "
                        "name the one to run in `operationName`",
                        extensions={"code": "BAD_REQUEST"},
                    )
                ]
        yield
