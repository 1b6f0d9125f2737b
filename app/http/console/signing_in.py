"""Sign-in with a bearer token, and sign-out: the token becomes an HttpOnly, SameSite=Strict session cookie."""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from app.auth.tokens import token_hash
from app.http.console.console import CSRF_FIELD, PREFIX, Console, redirect
from app.http.console.sessions import COOKIE, LOGIN_COOKIE, Session


async def login_form(console: Console, request: Request) -> Response:
    return _form(console, request, "")


async def login(console: Console, request: Request) -> Response:
    form = await request.form()
    offered, expected = form.get(CSRF_FIELD), request.cookies.get(LOGIN_COOKIE)
    if not isinstance(offered, str) or not expected or not hmac.compare_digest(offered, expected):
        return _form(console, request, "The sign-in form has expired (CSRF check failed); try again.", 403)
    token = str(form.get("token") or "").strip()
    digest = token_hash(token)
    if not token or console.sessions.registry.principal_for(digest) is None:
        return _form(console, request, "That token is not known (or has been revoked).", 401)
    target = str(form.get("next") or "")
    response = redirect("/") if not target.startswith(f"{PREFIX}/") else redirect_to(target)
    response.set_cookie(
        COOKIE, console.sessions.issue(digest, console.now()), max_age=int(console.sessions.lifetime.total_seconds()),
        path=PREFIX, httponly=True, samesite="strict", secure=request.url.scheme == "https",
    )
    response.delete_cookie(LOGIN_COOKIE, path=f"{PREFIX}/login")
    return response


async def logout(console: Console, request: Request, session: Session) -> Response:
    response = redirect("/login", notice="You have signed out.")
    response.delete_cookie(COOKIE, path=PREFIX)
    return response


def redirect_to(path: str) -> Response:
    return Response(status_code=303, headers={"Location": path})


def _form(console: Console, request: Request, error: str, status: int = 200) -> Response:
    nonce = secrets.token_urlsafe(24)
    expired = "Your session has ended; sign in again." if request.query_params.get("expired") else ""
    response = console.render(
        request, "login.html", None, status=status, error=error or expired, login_csrf=nonce,
        next=request.query_params.get("next", ""),
    )
    response.set_cookie(LOGIN_COOKIE, nonce, path=f"{PREFIX}/login", httponly=True, samesite="strict")
    return response
