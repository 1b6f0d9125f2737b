"""The key that signs the ledger chain's checkpoints: DOCKET_CHECKPOINT_KEY, or a file beside the SQLite database."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from app.config.database import Database
from app.config.settings import Settings


class NoCheckpointKey(RuntimeError):
    """Raised when checkpoints must be checked or signed and no key is configured."""


def key_file(database: Database) -> Path | None:
    """Where the SQLite default keeps its checkpoint key: beside the database file."""
    if database.is_postgres or database.sqlite_path is None or database.sqlite_path.name == ":memory:":
        return None
    return database.sqlite_path.with_name(database.sqlite_path.name + ".checkpoint-key")


def checkpoint_key(settings: Settings, create: bool = False) -> bytes | None:
    """DOCKET_CHECKPOINT_KEY, else (SQLite) the key file, made on first use when `create`."""
    if settings.checkpoint_key:
        return settings.checkpoint_key.encode()
    path = key_file(settings.database)
    if path is None:
        return None
    if not path.exists():
        if not create:
            return None
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first
        else:
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_hex(32) + "\n")
    return path.read_text().strip().encode()
