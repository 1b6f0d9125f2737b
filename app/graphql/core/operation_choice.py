"""A document of several operations runs only the one `operationName` names, as the GraphQL spec requires."""

from __future__ import annotations

from graphql import GraphQLError, OperationDefinitionNode
from strawberry.types import ExecutionContext


def require_named_operation(context: ExecutionContext) -> None:
    """Refuses a document of several operations without `operationName`, as a request error, before anything runs.

    Strawberry would run the first of them, where the client may have meant any other. Called after validation,
    whose verdict it adds to: its own refusal is the answer when the document is valid.
    """
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
