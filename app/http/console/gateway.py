"""The console's one way into Docket: GraphQL operations run in-process for the signed-in principal.

Every page reads and every button writes through the same schema, resolvers, access table and domain scopes as
an API client, so the console holds no rule of its own.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from strawberry import Schema

from app.auth.tokens import Principal
from app.graphql.core.context import Context
from app.graphql.core.error_codes import coded

PROBLEMS = frozenset({"ValidationError", "NotFoundError", "ConflictError"})


class Refused(Exception):
    """What the API refused, in its own words: shown on the page."""


class Gateway:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema

    async def run(
        self, request: Request, principal: Principal, document: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The operation's data; raises Refused with the first error (a refused role, a missing read model...)."""
        request_id = uuid.uuid4().hex
        context = Context(
            runtime=request.app.state.runtime, principal=principal, request=request, tail=request.app.state.tail,
            request_id=request_id,
        )
        result = await self.schema.execute(document, variable_values=variables, context_value=context)
        if result.errors:
            raise Refused(coded(result.errors[0], request_id).message)
        assert result.data is not None
        return result.data

    async def write(
        self, request: Request, principal: Principal, document: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A mutation's one result; raises Refused with a typed error's message (ValidationError and the like)."""
        data = await self.run(request, principal, document, variables)
        (payload,) = data.values()
        if isinstance(payload, dict) and payload.get("__typename") in PROBLEMS:
            raise Refused(str(payload["message"]))
        return payload if isinstance(payload, dict) else {}
