"""DataLoaders: a nested field read for every parent a response holds in one statement, not one per parent."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from strawberry.dataloader import DataLoader

from app.read.reader import Reader
from projections.sql import Query

BatchQuery = Query[..., Any]
"""A read of a projection's queries for many keys at once: the found value of each key (a key may be missing)."""


class Loaders:
    """One request's loaders, one per batch query, made when a field first asks for it.

    They batch but do not cache: a WebSocket connection keeps its context across operations, and a cached
    answer would outlive the read models' next step.
    """

    def __init__(self, reader: Reader) -> None:
        self._reader = reader
        self._made: dict[BatchQuery, DataLoader[Hashable, Any]] = {}

    def of(self, query: BatchQuery) -> DataLoader[Hashable, Any]:
        loader = self._made.get(query)
        if loader is None:
            loader = self._made[query] = DataLoader(load_fn=self._loading(query), cache=False)
        return loader

    def _loading(self, query: BatchQuery) -> Callable[[list[Hashable]], Any]:
        async def load(keys: list[Hashable]) -> list[Any]:
            wanted = list(dict.fromkeys(keys))
            found = await self._reader.fetch(query, wanted)
            return [found.get(key) for key in keys]

        return load
