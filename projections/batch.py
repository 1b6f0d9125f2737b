"""The set-based form of a read model: a batch of events in, each table's net changes out in one statement.

A read model reads the rows a batch touches with one query per table (`Rows.fetch`), applies every event
of the batch to those rows in memory, and writes what changed with one statement per table (`Rows.write`):
a row changed by a hundred events of a batch is written once, as the hundredth left it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from operator import itemgetter
from typing import Any

from projections.sql import Sql
from projections.values import utc

Row = dict[str, Any]
Key = tuple[Any, ...]

Batch = Sequence[tuple[int, Any]]
"""What a read model is given: its events of one batch, each with its ledger position, in ledger order."""

CHUNK = 500
"""Keys a fetch binds in one statement: well under both engines' limits on parameters."""


class Table:
    """A read model's table as batches read and write it: its key, its columns and their statements.

    Rows come back from either engine as the same Python values: `times` columns as aware UTC datetimes and
    `flags` columns as bools (SQLite keeps timestamps as text and booleans as integers).
    """

    def __init__(
        self,
        name: str,
        key: Sequence[str],
        columns: Sequence[str],
        times: Iterable[str] = (),
        flags: Iterable[str] = (),
    ) -> None:
        self.name = name
        self.key = tuple(key)
        self.columns = tuple(columns)
        assert set(self.key) <= set(self.columns), f"{name}: the key is among the columns"
        self.times = [self.columns.index(c) for c in times]
        self.flags = [self.columns.index(c) for c in flags]
        self.key_of = _getter(self.key)
        """A row's key, as a tuple."""
        self.stored_key = _getter([self.columns.index(c) for c in self.key])
        """The key of a stored row's values (in the order of `columns`), as a tuple."""
        updates = ", ".join(f"{c} = excluded.{c}" for c in self.columns if c not in self.key)
        self.select = f"SELECT {', '.join(self.columns)} FROM {name} WHERE "
        self.on_insert = ""
        """What follows the INSERT of new rows: nothing, so that a row the table holds already fails it."""
        self.on_put = f"ON CONFLICT ({', '.join(self.key)}) DO " + (f"UPDATE SET {updates}" if updates else "NOTHING")

    def rows(self) -> Rows:
        """A batch's view of the table, empty until fetched."""
        return Rows(self)


class Rows:
    """The rows of one table that a batch reads and changes."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self._key_of = table.key_of
        self._known: dict[Key, Row | None] = {}
        self._changed: dict[Key, None] = {}  # in the order rows were first changed: a stable write order
        self._new: set[Key] = set()  # added by this batch: inserted, so that a row that exists already fails
        self._absent: set[Key] = set()  # fetched and found to have no stored row: a row put there is inserted
        self._read_all: list[tuple[Callable[[Key], Any], set[Any]]] = []
        """Key columns whose values' every stored row was read: a key's values of them (itemgetter's: one alone, more
        as a tuple), and those values."""
        self._repeated: list[Row] = []  # added again: inserted after the first, for the database to refuse

    def fetch(self, sql: Sql, keys: Iterable[Key]) -> None:
        """Reads the rows of `keys` not read yet, in as few statements as CHUNK allows; a key without a row is
        remembered as absent."""
        known = self._known
        missing = [k for k in dict.fromkeys(keys) if k not in known]
        for chunk in _chunks(missing):
            self._load(sql, self.table.key, chunk)
            absent = [key for key in chunk if key not in known]
            known.update(dict.fromkeys(absent))
            self._absent.update(absent)

    def fetch_where(self, sql: Sql, columns: Sequence[str], values: Iterable[Key]) -> list[Row]:
        """Reads the rows whose `columns` hold one of `values` (rows changed in this batch as they are now)."""
        wanted = list(dict.fromkeys(values))
        for chunk in _chunks(wanted):
            self._load(sql, columns, chunk)
        chosen = set(wanted)
        if set(columns) <= set(self.table.key):
            pick = itemgetter(*[self.table.key.index(c) for c in columns])
            self._read_all.append((pick, {v for (v,) in chosen} if len(columns) == 1 else chosen))
        held = _getter(tuple(columns))
        return [row for row in self._known.values() if row is not None and held(row) in chosen]

    def get(self, key: Key) -> Row | None:
        """The row of `key` as the batch has left it so far; None when there is none."""
        try:
            return self._known[key]
        except KeyError:
            raise AssertionError(f"{self.table.name}: row {key} read before it was fetched") from None

    def add(self, row: Row) -> None:
        """Stores a new row (every column), written with a plain INSERT: where the key has a row already, stored
        or added by this batch, the write fails as a second INSERT of it would, and the row is kept as it was."""
        key = self._key_of(row)
        if self._known.get(key) is not None:
            self._repeated.append(row)
            return
        if key not in self._changed:
            self._new.add(key)
        self._known[key] = row
        self._changed[key] = None

    def put(self, row: Row) -> None:
        """Stores a whole row (every column), new or changed: where a fetch found no stored row, it is written as a
        new one (an INSERT, on PostgreSQL a COPY), else as an upsert."""
        key = self._key_of(row)
        if key not in self._known and self._read_all and self._all_read(key):
            self._absent.add(key)  # a fetch_where would have read its row
        self._known[key] = row
        self._changed[key] = None

    def update(self, key: Key, /, **changes: Any) -> None:
        """Changes some columns of the row of `key`, as an UPDATE would: nothing when it has no row."""
        row = self.get(key)
        if row is not None:
            self.put(row | changes)

    def delete(self, key: Key) -> None:
        self._known[key] = None
        self._changed[key] = None
        self._new.discard(key)

    def write(self, sql: Sql) -> None:
        """Writes the batch's net changes: one statement each for the rows deleted, added and changed (see
        `Sql.insert_rows`)."""
        gone: list[Key] = []
        added: list[Row] = []
        changed: list[Row] = []
        absent = self._absent
        for key in self._changed:
            row = self._known[key]
            if row is None:
                gone.append(key)
                absent.add(key)
            else:
                # Where the batch read no stored row, none can have come since: its read model's lock keeps other
                # writers of its tables out until the transaction ends.
                (added if key in self._new or key in absent else changed).append(row)
                absent.discard(key)
        added += self._repeated
        if gone:
            sql.delete_matching(self.table.name, self.table.key, gone)
        if added:
            sql.insert_records(self.table.name, self.table.columns, added, self.table.on_insert)
        if changed:
            sql.insert_records(self.table.name, self.table.columns, changed, self.table.on_put)
        self._changed.clear()
        self._new.clear()
        self._repeated.clear()

    def forget(self) -> None:
        """Drops what was read, after a statement changed the table behind it (write changes first)."""
        assert not self._changed, f"{self.table.name}: forgotten with changes not written"
        self._known.clear()
        self._absent.clear()
        self._read_all.clear()

    def _all_read(self, key: Key) -> bool:
        """Whether a `fetch_where` read every stored row whose key columns hold what `key`'s do."""
        # Asked for each new row a batch puts: an itemgetter's values and a loop, not a tuple made by a generator nor
        # `any` of one (here a generator costs ~1.5 us to start, the whole loop ~0.3).
        for pick, values in self._read_all:  # noqa: SIM110 - see above
            if pick(key) in values:
                return True
        return False

    def _load(self, sql: Sql, columns: Sequence[str], keys: Sequence[Key]) -> None:
        table, known, changed = self.table, self._known, self._changed
        names, times, flags, key_of = table.columns, table.times, table.flags, table.stored_key
        # Per row no generator and no keyword argument: here either costs more than the rest of the row's work.
        for stored in sql.select_matching(table.select, table.name, columns, keys):
            values: Sequence[Any] = stored
            if times or flags:
                values = list(stored)
                for i in times:
                    if values[i] is not None:
                        values[i] = utc(values[i])
                for i in flags:
                    if values[i] is not None:
                        values[i] = bool(values[i])
            key = key_of(values)
            if key not in changed:  # what this batch changed stands over what is stored
                known[key] = dict(zip(names, values))  # noqa: B905 - a SELECT of `names`: as many values


def write_all(sql: Sql, *tables: Rows) -> None:
    """Writes every table's net changes, in the order given."""
    for rows in tables:
        rows.write(sql)


def _getter(items: Sequence[Any]) -> Callable[[Any], tuple[Any, ...]]:
    """The values of `items` (a row's columns, or positions of a sequence), as a tuple (itemgetter's own, for more
    than one)."""
    if len(items) == 1:
        item = items[0]
        return lambda values: (values[item],)
    return itemgetter(*items)


def _chunks(keys: list[Key]) -> Iterator[list[Key]]:
    it = iter(keys)
    while chunk := list(islice(it, CHUNK)):
        yield chunk
