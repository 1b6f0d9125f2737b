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


class AnalystLoginError(RuntimeError):
    """Raised when PostgreSQL does not let `docket sql` log in as the analyst role."""


@contextmanager
def read_only_cursor(database: Database) -> Iterator[Any]:
    """A cursor that cannot write: SQLite opened read-only; PostgreSQL logged in as the analyst role, read-only."""
    if database.is_postgres:
        with _analyst_login(database) as connection, connection.cursor() as cursor:
            yield cursor
    else:
        connection = sqlite3.connect(f"file:{database.sqlite_path}?mode=ro", uri=True)
        try:
            yield connection.cursor()
        finally:
            connection.close()


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


def run(database: Database, statements: Sequence[str] | None, out: TextIO = sys.stdout) -> int:
    """Runs the given statements, or those typed at the prompt (one per `;`); returns 1 if any failed."""
    failed = 0
    with read_only_cursor(database) as cursor:
        for statement in statements if statements is not None else _typed(out):
            try:
                cursor.execute(statement)
                _print(cursor, out)
            except (sqlite3.Error, psycopg.Error) as error:
                print(f"error: {error}".strip(), file=out)
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
