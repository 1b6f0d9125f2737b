"""The review console at /console: server-rendered pages with htmx, calling the API's own code in-process."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from strawberry import Schema

from app.auth.tokens import TokenRegistry
from app.http.console import appeals, oversight, reviewing, signing_in
from app.http.console.console import PREFIX, Console, fenced
from app.http.console.gateway import Gateway
from app.http.console.sessions import Sessions, console_key
from domain.base import Clock

STATIC = Path(__file__).with_name("static")


def console_routes(registry: TokenRegistry, tokens_file: Path, schema: Schema, clock: Clock) -> list[BaseRoute]:
    console = Console(Sessions(console_key(tokens_file), registry), Gateway(schema), clock)

    def bare(handler: Callable[[Console, Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return fenced(await handler(console, request))

        return endpoint

    get, post = ["GET"], ["POST"]
    return [
        Mount(PREFIX, routes=[
            Route("/login", bare(signing_in.login_form), methods=get),
            Route("/login", bare(signing_in.login), methods=post),
            Route("/logout", console.guard(signing_in.logout), methods=post),
            Route("/", console.guard(reviewing.home), methods=get),
            Route("/queues/{name}", console.guard(reviewing.queue), methods=get),
            Route("/queues/{name}/claim", console.guard(reviewing.claim), methods=post),
            Route("/case", console.guard(reviewing.case), methods=get),
            Route("/case/decide", console.guard(reviewing.decide), methods=post),
            Route("/case/escalate", console.guard(reviewing.escalate), methods=post),
            Route("/case/note", console.guard(reviewing.note), methods=post),
            Route("/case/skip", console.guard(reviewing.skip), methods=post),
            Route("/case/release", console.guard(reviewing.release), methods=post),
            Route("/case/renew", console.guard(reviewing.renew), methods=post),
            Route("/case/reverse", console.guard(reviewing.reverse), methods=post),
            Route("/appeals", console.guard(appeals.appeals), methods=get),
            Route("/appeals/resolve", console.guard(appeals.resolve), methods=post),
            Route("/figures", console.guard(oversight.figures), methods=get),
            Route("/account", console.guard(oversight.account), methods=get),
            Route("/events", console.guard(oversight.events), methods=get),
            Route("/integrity", console.guard(oversight.integrity), methods=get),
            Route("/automation", console.guard(oversight.automation), methods=get),
            Mount("/static", StaticFiles(directory=STATIC), name="console-static"),
        ]),
    ]
