"""A bare default strawberry app answering `{ hello }`: the framework's own speed, the yardstick of bench.workers.

Run: uvicorn bench.bare:app (one process, as a new user would start it).
"""

from __future__ import annotations

import strawberry
from strawberry.asgi import GraphQL


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"


app = GraphQL(strawberry.Schema(query=Query))
