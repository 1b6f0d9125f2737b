"""Docket's configuration, read from the environment once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from app.config.database import DEFAULT_URL, POOL_CONNECTIONS, SQLITE_WRITE_TIMEOUT, Database

DEFAULT_EVENT_SOURCE = "urn:docket:ledger"
DEFAULT_NATS_URL = "nats://127.0.0.1:4222"
DEFAULT_NATS_STREAM = "DOCKET"
DEFAULT_NATS_SUBJECT_PREFIX = "docket"
DEFAULT_NATS_DUPLICATE_WINDOW = 120.0
DEFAULT_WEBHOOK_TIMEOUT = 15.0
DEFAULT_WEBHOOK_CONCURRENCY = 8
DEFAULT_DSA_TOKEN_ENV = "DOCKET_DSA_TOKEN"
DEFAULT_DSA_RATE = 200.0
"""Requests a second the DSA Transparency Database allows a platform's user."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_URL
    tokens_file: Path | None = None
    consistency_timeout: float = 5.0
    """How long a query with `minPosition` waits for the read models, in seconds."""
    run_projections: bool = True
    """Whether this process keeps the read models up to date itself."""
    ladders_file: Path | None = None
    """The strike ladders; None means the shipped defaults (app/config/ladders.toml)."""
    max_body_bytes: int = 4 * 1024 * 1024
    """The largest /graphql request body accepted; larger ones get 413 before anything is read into memory."""
    introspection: bool = True
    """Whether clients may introspect the schema (DOCKET_INTROSPECTION=0 turns it off)."""
    sqlite_write_timeout: float = SQLITE_WRITE_TIMEOUT
    """On SQLite, how long a write waits in line for the single writer before 503, in seconds."""
    database_connections: int = POOL_CONNECTIONS
    """On PostgreSQL, the connections this process's pools may open (see POOL_CONNECTIONS)."""
    checkpoint_key: str | None = field(default=None, repr=False)
    """The key that signs the ledger chain's checkpoints; None: on SQLite a key file beside the database."""
    event_source: str = DEFAULT_EVENT_SOURCE
    """The CloudEvents `source` of this ledger's events: what tells them from another ledger's."""
    nats_url: str = DEFAULT_NATS_URL
    """The NATS server `docket relay` publishes to."""
    nats_stream: str = DEFAULT_NATS_STREAM
    """The JetStream stream it publishes to, created if missing."""
    nats_subject_prefix: str = DEFAULT_NATS_SUBJECT_PREFIX
    """The first token of every subject it publishes on; the stream it creates captures `<prefix>.>`."""
    nats_duplicate_window: float = DEFAULT_NATS_DUPLICATE_WINDOW
    """Seconds the stream it creates remembers a message id to drop a second copy (JetStream's default, 2 minutes)."""
    webhook_allow_http: bool = False
    """Whether a webhook may be sent over plain http (a receiver on loopback, in tests); https only by default."""
    webhook_allowed_networks: tuple[str, ...] = ()
    """Networks (CIDR) a webhook's host may resolve into although they are private, loopback or link-local."""
    webhook_timeout: float = DEFAULT_WEBHOOK_TIMEOUT
    """Seconds `docket deliver` waits for an endpoint's answer before counting the attempt as failed."""
    webhook_concurrency: int = DEFAULT_WEBHOOK_CONCURRENCY
    """Deliveries `docket deliver` has under way to one endpoint at once (of different subjects)."""
    model_timeout: float = 30.0
    """Seconds an automation rule's model call may take before it is tried again."""
    model_retries: int = 2
    """How often a failed model call is tried again (then the rule's fallbacks) before it is a failed classification."""
    dsa_endpoint: str | None = None
    """The DSA Transparency Database's API that `docket submit-sor` sends to, e.g.
    https://transparency.dsa.ec.europa.eu/api/v1 (its sandbox first)."""
    dsa_token_env: str = DEFAULT_DSA_TOKEN_ENV
    """The environment variable that holds its bearer token (the token itself is never in the settings or ledger)."""
    dsa_rate: float = DEFAULT_DSA_RATE
    """Requests a second `docket submit-sor` sends at most."""
    dsa_timeout: float = 30.0
    """Seconds it waits for an answer before asking whether the database stored what it sent."""
    dsa_attempts: int = 8
    """Attempts at one request (after 429, 5xx or no answer) before the endpoint counts as down and the run stops."""
    dsa_backoff: float = 1.0
    """Seconds before the second attempt; each later one waits twice as long, up to a minute."""

    @property
    def database(self) -> Database:
        return Database.parse(self.database_url)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        tokens = environ.get("DOCKET_TOKENS_FILE")
        ladders = environ.get("DOCKET_LADDERS_FILE")
        return cls(
            database_url=environ.get("DOCKET_DATABASE_URL") or DEFAULT_URL,
            tokens_file=Path(tokens) if tokens else None,
            consistency_timeout=float(environ.get("DOCKET_CONSISTENCY_TIMEOUT", "5")),
            run_projections=_flag(environ.get("DOCKET_RUN_PROJECTIONS", "1")),
            ladders_file=Path(ladders) if ladders else None,
            max_body_bytes=int(environ.get("DOCKET_MAX_BODY_BYTES", str(4 * 1024 * 1024))),
            introspection=_flag(environ.get("DOCKET_INTROSPECTION", "1")),
            sqlite_write_timeout=float(environ.get("DOCKET_SQLITE_WRITE_TIMEOUT", str(SQLITE_WRITE_TIMEOUT))),
            database_connections=int(environ.get("DOCKET_DATABASE_CONNECTIONS", str(POOL_CONNECTIONS))),
            checkpoint_key=environ.get("DOCKET_CHECKPOINT_KEY") or None,
            event_source=environ.get("DOCKET_EVENT_SOURCE") or DEFAULT_EVENT_SOURCE,
            nats_url=environ.get("DOCKET_NATS_URL") or DEFAULT_NATS_URL,
            nats_stream=environ.get("DOCKET_NATS_STREAM") or DEFAULT_NATS_STREAM,
            nats_subject_prefix=environ.get("DOCKET_NATS_SUBJECT_PREFIX") or DEFAULT_NATS_SUBJECT_PREFIX,
            nats_duplicate_window=float(
                environ.get("DOCKET_NATS_DUPLICATE_WINDOW", str(DEFAULT_NATS_DUPLICATE_WINDOW))
            ),
            webhook_allow_http=_flag(environ.get("DOCKET_WEBHOOK_ALLOW_HTTP", "0")),
            webhook_allowed_networks=tuple(
                n.strip() for n in environ.get("DOCKET_WEBHOOK_ALLOWED_NETWORKS", "").split(",") if n.strip()
            ),
            webhook_timeout=float(environ.get("DOCKET_WEBHOOK_TIMEOUT", str(DEFAULT_WEBHOOK_TIMEOUT))),
            webhook_concurrency=int(environ.get("DOCKET_WEBHOOK_CONCURRENCY", str(DEFAULT_WEBHOOK_CONCURRENCY))),
            model_timeout=float(environ.get("DOCKET_MODEL_TIMEOUT", "30")),
            model_retries=int(environ.get("DOCKET_MODEL_RETRIES", "2")),
            dsa_endpoint=environ.get("DOCKET_DSA_ENDPOINT") or None,
            dsa_token_env=environ.get("DOCKET_DSA_TOKEN_ENV") or DEFAULT_DSA_TOKEN_ENV,
            dsa_rate=float(environ.get("DOCKET_DSA_RATE", str(DEFAULT_DSA_RATE))),
            dsa_timeout=float(environ.get("DOCKET_DSA_TIMEOUT", "30")),
            dsa_attempts=int(environ.get("DOCKET_DSA_ATTEMPTS", "8")),
            dsa_backoff=float(environ.get("DOCKET_DSA_BACKOFF", "1")),
        )


def _flag(value: str) -> bool:
    return value.strip().lower() not in ("0", "false", "no", "off")
