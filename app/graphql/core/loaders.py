"""DataLoaders: a nested field read for every parent a response holds in one statement, not one per parent."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

from starlette.concurrency import run_in_threadpool
from strawberry.dataloader import DataLoader

from app.read.store import ReadStore, read
from projections.sql import Sql

BatchQuery = Callable[[Sql, Sequence[Any]], Mapping[Any, Any]]
"""A read of a projection's queries for many keys at once: the found value of each key (a key may be missing)."""


class Loaders:
    """One request's loaders, one per batch query, made when a field first asks for it.

    They batch but do not cache: a WebSocket connection keeps its context across operations, and a cached
    answer would outlive the read models' next step.
    """

    def __init__(self, store: ReadStore) -> None:
        self._store = store
        self._made: dict[BatchQuery, DataLoader[Hashable, Any]] = {}

    def of(self, query: BatchQuery) -> DataLoader[Hashable, Any]:
        loader = self._made.get(query)
        if loader is None:
            loader = self._made[query] = DataLoader(load_fn=self._loading(query), cache=False)
        return loader

    def _loading(self, query: BatchQuery) -> Callable[[list[Hashable]], Any]:
        async def load(keys: list[Hashable]) -> list[Any]:
            wanted = list(dict.fromkeys(keys))
            found = await run_in_threadpool(read, self._store, query, wanted)
            return [found.get(key) for key in keys]

        return load
