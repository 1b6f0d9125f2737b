"""Where the ledger lives: one URL picks the embedded SQLite file or a PostgreSQL database."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_URL = "sqlite:///./docket.db"
SQLITE_BUSY_TIMEOUT = 30
"""Seconds a SQLite connection waits for another connection's (or process's) lock before it gives up."""
SQLITE_WRITE_TIMEOUT = 60.0
"""Seconds a write waits in line for SQLite's single writer before the request answers 503."""
POOL_CONNECTIONS = 24
"""On PostgreSQL, the connections one process's pools may open: two thirds for the ledger, a third for the read
models. `docket serve` gives each of its workers fewer when the server's max_connections cannot take them all."""


def pool_shares(connections: int) -> tuple[int, int]:
    """How `connections` are shared between the ledger's pool and the read models' pool, in that order."""
    read_models = max(1, connections // 3)
    return connections - read_models, read_models


class DatabaseUrlError(ValueError):
    """Raised when DOCKET_DATABASE_URL is neither a sqlite:/// path nor a postgresql:// URL."""


@dataclass(frozen=True)
class Database:
    """A parsed DOCKET_DATABASE_URL."""

    url: str
    engine: str
    sqlite_path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 5432
    dbname: str = ""
    user: str = ""
    password: str = ""
    schema: str = "public"

    @property
    def is_postgres(self) -> bool:
        return self.engine == "postgres"

    @classmethod
    def parse(cls, url: str) -> Database:
        parts = urlsplit(url)
        if parts.scheme == "sqlite":
            path = unquote(parts.path)
            if parts.netloc or not path.startswith("/") or path == "/":
                raise DatabaseUrlError(f"a SQLite URL looks like sqlite:///./docket.db, not {url!r}")
            raw = path[1:]
            return cls(url=url, engine="sqlite", sqlite_path=Path(raw) if raw == ":memory:" else Path(raw).resolve())
        if parts.scheme in ("postgresql", "postgres"):
            query = parse_qs(parts.query)
            return cls(
                url=url,
                engine="postgres",
                host=parts.hostname or "127.0.0.1",
                port=parts.port or 5432,
                dbname=unquote(parts.path.lstrip("/")) or "postgres",
                user=unquote(parts.username) if parts.username else getpass.getuser(),
                password=unquote(parts.password) if parts.password else "",
                schema=query.get("schema", ["public"])[0],
            )
        raise DatabaseUrlError(
            f"DOCKET_DATABASE_URL must start with sqlite:/// or postgresql://, not {url!r}"
        )

    def conninfo(self) -> str:
        from psycopg.conninfo import make_conninfo

        return make_conninfo(
            host=self.host, port=self.port, dbname=self.dbname, user=self.user,
            password=self.password or None, options=f"-c search_path={self.schema}",
        )

    def library_env(
        self, write_timeout: float = SQLITE_WRITE_TIMEOUT, connections: int = POOL_CONNECTIONS
    ) -> dict[str, str]:
        """The eventsourcing library's settings for this database; on SQLite, its store with writers queued; on
        PostgreSQL, its store writing large batches by COPY, on a pool of the ledger's share of `connections` (half
        kept open, half opened when needed)."""
        if not self.is_postgres:
            assert self.sqlite_path is not None
            return {
                "PERSISTENCE_MODULE": "app.write.sqlite_event_store:QueuedSQLiteFactory",
                "SQLITE_DBNAME": str(self.sqlite_path),
                "SQLITE_LOCK_TIMEOUT": str(SQLITE_BUSY_TIMEOUT),
                "SQLITE_WRITE_TIMEOUT": str(write_timeout),
            }
        ledger = pool_shares(connections)[0]
        return {
            "PERSISTENCE_MODULE": "app.write.postgres_event_store:CopyingPostgresFactory",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_SCHEMA": self.schema,
            "POSTGRES_POOL_SIZE": str((ledger + 1) // 2),
            "POSTGRES_MAX_OVERFLOW": str(ledger // 2),
            "POSTGRES_LOCK_TIMEOUT": "10",
            "POSTGRES_CONNECT_TIMEOUT": "2",
            # A restarted server leaves the pool's connections dead: test each before use (see check_quietly).
            "POSTGRES_PRE_PING": "y",
        }
