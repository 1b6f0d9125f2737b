"""`docket sql`: a read-only SQL shell over the read models, on SQLite or PostgreSQL."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

import psycopg

from app.config.database import Database

ANALYST_ROLE = "docket_analyst"
EVENT_STORE_TABLES = frozenset({"stored_events"})
"""The eventsourcing library's tables in a SQLite ledger (its application recorder's); the shell reads none of them."""
SECRET_TABLES = frozenset({"webhook_secrets", "subject_keys"})
"""Tables of secrets, which the shell never reads."""
_DESCRIBING_PRAGMAS = frozenset(
    {"table_info", "table_xinfo", "table_list", "index_info", "index_xinfo", "index_list", "foreign_key_list"}
)
"""Pragmas whose argument names what to describe; any other pragma given an argument sets something."""


class AnalystLoginError(RuntimeError):
    """Raised when PostgreSQL does not let `docket sql` log in as the analyst role."""


@contextmanager
def read_only_connection(database: Database) -> Iterator[Any]:
    """A connection that cannot write: PostgreSQL's logged in as the analyst role, read-only; SQLite's opened read-only,
    reading the read models and nothing else. Each statement commits on its own unless it is inside BEGIN."""
    if database.is_postgres:
        with _analyst_login(database) as connection:
            yield connection
    else:
        opened = sqlite3.connect(
            f"file:{database.sqlite_path}?mode=ro", uri=True, isolation_level=None, factory=_ReadModelsOnly
        )
        try:
            yield opened
        finally:
            opened.close()


def _analyst_login(database: Database) -> psycopg.Connection[Any]:
    # The role itself, not `SET ROLE` inside a session of the URL's user: whoever can type `RESET ROLE` there is
    # that user again. Its password, if the server asks for one, comes from libpq's PGPASSWORD or password file.
    try:
        return psycopg.connect(
            host=database.host, port=database.port, dbname=database.dbname, user=ANALYST_ROLE,
            options=f"-c search_path={database.schema} -c default_transaction_read_only=on", autocommit=True,
        )
    except psycopg.OperationalError as error:
        raise AnalystLoginError(
            f"cannot log in as {ANALYST_ROLE}: {str(error).strip()} "
            "(a server that asks for its password: see migrations/README.md)"
        ) from error


class _ReadModelsOnly(sqlite3.Connection):
    """A SQLite connection whose authorizer lets statements read the read models and nothing else, saying what it
    refused: VACUUM INTO and ATTACH would write other files even on a read-only database."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._refused: str | None = None
        self.set_authorizer(self._authorize)

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        self._refused = None
        try:
            return super().execute(sql, parameters)
        except sqlite3.DatabaseError as error:
            if self._refused is None:
                raise
            raise sqlite3.DatabaseError(f"refused: {self._refused} (docket sql only reads the read models)") from error

    def _authorize(self, action: int, first: str | None, second: str | None, *_: str | None) -> int:
        refused = _refusal(action, first, second)
        if refused is None:
            return sqlite3.SQLITE_OK
        self._refused = self._refused or refused
        return sqlite3.SQLITE_DENY


def _refusal(action: int, first: str | None, second: str | None) -> str | None:
    """What the shell refuses in one step SQLite asks its authorizer about (the action and its first two arguments);
    None if it allows it."""
    if action in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE, sqlite3.SQLITE_TRANSACTION):
        return None
    name = (first or "").lower()
    if action == sqlite3.SQLITE_READ:
        if name in EVENT_STORE_TABLES:
            return f"reading {first}, the event store's own table"
        if name in SECRET_TABLES:
            return f"reading {first}, which holds secrets"
        # Where SQLite is built with it, sqlite_dbpage hands out the file's raw pages, the event store's among them.
        return "reading sqlite_dbpage, the file's raw pages" if name == "sqlite_dbpage" else None
    if action == sqlite3.SQLITE_PRAGMA:
        return f"PRAGMA {first} with an argument" if second is not None and name not in _DESCRIBING_PRAGMAS else None
    if action == sqlite3.SQLITE_UPDATE and name == "sqlite_master":
        # SQLite asks this itself when a pragma's table-valued function (pragma_table_info) is first used; a statement
        # of one's own that updates sqlite_master fails before the authorizer, unless a PRAGMA write allowed it.
        return None
    if action == sqlite3.SQLITE_ATTACH:
        return f"ATTACH or VACUUM INTO {first!r}" if first else "VACUUM"
    if action == sqlite3.SQLITE_DETACH:
        return f"DETACH {first}"
    return "a statement that is not a read"


def run(database: Database, statements: Sequence[str] | None, out: TextIO = sys.stdout) -> int:
    """Runs the given statements, or those typed at the prompt (one per `;`); returns 1 if any failed."""
    failed = 0
    with read_only_connection(database) as connection:
        for statement in statements if statements is not None else _typed(out):
            try:
                _print(connection.execute(statement), out)
            except (sqlite3.Error, psycopg.Error) as error:
                print(f"error: {error}".strip(), file=out)
                connection.rollback()  # each statement stands alone: a failed one ends the transaction it was in
                failed = 1
    return failed


def _typed(out: TextIO) -> Iterator[str]:
    """Statements read from standard input: a prompt for a person, plain lines from a pipe."""
    interactive = sys.stdin.isatty()
    if interactive:
        print("Read-only SQL on Docket's read models; end statements with ';', Ctrl-D to leave.", file=out)
    buffer: list[str] = []
    while (line := _read_line(interactive, continuing=bool(buffer))) is not None:
        buffer.append(line)
        if line.rstrip().endswith(";"):
            yield "\n".join(buffer).strip().rstrip(";")
            buffer = []
    tail = "\n".join(buffer).strip().rstrip(";")
    if tail:
        yield tail


def _read_line(interactive: bool, continuing: bool) -> str | None:
    if not interactive:
        return sys.stdin.readline() or None
    try:
        return input("   ...> " if continuing else "docket> ")
    except EOFError:
        return None


def _print(cursor: Any, out: TextIO) -> None:
    if cursor.description is None:
        return
    names = [column[0] for column in cursor.description]
    rows = [["" if v is None else str(v) for v in row] for row in cursor.fetchall()]
    widths = [max([len(n), *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]
    print(" | ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)), file=out)
    print("-+-".join("-" * w for w in widths), file=out)
    for row in rows:
        print(" | ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)), file=out)
    print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})", file=out)
