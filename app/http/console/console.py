"""What every console page shares: the signed-in session, CSRF on every post, the API gateway and the templates."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from app.graphql.core.access import allowed
from app.http.console.gateway import Gateway, Refused
from app.http.console.sessions import COOKIE, Session, Sessions
from domain.base import Clock

PREFIX = "/console"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"

Handler = Callable[["Console", Request, Session], Awaitable[Response]]


def safe_url(uri: object) -> str | None:
    """A link only to http(s): a `javascript:` URI in user-supplied content never becomes a link."""
    text = str(uri or "")
    return text if urlsplit(text).scheme in ("http", "https") else None


class Console:
    def __init__(self, sessions: Sessions, gateway: Gateway, clock: Clock) -> None:
        self.sessions = sessions
        self.gateway = gateway
        self.clock = clock
        self.templates = Environment(
            loader=PackageLoader("app.http.console", "templates"), autoescape=select_autoescape(default=True),
            trim_blocks=True, lstrip_blocks=True,
        )
        self.templates.filters["safe_url"] = safe_url
        self.templates.globals["prefix"] = PREFIX

    def now(self) -> datetime:
        return self.clock()

    def render(
        self, request: Request, name: str, session: Session | None, status: int = 200, **values: Any
    ) -> HTMLResponse:
        principal = session.principal if session else None
        html = self.templates.get_template(name).render(
            principal=principal, csrf=self.sessions.csrf(session) if session else "",
            can=(lambda field: principal is not None and allowed(principal, field)),
            notice=request.query_params.get("notice"), at=at(request) or "", **values,
        )
        return HTMLResponse(html, status_code=status)

    async def run(self, request: Request, session: Session, document: str, **variables: Any) -> dict[str, Any]:
        return await self.gateway.run(request, session.principal, document, variables or None)

    async def write(self, request: Request, session: Session, document: str, **variables: Any) -> dict[str, Any]:
        return await self.gateway.write(request, session.principal, document, variables or None)

    def guard(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        """The handler for signed-in principals only; a post must carry the session's CSRF token. What the API
        refuses is shown on the page the request came from."""

        async def endpoint(request: Request) -> Response:
            started = time.perf_counter()
            response = await self._answer(handler, request)
            # The page's server time, reads and render included: the browser's timing panel shows it, and tests.
            response.headers["Server-Timing"] = f"page;dur={(time.perf_counter() - started) * 1000:.1f}"
            return fenced(response)

        return endpoint

    async def _answer(self, handler: Handler, request: Request) -> Response:
        """Signed in, and for a post the CSRF token checked, before the handler runs."""
        session = self.sessions.open(request.cookies.get(COOKIE), self.now())
        if session is None:
            return self._to_sign_in(request)
        if request.method == "POST":
            form = await request.form()
            offered = request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD)
            if not self.sessions.csrf_valid(session, offered if isinstance(offered, str) else None):
                return self.render(
                    request, "error.html", session, status=403,
                    message="This form has expired or did not come from this console (CSRF check failed). "
                            "Nothing was changed: reload the page and try again.",
                )
        try:
            return await handler(self, request, session)
        except Refused as refusal:
            return self.render(request, "error.html", session, status=409, message=str(refusal))

    def _to_sign_in(self, request: Request) -> Response:
        if request.headers.get("hx-request"):
            response = Response("Your session has ended: sign in again.", status_code=401)
            response.headers["HX-Redirect"] = f"{PREFIX}/login"
            return response
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        query = urlencode({"next": target} if request.method == "GET" else {"expired": "1"})
        return RedirectResponse(f"{PREFIX}/login?{query}", status_code=303)


POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: http: data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""Only the console's own scripts run, whatever a page shows; no other site may frame its buttons."""


def fenced(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def at(request: Request) -> str | None:
    """The ledger position a page must show at least: that of the write that sent the browser to it."""
    return request.query_params.get("at") or None


def redirect(path: str, **query: str) -> RedirectResponse:
    """A 303 to a console page, with a notice or other parameters."""
    suffix = f"?{urlencode(query)}" if query else ""
    return RedirectResponse(f"{PREFIX}{path}{suffix}", status_code=303)
