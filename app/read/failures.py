"""Read models stopped at an event they cannot apply: recorded in `projection_failures`, retried with backoff, and
refused to readers until they move on."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from projections.sql import Sql, Steps, marks, query
from projections.values import utc

FIRST_RETRY = timedelta(seconds=1)
LAST_RETRY = timedelta(minutes=5)
"""A stopped read model is tried again 1 s after it failed, then 2 s, 4 s, ... and at least every 5 minutes."""
MAX_ERROR = 1000
"""Characters of an error's message kept."""

_COLUMNS = "name, position, topic, error_type, error, first_seen, last_seen, attempts"
_RECORD = f"""
INSERT INTO projection_failures ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (name) DO UPDATE SET position = excluded.position, topic = excluded.topic,
    error_type = excluded.error_type, error = excluded.error, first_seen = excluded.first_seen,
    last_seen = excluded.last_seen, attempts = excluded.attempts
"""


@dataclass(frozen=True)
class ProjectionFailure:
    """Read model `name` stopped at `position`: the event there, of `topic`, raised `error_type: error`."""

    name: str
    position: int
    topic: str
    error_type: str
    error: str
    first_seen: datetime
    last_seen: datetime
    attempts: int

    @property
    def event_type(self) -> str:
        """The event's type as the ledger's readers name it (`Appeal.Filed`)."""
        return self.topic.rpartition(":")[2]

    @property
    def raised(self) -> str:
        """What applying the event raised: the error's type and message."""
        return f"{self.error_type}: {self.error}"

    @property
    def reason(self) -> str:
        return f"stopped at position {self.position} ({self.event_type}): {self.raised}"

    def due(self, now: datetime) -> bool:
        """Whether it is time to try the event again."""
        return now >= self.last_seen + min(FIRST_RETRY * 2 ** min(self.attempts - 1, 16), LAST_RETRY)


class ReadModelStopped(Exception):
    """A read refused: a read model it needs has stopped at an event it cannot apply."""

    def __init__(self, failures: Collection[ProjectionFailure]) -> None:
        self.failures = list(failures)
        which = "; ".join(f"read model {f.name} stopped at position {f.position} ({f.event_type}: {f.error_type})"
                          for f in self.failures)
        super().__init__(f"{which}; it answers again once an operator retries it or skips that event")

    def __reduce__(self) -> tuple[type[ReadModelStopped], tuple[list[ProjectionFailure]], dict[str, object]]:
        """Pickled by its failures, not its message: the relay's reader process raises it in the relay."""
        return type(self), (self.failures,), self.__dict__


def failed(
    previous: ProjectionFailure | None, name: str, position: int, topic: str, error: BaseException, now: datetime
) -> ProjectionFailure:
    """Read model `name` failing at `position` now: one more attempt if `previous` (its failure so far) was there
    too, else a failure of its own."""
    first_seen, attempts = now, 1
    if previous is not None and previous.position == position:
        first_seen, attempts = previous.first_seen, previous.attempts + 1
    return ProjectionFailure(name, position, topic, type(error).__name__, _message(error), first_seen, now, attempts)


def _message(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= MAX_ERROR else text[: MAX_ERROR - 1] + "…"


def record(sql: Sql, failure: ProjectionFailure) -> None:
    sql.execute(_RECORD, (failure.name, failure.position, failure.topic, failure.error_type, failure.error,
                          failure.first_seen, failure.last_seen, failure.attempts))


def clear(sql: Sql, name: str) -> None:
    """Forgets read model `name`'s failure: it is tried again at the next step."""
    sql.execute("DELETE FROM projection_failures WHERE name = ?", (name,))


@query
def stopped(names: Collection[str] | None = None) -> Steps[dict[str, ProjectionFailure]]:
    """The stopped read models among `names` (every one for None), by name."""
    if names is None:
        rows = yield f"SELECT {_COLUMNS} FROM projection_failures", ()
    elif not names:
        return {}
    else:
        rows = yield f"SELECT {_COLUMNS} FROM projection_failures WHERE name IN ({marks(names)})", list(names)
    return {row[0]: _failure_of(row) for row in rows}


@query
def positions_and_failures() -> Steps[tuple[dict[str, int], dict[str, ProjectionFailure]]]:
    """Every read model's stored position, and the stopped ones' failures, by name, in one statement."""
    rows = yield (f"SELECT 0, name, position, NULL, NULL, NULL, NULL, NULL, NULL FROM projection_positions "
                  f"UNION ALL SELECT 1, {_COLUMNS} FROM projection_failures"), ()
    positions = {row[1]: int(row[2]) for row in rows if not row[0]}
    return positions, {row[1]: _failure_of(row[1:]) for row in rows if row[0]}


def _failure_of(row: Sequence[Any]) -> ProjectionFailure:
    """A failure from its row of `projection_failures` (its _COLUMNS)."""
    return ProjectionFailure(row[0], int(row[1]), row[2], row[3], row[4], utc(row[5]), utc(row[6]), int(row[7]))


def refuse_stopped(sql: Sql, names: Collection[str]) -> None:
    """Raises ReadModelStopped when one of the read models `names` has stopped."""
    found = stopped(sql, names)
    if found:
        raise ReadModelStopped(found.values())


def read_models_of(queries: Iterable[Callable[..., Any]]) -> list[str]:
    """The read models whose tables the query functions read: each lives in its read model's package
    (`projections.<name>.queries`); a Query made of others' steps names them in `reads`."""
    names: set[str] = set()
    for q in queries:
        parts = q.__module__.split(".")
        if parts[0] == "projections" and len(parts) > 2:
            names.add(parts[1])
        names.update(read_models_of(getattr(q, "reads", ())))
    return sorted(names)
