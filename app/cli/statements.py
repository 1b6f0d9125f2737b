"""`docket export-sor`: a period's statements of reasons as the DSA Transparency Database's batch bodies and JSONL."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from app.cli.projections import migrated_runtime
from app.config.settings import Settings
from app.runtime.health import health
from app.runtime.recovery import RecoveryRefused
from app.runtime.wiring import Runtime
from projections.statements_of_reasons.queries import StatementQuery, statement_page
from projections.statements_of_reasons.rows import StatementRow
from projections.statements_of_reasons.validation import violations

BATCH = 100
"""The most statements the database takes in one request (`POST /api/v1/statements`)."""

PAGE = 1000
JSONL = "statements.jsonl"


class ExportRefused(ValueError):
    """The export cannot be made as asked; nothing was written."""


def parse_moment(text: str) -> datetime:
    """An ISO 8601 date or time; a date is its midnight, a time without a zone is UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ExportRefused(f"{text!r} is not an ISO 8601 date or time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def run_export(settings: Settings, start: datetime, end: datetime, out: Path) -> int:
    """Writes the statements decided from `start` (inclusive) to `end` (exclusive) into `out`; 0 when every one
    was valid, 1 when some were left out as invalid (named on stderr), 2 when nothing could be written."""
    try:
        if end < start:
            raise ExportRefused(f"--to ({end.isoformat()}) must not be before --from ({start.isoformat()})")
        with migrated_runtime(settings) as runtime:
            behind = max((p.lag for p in health(runtime).projections if p.name == "statements_of_reasons"), default=0)
            rows = list(_statements(runtime, StatementQuery(start, end)))
        _check_writable(out)
    except (ExportRefused, RecoveryRefused) as error:
        print(f"docket: {error}", file=sys.stderr)
        return 2
    valid = []
    for row in rows:
        wrong = violations(row.statement)
        if wrong:
            print(f"docket: left out {row.puid}: " + "; ".join(f"{v.field}: {v.message}" for v in wrong),
                  file=sys.stderr)
        else:
            valid.append(row.statement)
    try:
        files = _write(out, valid)
    except OSError as error:
        print(f"docket: cannot write the export to {out}: {error}; nothing was written", file=sys.stderr)
        return 2
    print(f"exported {len(valid)} statements of reasons decided from {start.isoformat()} to {end.isoformat()} "
          f"into {out}: {files} batch bodies of at most {BATCH}, and {JSONL}")
    if behind:
        print(f"docket: the statements read model is {behind} events behind the ledger; run `docket serve` or "
              "`docket project` to bring it up to date", file=sys.stderr)
    return 1 if len(valid) < len(rows) else 0


def _statements(runtime: Runtime, query: StatementQuery) -> Iterator[StatementRow]:
    after = 0
    while True:
        with runtime.store.transaction(write=False) as sql:
            page = statement_page(sql, query, after, PAGE)
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1].position


def _check_writable(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ExportRefused(f"--out {out} is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as error:
        raise ExportRefused(f"--out {out} is not a writable directory: {error.strerror or error}") from None


def _write(out: Path, statements: list[dict[str, object]]) -> int:
    """Writes every file under a temporary name, then puts them all in place, then drops batch bodies of an earlier
    export that this one has fewer of: a failure part-way leaves the directory as it was."""
    batches = [statements[i:i + BATCH] for i in range(0, len(statements), BATCH)]
    contents = {f"statements-{n:04d}.json": json.dumps({"statements": batch}, ensure_ascii=False, indent=1)
                for n, batch in enumerate(batches, start=1)}
    contents[JSONL] = "".join(json.dumps(s, ensure_ascii=False) + "\n" for s in statements)
    staged: list[tuple[Path, Path]] = []
    try:
        for name, text in contents.items():
            handle, path = tempfile.mkstemp(dir=out, prefix=f".{name}.")
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
            staged.append((Path(path), out / name))
    except OSError:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        raise
    for temporary, final in staged:
        temporary.replace(final)
    for stale in out.glob("statements-*.json"):
        if stale.name not in contents:
            stale.unlink()
    return len(batches)
