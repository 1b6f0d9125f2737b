"""Answers kept and given again while what they depend on holds: the positions of the read models they were read
from, and the clock short of their next change (a strike's expiry, for standing); or, for what changes no more once
the read models have passed it (a full page of the ledger's events), those read models standing past it, and what
else its fields name (the keys that opened a page's sealed data, which erasure deletes).

Each worker is a process with answers of its own, and another process may move a read model on at any moment:
whether a kept answer still holds is looked up in the database each time one is given (one statement, every read
model's position), never assumed from a notification that may not have arrived. An answer is kept only when every
field of it said what it depends on and every read its request made was one of theirs; any other answer is never
kept. Where kept answers keep being found no longer holding, as while writes move their read models all the time,
requests stop looking for a while and read afresh, as an uncached server would (see `Answers`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool

from app.read.failures import read_models_of
from app.read.projector import waited_positions
from app.read.reader import Reader, Tally
from projections.sql import Query

P = ParamSpec("P")
T = TypeVar("T")

KEPT = 4096
"""Answers a process keeps; when full it starts again rather than grow."""
BACK_OFF_AFTER = 4
"""Kept answers of a request's shape found no longer holding in a row, before that shape's requests stop looking."""
MOST_SKIPPED = 64
"""The most requests of a shape that read afresh without looking at kept answers, before one looks again."""


@dataclass(frozen=True)
class Answer:
    body: bytes
    positions: tuple[tuple[str, int], ...]
    """The read models it was read from, at the positions they had before it was read."""
    until: datetime | None
    """When the clock reaches it, the answer may change (None: never, for as long as the positions hold)."""
    passed: tuple[tuple[str, int], ...] = ()
    """Read models that must stand at or past a position, not stopped, wherever else they move: what it read from
    them lies below it, where they no longer change."""
    checks: tuple[Callable[[], bool], ...] = ()
    """What else must still say it holds; a check may read the database (see `still`)."""

    def holds(self, positions: Mapping[str, int | None], now: datetime) -> bool:
        """Whether it is still the answer, with the read models at `positions` (None: stopped) and the clock at
        `now`, as far as its `checks` do not say otherwise."""
        return (
            (self.until is None or now < self.until)
            and all(positions.get(n) == p for n, p in self.positions)
            and all((at := positions.get(n)) is not None and at >= p for n, p in self.passed)
        )

    async def still(self) -> bool:
        """Whether its checks still say it holds: asked on a thread, since one may read the database (a key the
        keyring no longer trusts); a check that fails to look says no, and the request is read afresh."""
        if not self.checks:
            return True
        try:
            return await run_in_threadpool(lambda: all(check() for check in self.checks))
        except Exception:  # noqa: BLE001 - the fresh read says why, with the coded error
            return False


@dataclass
class Tries:
    """How a request shape's kept answers have fared of late."""

    stale: int = 0
    """Its kept answers found no longer holding since one last held."""
    skipping: int = 0
    """Its requests still to read afresh before one looks at a kept answer again."""


class Answers:
    """One process's kept answers, by what was asked and by whom; and what was asked whose answers cannot be kept,
    which then cost no look at the read models' positions.

    A request shape (its document, whatever its variables) whose kept answers keep being found no longer holding, as
    an account's are while its read model moves with every write, costs a look at the positions for nothing: after
    BACK_OFF_AFTER such finds in a row its requests read afresh, neither looking nor keeping, for a number of them
    that doubles with each find after (up to MOST_SKIPPED); then one looks again, and one that holds ends it."""

    def __init__(self, size: int = KEPT) -> None:
        self._size = size
        self._kept: dict[Hashable, Answer] = {}
        self._never: set[Hashable] = set()
        self._tries: dict[Hashable, Tries] = {}

    def get(self, key: Hashable) -> Answer | None:
        return self._kept.get(key)

    def trying(self, shape: Hashable) -> bool:
        """Whether this request of `shape` looks at its kept answer and may keep one; False while the shape backs
        off, for as many of its requests as it skips."""
        tries = self._tries.get(shape)
        if tries is None or tries.skipping == 0:
            return True
        tries.skipping -= 1
        return False

    def found(self, shape: Hashable, held: bool) -> None:
        """A kept answer to a request of `shape` was found to hold, or no longer to."""
        if held:
            self._tries.pop(shape, None)
            return
        tries = self._tries.get(shape)
        if tries is None:
            if len(self._tries) >= self._size:
                self._tries.clear()
            tries = self._tries[shape] = Tries()
        tries.stale += 1
        if tries.stale >= BACK_OFF_AFTER:
            tries.skipping = min(2 ** (tries.stale - BACK_OFF_AFTER), MOST_SKIPPED)

    def keeps(self, key: Hashable) -> bool:
        """Whether an answer to `key` may be kept: not one found to read what its fields did not declare."""
        return key not in self._never

    def keep(self, key: Hashable, answer: Answer) -> None:
        if len(self._kept) >= self._size and key not in self._kept:
            self._kept.clear()
        self._kept[key] = answer

    def never(self, key: Hashable) -> None:
        if len(self._never) >= self._size:
            self._never.clear()
        self._never.add(key)

    def drop(self, key: Hashable) -> None:
        self._kept.pop(key, None)


class Positions:
    """Every read model's position (None: stopped), as the requests that ask for it at once share one statement:
    each gets the answer of a statement sent after it asked, as good as one of its own."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self._next: asyncio.Future[dict[str, int | None]] | None = None
        """What the next statement will find, for those who asked since the last one was sent."""
        self._sending: set[asyncio.Task[None]] = set()

    async def read(self) -> Mapping[str, int | None]:
        loop = asyncio.get_running_loop()
        if self._next is None or self._next.get_loop() is not loop:
            self._next = loop.create_future()
            sending = loop.create_task(self._send(self._next))
            self._sending.add(sending)
            sending.add_done_callback(self._sending.discard)
        return await asyncio.shield(self._next)

    async def _send(self, found: asyncio.Future[dict[str, int | None]]) -> None:
        self._next = None  # who asks from now on asks after this statement is sent
        try:
            found.set_result(await self.reader.fetch(waited_positions))
        except Exception as error:  # noqa: BLE001 - each request that asked raises it
            found.set_exception(error)


class Reads:
    """What one request's answer depends on, as the fields that read declare it while it executes."""

    def __init__(self, reader: Reader) -> None:
        self._reader = reader
        self.keeping = False
        """Whether the answer may be kept (the endpoint that keeps answers says so): its fields then read the read
        models' positions before they read."""
        self.tally = Tally()
        """Every read the request makes, declared or not (the reader counts them)."""
        self._declared = 0
        self._positions: Mapping[str, int | None] | None = None
        self._fields: set[str] = set()
        self._depends: set[str] = set()
        self._passed: dict[str, int] = {}
        self._checks: list[Callable[[], bool]] = []
        self._until: datetime | None = None
        self._unsettled = False

    def saw(self, positions: Mapping[str, int | None]) -> None:
        """Every read model's position, as just read before the request executes."""
        self._positions = positions

    async def positions(self) -> Mapping[str, int | None]:
        """Every read model's position (None: stopped), read once a request: call it before reading the clock and
        the rows whose dependence a field declares, so that anything stored after it moves a position."""
        if self._positions is None and self.keeping:
            self._positions = await self._reader.fetch(waited_positions)
            self._declared += 1
        return self._positions or {}

    async def fetch(self, query: Query[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """What `query` finds: a read whose dependence its caller declares."""
        found = await self._reader.fetch(query, *args, **kwargs)
        self._declared += 1
        return found

    def declare(self, field: str, queries: Sequence[Query[..., Any]], until: datetime | None) -> None:
        """The response's `field` depends on nothing but the read models of `queries`, and on the clock only
        before `until` (None: not at all)."""
        self._fields.add(field)
        self._depends.update(read_models_of(queries))
        if until is not None and (self._until is None or until < self._until):
            self._until = until

    def declare_settled(self, field: str, passed: Mapping[str, int], check: Callable[[], bool] | None) -> None:
        """The response's `field` changes no more once the read models of `passed` stand at or past their positions
        there (what it read lies below them), but when `check` (if any) stops saying it holds."""
        self._fields.add(field)
        for name, position in passed.items():
            self._passed[name] = max(position, self._passed.get(name, position))
        if check is not None:
            self._checks.append(check)

    def unsettled(self, field: str) -> None:
        """The response's `field` may still change where nothing says (a page that may yet grow): this answer is not
        kept, though a later answer to the same request may be."""
        self._fields.add(field)
        self._unsettled = True

    def complete(self, data: Mapping[str, Any]) -> bool:
        """Whether every field of `data` declared what it depends on, and every read made was one of theirs."""
        return set(data) == self._fields and self.tally.reads == self._declared

    def answer(self, body: bytes) -> Answer | None:
        """`body` as an answer to keep (call when `complete`); None when a read model it read has stopped, or a field
        is unsettled."""
        if self._unsettled:
            return None
        found = self._positions or {}
        positions = [(name, found.get(name)) for name in sorted(self._depends)]
        if not all(isinstance(position, int) for _, position in positions):
            return None
        return Answer(
            body, tuple((n, p) for n, p in positions if p is not None), self._until,
            tuple(sorted(self._passed.items())), tuple(self._checks),
        )
