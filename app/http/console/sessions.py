"""Console sessions: a signed cookie naming the token's hash and an expiry, and the CSRF token bound to it.

The cookie holds no token, only its hash: the tokens file is asked on every request, so a token removed from
the file ends its sessions at once. Nothing is stored on the server; the key that signs lives beside the tokens
file (or in DOCKET_CONSOLE_KEY) so every `docket serve` worker accepts every worker's cookies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from app.auth.tokens import Principal, TokenRegistry

COOKIE = "docket_session"
LOGIN_COOKIE = "docket_login_csrf"
"""Before sign-in there is no session to bind a CSRF token to: the login form's token is a cookie it must match."""
LIFETIME = timedelta(hours=8)


@dataclass(frozen=True)
class Session:
    id: str
    digest: str
    expires: datetime
    principal: Principal


def console_key(tokens_file: Path, environ: dict[str, str] | None = None) -> bytes:
    """DOCKET_CONSOLE_KEY, else a key file beside the tokens file, made on first use."""
    configured = (os.environ if environ is None else environ).get("DOCKET_CONSOLE_KEY")
    if configured:
        return configured.encode()
    path = tokens_file.with_name(tokens_file.name + ".console-key")
    if not path.exists():
        # Written whole under another name, then linked into place: a worker starting at the same moment reads
        # either no file or the whole key, never a half-written one, and every worker ends with the first key made.
        draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32) + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another worker's key is in place
        finally:
            draft.unlink()
    return path.read_text().strip().encode()


class Sessions:
    """Issues and checks session cookies and their CSRF tokens."""

    def __init__(self, key: bytes, registry: TokenRegistry, lifetime: timedelta = LIFETIME) -> None:
        self.key = key
        self.registry = registry
        self.lifetime = lifetime

    def issue(self, digest: str, now: datetime) -> str:
        """A cookie value for the token with this hash, valid for the session's lifetime."""
        expires = int((now + self.lifetime).timestamp())
        body = f"{secrets.token_urlsafe(16)}.{digest}.{expires}"
        return f"{body}.{self._sign(body)}"

    def open(self, cookie: str | None, now: datetime) -> Session | None:
        """The session the cookie names, unless it is forged, expired or its token has been revoked."""
        if not cookie or cookie.count(".") != 3:
            return None
        body, _, signature = cookie.rpartition(".")
        if not hmac.compare_digest(signature, self._sign(body)):
            return None
        session_id, digest, expires = body.split(".")
        if not expires.isdigit() or int(expires) <= now.timestamp():
            return None
        principal = self.registry.principal_for(digest)
        if principal is None:
            return None
        return Session(session_id, digest, datetime.fromtimestamp(int(expires), tz=now.tzinfo), principal)

    def csrf(self, session: Session) -> str:
        return self._sign(f"csrf.{session.id}")

    def csrf_valid(self, session: Session, offered: str | None) -> bool:
        return bool(offered) and hmac.compare_digest(str(offered), self.csrf(session))

    def _sign(self, text: str) -> str:
        mac = hmac.new(self.key, text.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
