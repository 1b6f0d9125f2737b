"""The ASGI app: /graphql and /metrics behind bearer-token authentication, plus health checks."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.status import WS_1009_MESSAGE_TOO_BIG
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry import Schema
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from app.auth.tokens import ANONYMOUS, TokenRegistry
from app.config.clock import system_clock
from app.config.settings import Settings
from app.fanout.tail import Tail
from app.graphql.audit.types import LedgerEvent
from app.graphql.core.access import METRICS_READERS, reads_metrics
from app.graphql.core.context import Context
from app.graphql.core.multiplexed import Multiplexed
from app.graphql.core.request_json import read_json
from app.graphql.core.transport import GraphQLEndpoint
from app.graphql.schema import build_schema
from app.http.automation_metrics import AutomationCollector
from app.http.console import console_routes
from app.http.graphiql import ide, wants_ide
from app.http.metrics import AutomationCapCollector, ConfirmationCollector, ReviewCollector
from app.read.lease import projector_lease
from app.runtime import heap
from app.runtime.batch_resumer import start_resuming
from app.runtime.health import LagCollector, ProjectionLag, health
from app.runtime.wiring import Runtime, open_runtime
from domain.base import Clock


def graphql_context(request: Request, request_id: str) -> Context:
    return Context(
        runtime=request.app.state.runtime, principal=request.scope["principal"], request=request,
        tail=request.app.state.tail, request_id=request_id,
    )


AUTHENTICATED_PATHS = ("/graphql", "/metrics")
"""What needs a bearer token; /healthz and /readyz say nothing about the ledger's contents and stay open."""


class BearerAuth:
    """Refuses every /graphql and /metrics request without a known bearer token, before anything runs."""

    def __init__(self, app: ASGIApp, registry: TokenRegistry, direct: Mapping[str, ASGIApp] | None = None) -> None:
        self.app = app
        self.registry = registry
        self.direct = dict(direct or {})
        """HTTP endpoints by path, called straight once a request is authenticated: past the exception middleware and
        the router, whose layers a request and every resumption of its awaits would pass through."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or not scope["path"].startswith(AUTHENTICATED_PATHS):
            await self.app(scope, receive, send)
            return
        if wants_ide(scope):
            await ide()(scope, receive, send)
            return
        principal = self.registry.authenticate_header(Headers(scope=scope).get("authorization"))
        if scope["type"] == "websocket":
            # Browsers cannot set headers on a WebSocket: connection_init may present the token instead.
            scope["principal"] = principal or ANONYMOUS
            await self.app(scope, receive, send)
            return
        if principal is None:
            response = JSONResponse(
                {
                    "errors": [
                        {"message": "a valid bearer token is required", "extensions": {"code": "UNAUTHENTICATED"}}
                    ]
                },
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="docket"'},
            )
            await response(scope, receive, send)
            return
        scope["principal"] = principal
        await self.direct.get(scope["path"], self.app)(scope, receive, send)


class LimitedWebSocket(WebSocket):
    """Closes with 1009 (message too big) rather than hand on a message over `limit` bytes."""

    def __init__(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        super().__init__(scope, receive, send)
        self.limit = limit

    async def receive_text(self) -> str:
        text = await super().receive_text()
        if len(text.encode("utf-8", "surrogatepass")) > self.limit:
            await self.close(WS_1009_MESSAGE_TOO_BIG, f"a message is larger than {self.limit} bytes")
            raise WebSocketDisconnect(WS_1009_MESSAGE_TOO_BIG)
        return text


class Subscriptions(GraphQL[Context, None]):
    """graphql-transport-ws on /graphql; the token in the upgrade's Authorization header or in connection_init.

    It serves queries and mutations too, so its messages get the limits of an HTTP body.
    """

    def __init__(self, schema: Schema, registry: TokenRegistry, max_message: int) -> None:
        super().__init__(schema, graphql_ide=None, subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,))
        self.registry = registry
        self.max_message = max_message
        self.multiplexed = Multiplexed(LedgerEvent.of)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.run(LimitedWebSocket(scope, receive, send, self.max_message))

    def decode_json(self, data: str | bytes) -> object:
        return read_json(data)

    def encode_json(self, data: object) -> str | bytes:
        """A subscription's `next` message around the JSON its shared result already has, else written whole."""
        text = self.multiplexed.text(_next_data(data))
        if text is None:
            return super().encode_json(data)
        assert isinstance(data, dict)
        return f'{{"id":{json.dumps(data["id"])},"type":"next","payload":{{"data":{text}}}}}'

    async def get_context(self, request: Any, response: Any = None) -> Context:
        return Context(
            runtime=request.app.state.runtime, principal=request.scope["principal"], request=request,
            tail=request.app.state.tail, request_id=uuid.uuid4().hex, multiplexed=self.multiplexed,
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        if context.principal is ANONYMOUS:
            params = context.connection_params or {}
            principal = self.registry.authenticate_header(str(params.get("Authorization", "")))
            if principal is None:
                raise ConnectionRejectionError({"message": "a valid bearer token is required"})
            context.principal = principal
        return UNSET


def _next_data(message: object) -> object:
    """The data of a graphql-transport-ws `next` message that carries nothing else (no errors, no extensions)."""
    if not isinstance(message, dict) or message.get("type") != "next" or message.keys() != {"id", "type", "payload"}:
        return None
    payload = message["payload"]
    return payload["data"] if isinstance(payload, dict) and payload.keys() == {"data"} else None


async def healthz(request: Request) -> Response:
    """Alive; which process answered, and whether it is the one that projects."""
    runtime: Runtime = request.app.state.runtime
    return JSONResponse({"status": "ok", "worker": os.getpid(), "projecting": runtime.projector.leading})


async def readyz(request: Request) -> Response:
    """Ready when the ledger and the read models can be read and none has stopped; says how far each read model
    lags, and why a stopped one stopped."""
    runtime: Runtime = request.app.state.runtime
    try:
        if not runtime.gate.is_open():
            raise ConnectionError("the database is down")
        state = await run_in_threadpool(health, runtime)
    except Exception as error:  # noqa: BLE001 - any storage failure means not ready
        return JSONResponse({"ready": False, "error": type(error).__name__}, status_code=503)
    lags = {p.name: _lag(p) for p in state.projections}
    stopped = [p.name for p in state.stopped]
    if stopped:
        body = {"ready": False, "error": f"read models stopped: {', '.join(stopped)}", "stopped": stopped}
        return JSONResponse({**body, "head": str(state.head), "projections": lags}, status_code=503)
    return JSONResponse({"ready": True, "head": str(state.head), "projections": lags})


def _lag(projection: ProjectionLag) -> dict[str, Any]:
    lag: dict[str, Any] = {"position": str(projection.position), "lag": projection.lag}
    failure = projection.failure
    if failure is not None:
        lag["failure"] = {
            "position": str(failure.position), "eventType": failure.event_type,
            "error": failure.raised, "since": failure.first_seen.isoformat(),
            "lastAttemptAt": failure.last_seen.isoformat(), "attempts": failure.attempts,
        }
    return lag


async def metrics(request: Request) -> Response:
    """Prometheus text format: the ledger's head and read models, every queue's and reviewer's figures."""
    if not reads_metrics(request.scope["principal"]):
        roles = ", ".join(sorted(METRICS_READERS))
        message = f"/metrics is for the roles {roles}, scoped to every domain"
        return JSONResponse({"errors": [{"message": message, "extensions": {"code": "FORBIDDEN"}}]}, status_code=403)
    registry: CollectorRegistry = request.app.state.metrics
    body = await run_in_threadpool(generate_latest, registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def serve_app() -> Starlette:
    """The app of one `docket serve` worker: uvicorn calls it in each process, which reads its settings (the tokens
    file, the ladders file, its share of the database's connections) from the environment `docket serve` left."""
    return create_app(Settings.from_env(), settle_heap=True)


def create_app(settings: Settings, clock: Clock = system_clock, settle_heap: bool = False) -> Starlette:
    """Builds the app; the lifespan opens the ledger and, unless told not to, runs the projections. With
    `settle_heap` (a serving process, not a test) it then freezes the heap so far and tunes the collector."""
    if settings.tokens_file is None:
        raise ValueError("DOCKET_TOKENS_FILE must name the tokens file")
    registry = TokenRegistry(settings.tokens_file)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime = open_runtime(settings, clock=clock, prepare=not settings.database.is_postgres)
        runtime.gate.start()
        await runtime.store.reader.open()  # in the loop that serves: its reads run there
        app.state.runtime = runtime
        app.state.tail = Tail(runtime)
        app.state.metrics = CollectorRegistry()
        app.state.metrics.register(LagCollector(runtime))
        app.state.metrics.register(ReviewCollector(runtime))
        app.state.metrics.register(ConfirmationCollector(runtime))
        app.state.metrics.register(AutomationCollector(runtime))
        app.state.metrics.register(AutomationCapCollector(runtime))
        if settings.run_projections:
            # One process of those serving the database projects. If it is this one, it serves nothing stale:
            # it catches up with what is already stored before taking requests.
            lease = projector_lease(settings.database)
            if runtime.projector.lead(lease):
                runtime.projector.catch_up()
            runtime.projector.start(runtime.recorded, lease)
        app.state.batch_resumer = start_resuming(runtime)
        if settle_heap:
            heap.settle()
        try:
            yield
        finally:
            app.state.batch_resumer.join(timeout=30)
            await runtime.store.reader.close()
            runtime.close()

    graphql = GraphQLEndpoint(
        lambda: build_schema(settings.introspection), graphql_context, max_body=settings.max_body_bytes
    )
    app = Starlette(
        routes=[
            Route("/graphql", graphql),
            WebSocketRoute(
                "/graphql", Subscriptions(build_schema(settings.introspection), registry, settings.max_body_bytes)
            ),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            *console_routes(registry, settings.tokens_file, build_schema(settings.introspection), clock),
        ],
        lifespan=lifespan,
    )
    app.add_middleware(BearerAuth, registry=registry, direct={"/graphql": graphql})
    return app
