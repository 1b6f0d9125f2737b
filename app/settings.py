"""Docket's configuration, read from the environment once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from app.database import DEFAULT_URL, Database


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_URL
    tokens_file: Path | None = None
    consistency_timeout: float = 5.0
    """How long a query with `minPosition` waits for the read models, in seconds."""
    run_projections: bool = True
    """Whether this process keeps the read models up to date itself."""
    ladders_file: Path | None = None
    """The strike ladders; None means the shipped defaults (app/ladders.toml)."""
    checkpoint_key: str | None = field(default=None, repr=False)
    """The key that signs the ledger chain's checkpoints; None: on SQLite a key file beside the database."""

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
            run_projections=environ.get("DOCKET_RUN_PROJECTIONS", "1") not in ("0", "false", "no"),
            ladders_file=Path(ladders) if ladders else None,
            checkpoint_key=environ.get("DOCKET_CHECKPOINT_KEY") or None,
        )
