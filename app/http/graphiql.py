"""GraphiQL for a developer's browser: a GET of /graphql that asks for HTML gets the IDE, where the token goes in
the headers editor; API clients, which ask for JSON, get the API as before."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import HTMLResponse
from starlette.types import Scope
from strawberry.http.ides import get_graphql_ide_html


def wants_ide(scope: Scope) -> bool:
    """A browser's page load of /graphql: GET, no query, and HTML preferred to JSON in Accept."""
    if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] != "/graphql":
        return False
    if b"query=" in scope.get("query_string", b""):
        return False
    accept = Headers(scope=scope).get("accept", "")
    return "text/html" in accept


def ide() -> HTMLResponse:
    return HTMLResponse(get_graphql_ide_html("graphiql"))
