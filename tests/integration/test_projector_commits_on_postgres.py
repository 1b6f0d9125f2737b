"""The projector's steps on PostgreSQL commit without waiting for their WAL to reach the disk: what a crash loses of
them (rows and position together) is projected again from the ledger."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import pytest

from app.config.settings import Settings
from app.read.projector import Projector
from app.runtime.wiring import Runtime, open_runtime
from projections.base import Projection
from projections.batch import Batch
from projections.sql import Sql
from tests.history import write_history

pytestmark = pytest.mark.postgres


class Durability(Projection):
    """Notes, in each batch's transaction, whether its commit will wait for the disk."""

    name = "durability_probe"
    tables = ()
    event_types = ()
    raw: ClassVar[bool] = True

    def __init__(self) -> None:
        self.seen: list[str] = []

    def apply_batch(self, events: Batch, sql: Sql) -> None:
        sql.execute("SELECT current_setting('synchronous_commit')")
        self.seen.append(str(sql.fetchall()[0][0]))


@pytest.fixture
def runtime(postgres_url: str) -> Iterator[Runtime]:
    opened = open_runtime(Settings(database_url=postgres_url))
    yield opened
    opened.close()


def test_a_step_commits_without_waiting_for_the_disk_and_other_transactions_still_wait(runtime: Runtime) -> None:
    write_history(runtime.ledger, 3)
    probe = Durability()

    Projector(runtime.ledger, runtime.store, [probe]).catch_up()

    assert probe.seen == ["off"]
    with runtime.store.transaction() as sql:
        sql.execute("SELECT current_setting('synchronous_commit')")
        assert sql.fetchall() == [("on",)]
