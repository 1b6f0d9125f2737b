"""Who is calling: bearer tokens mapped to principals by a TOML file that holds only token hashes."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import tempfile
import threading
import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomli_w

log = logging.getLogger(__name__)

ROLES = frozenset({"admin", "policy_admin", "reviewer", "service", "auditor", "subscriber", "metrics"})


class TokensFileError(ValueError):
    """Raised when the tokens file is malformed or names an unknown role."""


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: the `actor` of every event it causes."""

    name: str
    roles: frozenset[str]
    domains: frozenset[str]

    @property
    def scope(self) -> tuple[str, ...] | None:
        """The domains this principal sees and acts on; None: all of them."""
        return None if "*" in self.domains else tuple(sorted(self.domains))

    @property
    def is_admin(self) -> bool:
        """May run everything, and act on a case someone else has claimed."""
        return "admin" in self.roles

    def sees(self, domain: str) -> bool:
        return "*" in self.domains or domain in self.domains

    def within(self, domain: str | None) -> tuple[str, ...] | None:
        """The domains a list may show: the one asked for if this principal sees it; None: every domain."""
        if domain is not None:
            return (domain,) if self.sees(domain) else ()
        return self.scope


ANONYMOUS = Principal(name="anonymous", roles=frozenset(), domains=frozenset())
"""Nobody yet: a WebSocket before its connection_init names a token. It may run nothing."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_tokens(text: str, origin: str) -> list[tuple[str, Principal]]:
    """The (token hash, principal) pairs a tokens file declares."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TokensFileError(f"{origin}: {error}") from None
    entries = []
    for name, table in document.get("principals", {}).items():
        digest = table.get("token_sha256")
        if not isinstance(digest, str) or len(digest) != 64:
            raise TokensFileError(f"{origin}: principals.{name}.token_sha256 must be 64 hex digits")
        roles = frozenset(table.get("roles", []))
        if not roles or not roles <= ROLES:
            raise TokensFileError(
                f"{origin}: principals.{name}.roles must name roles among {', '.join(sorted(ROLES))}"
            )
        domains = frozenset(table.get("domains", ["*"]))
        entries.append((digest.lower(), Principal(name=name, roles=roles, domains=domains)))
    return entries


class TokenRegistry:
    """Authenticates tokens against the file, reading it again whenever it changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._entries: list[tuple[str, Principal]] = []

    def authenticate_header(self, value: str | None) -> Principal | None:
        """The principal an `Authorization: Bearer <token>` value names, if any."""
        scheme, _, token = (value or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return self.authenticate(token.strip())

    def authenticate(self, token: str) -> Principal | None:
        return self.principal_for(token_hash(token))

    def principal_for(self, digest: str) -> Principal | None:
        """The principal whose token has this hash, while the file still names it (a console session holds it)."""
        found = None
        # Compare against every entry, so the time taken says nothing about which one matched.
        for known, principal in self._current():
            if hmac.compare_digest(known, digest):
                found = principal
        return found

    def _current(self) -> list[tuple[str, Principal]]:
        """The principals as the file says now; if it cannot be read, as it said last (and say so)."""
        with self._lock:
            try:
                stat = self.path.stat()
                stamp = (stat.st_mtime_ns, stat.st_size)
                if stamp != self._stamp:
                    self._entries = parse_tokens(self.path.read_text(), str(self.path))
                    self._stamp = stamp
            except (OSError, TokensFileError) as error:
                log.error("tokens file unusable, keeping the principals last read from it: %s", error)
            return self._entries


def create_token(path: Path, principal: str, roles: list[str], domains: list[str]) -> str:
    """Adds a principal with a new random token to the file, and returns the token (shown once)."""
    unknown = set(roles) - ROLES
    if unknown or not roles:
        raise TokensFileError(f"roles must be among {', '.join(sorted(ROLES))}")
    document = tomllib.loads(path.read_text()) if path.exists() else {}
    principals = document.setdefault("principals", {})
    if principal in principals:
        raise TokensFileError(f"{path}: principal {principal!r} already exists")
    token = "dkt_" + secrets.token_urlsafe(32)
    principals[principal] = {"token_sha256": token_hash(token), "roles": roles, "domains": domains or ["*"]}
    _write_atomically(path, tomli_w.dumps(document))
    return token


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w") as file:
        file.write(text)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)
