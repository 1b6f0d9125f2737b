"""/graphql by the GraphQL-over-HTTP specification: its methods, media types and status codes."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry import Schema
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import (
    CannotGetOperationTypeError,
    InvalidOperationTypeError,
)
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from app.graphql.core.answers import Answers, Positions, Reads
from app.graphql.core.context import Context
from app.graphql.core.error_codes import (
    UNAVAILABLE_MESSAGE,
    coded,
    database_unavailable,
)
from app.graphql.core.request_json import read_json
from app.read.reader import TALLY

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
KEPT_REQUEST = 4096
"""The longest request (body or query string) whose answer is kept: a process keeps thousands of them."""


class RequestError(Exception):
    """A request that cannot be read as a GraphQL request: answered with `status`, before anything runs."""

    def __init__(self, status: int, message: str, code: str = "BAD_REQUEST", headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.headers = headers or {}


@dataclass(frozen=True)
class GraphQLRequest:
    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None


class GraphQLEndpoint:
    """An ASGI app for /graphql; the context factory supplies the runtime and the principal."""

    def __init__(self, schema: Callable[[], Schema], context: Callable[[Request, str], Context], max_body: int) -> None:
        self.schema = schema
        self.context = context
        self.max_body = max_body
        self.answers = Answers()
        self.positions: Positions | None = None
        """Made by the first request, on the reader of the runtime its lifespan opened."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        offered = request.headers.get("x-request-id", "")
        request_id = offered if REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        media = JSON
        try:
            media = negotiate(request.headers.get("accept"))
            response = await self._answer(request, media, request_id)
        except RequestError as error:
            response = _respond(
                {"errors": [{"message": str(error), "extensions": {"code": error.code}}]}, error.status, media,
                error.headers,
            )
        response.headers["X-Request-Id"] = request_id
        await response(scope, receive, send)

    async def _answer(self, request: Request, media: str, request_id: str) -> Response:
        if request.method not in ("GET", "POST"):
            raise RequestError(405, "GraphQL is served over GET (queries) and POST", headers={"Allow": "GET, POST"})
        raw = await self._raw(request)
        allowed = {OperationType.QUERY} if request.method == "GET" else {OperationType.QUERY, OperationType.MUTATION}
        context = self.context(request, request_id)
        gate = context.runtime.gate
        if not gate.is_open():
            raise RequestError(503, UNAVAILABLE_MESSAGE, code="UNAVAILABLE")
        parsed = _parsed(request.method, raw)
        key = (request.method, media, context.principal, raw)
        shape = (request.method, media, context.principal, parsed.query, parsed.operation_name)
        trying = len(raw) <= KEPT_REQUEST and self.answers.trying(shape)
        kept = self.answers.get(key) if trying else None
        context.reads.keeping = trying and self.answers.keeps(key)
        if kept is not None:
            positions = await self._positions(context)
            if positions is not None:
                held = kept.holds(positions, context.runtime.ledger.clock()) and await kept.still()
                self.answers.found(shape, held)
                if held:
                    return Response(kept.body, media_type=f"{media}; charset=utf-8")
                context.reads.saw(positions)
            self.answers.drop(key)
        tally = TALLY.set(context.reads.tally)
        try:
            result = await self.schema().execute(
                parsed.query, variable_values=parsed.variables, operation_name=parsed.operation_name,
                context_value=context, allowed_operation_types=allowed,
            )
        except InvalidOperationTypeError as error:
            if request.method == "GET" and error.operation_type is OperationType.MUTATION:
                raise RequestError(405, "mutations are served over POST only", headers={"Allow": "POST"}) from None
            raise RequestError(400, f"{error.operation_type.value} operations are not served over HTTP") from None
        except MissingQueryError:
            raise RequestError(400, "the request has no GraphQL document in `query`") from None
        except CannotGetOperationTypeError as error:
            raise RequestError(400, error.as_http_error_reason()) from None
        finally:
            TALLY.reset(tally)
        body, status = _body_and_status(result, media, request_id)
        if status == 503:
            gate.trip()
        response = _respond(body, status, media)
        if status == 200 and "errors" not in body and context.reads.keeping:
            self._keep(key, context.reads, bytes(response.body), body["data"])
        return response

    def _keep(self, key: Hashable, reads: Reads, body: bytes, data: dict[str, Any] | None) -> None:
        if data is None or not reads.complete(data):
            self.answers.never(key)
            return
        answer = reads.answer(body)
        if answer is not None:
            self.answers.keep(key, answer)

    async def _positions(self, context: Context) -> Mapping[str, int | None] | None:
        """Every read model's position, read after this request came; None when they cannot be read (the request
        then executes, and says why)."""
        reader = context.runtime.store.reader
        if self.positions is None or self.positions.reader is not reader:
            self.positions = Positions(reader)
        try:
            return await self.positions.read()
        except Exception:  # noqa: BLE001 - the read models' own reads fail with the coded error
            return None

    async def _raw(self, request: Request) -> bytes:
        """The request as sent: the query string of a GET, the JSON body of a POST."""
        if request.method == "GET":
            return bytes(request.scope["query_string"])
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != JSON:
            raise RequestError(415, f"POST a JSON body with Content-Type: {JSON}", code="UNSUPPORTED_MEDIA_TYPE")
        return await self._body(request)

    async def _body(self, request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            raise _too_large(self.max_body)
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body:
                raise _too_large(self.max_body)
            chunks.append(chunk)
        return b"".join(chunks)


def negotiate(accept: str | None) -> str:
    """The response media type the Accept header prefers; without one, application/json for older clients."""
    if accept is None or not accept.strip():
        return JSON
    ranked: list[tuple[float, int, str]] = []
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        media = media.lower()
        if quality <= 0:
            continue
        if media == GRAPHQL_RESPONSE:
            ranked.append((quality, 2, GRAPHQL_RESPONSE))
        elif media == JSON:
            ranked.append((quality, 1, JSON))
        elif media in ("application/*", "*/*"):
            # A client that names neither was written before the newer media type: it gets the older one.
            ranked.append((quality, 0, JSON))
    if not ranked:
        raise RequestError(
            406, f"this endpoint answers {GRAPHQL_RESPONSE} or {JSON}", code="NOT_ACCEPTABLE"
        )
    return max(ranked)[2]


def _body_and_status(result: ExecutionResult, media: str, request_id: str) -> tuple[dict[str, Any], int]:
    # DocketExtension codes what the schema returns, but an error raised while parsing (strawberry's parser
    # cache raises outside the operation hook) reaches here uncoded; `coded` leaves a coded error as it is.
    errors = [coded(error, request_id).formatted for error in result.errors or []]
    codes = {(error.get("extensions") or {}).get("code") for error in errors}
    if any(database_unavailable(error) for error in errors):
        return {"errors": errors}, 503
    # A request error (no field was resolved, so no error has a path) has no `data` entry.
    if result.data is None and errors and all("path" not in error for error in errors):
        status = 403 if "FORBIDDEN" in codes else (400 if media == GRAPHQL_RESPONSE else 200)
        return {"errors": errors}, status
    body: dict[str, Any] = {"data": result.data}
    if errors:
        body["errors"] = errors
    return body, 200


def _respond(body: dict[str, Any], status: int, media: str, headers: dict[str, str] | None = None) -> Response:
    headers = dict(headers or {})
    if status == 503:
        headers["Retry-After"] = "1"
    return Response(
        json.dumps(body, separators=(",", ":")), status_code=status, media_type=f"{media}; charset=utf-8",
        headers=headers,
    )


def _parsed(method: str, raw: bytes) -> GraphQLRequest:
    """The GraphQL request in a GET's query string or a POST's body."""
    if method == "GET":
        params = QueryParams(raw)
        return _graphql_request(
            {
                "query": params.get("query"),
                "variables": _json_parameter(params.get("variables"), "variables"),
                "operationName": params.get("operationName"),
                "extensions": _json_parameter(params.get("extensions"), "extensions"),
            }
        )
    try:
        document = read_json(raw)
    except (ValueError, UnicodeDecodeError):
        raise RequestError(400, "the body is not valid JSON") from None
    if not isinstance(document, dict):
        raise RequestError(400, "the body must be a JSON object (batches are not served)")
    return _graphql_request(document)


def _graphql_request(document: dict[str, Any]) -> GraphQLRequest:
    query, variables, name = document.get("query"), document.get("variables"), document.get("operationName")
    if not isinstance(query, str | None):
        raise RequestError(400, "`query` must be a string")
    if not isinstance(variables, dict | None):
        raise RequestError(400, "`variables` must be an object")
    if not isinstance(name, str | None):
        raise RequestError(400, "`operationName` must be a string")
    if not isinstance(document.get("extensions"), dict | None):
        raise RequestError(400, "`extensions` must be an object")
    return GraphQLRequest(query, variables, name)


def _json_parameter(value: str | None, name: str) -> Any:
    if value is None:
        return None
    try:
        return read_json(value)
    except ValueError:
        raise RequestError(400, f"the `{name}` parameter is not valid JSON") from None


def _too_large(limit: int) -> RequestError:
    return RequestError(413, f"the body is larger than {limit} bytes", code="PAYLOAD_TOO_LARGE")
