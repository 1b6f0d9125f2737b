"""Processes opening one PostgreSQL event store at the same moment: two relays, or a relay and its reader process."""

from __future__ import annotations

import threading

from app.config.clock import system_clock
from app.config.settings import Settings
from app.write.ledger import Ledger, open_ledger

OPENERS = 8


def test_ledgers_opened_at_once_on_one_schema_all_open(postgres_url: str) -> None:
    settings = Settings(database_url=postgres_url)
    open_ledger(settings, system_clock).close()  # the tables exist; the library still replaces its function
    start = threading.Barrier(OPENERS)
    opened: list[Ledger] = []
    failures: list[BaseException] = []

    def open_one() -> None:
        start.wait()
        try:
            opened.append(open_ledger(settings, system_clock))
        except BaseException as error:  # noqa: BLE001 - every failure is the test's finding
            failures.append(error)

    threads = [threading.Thread(target=open_one) for _ in range(OPENERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for ledger in opened:
        ledger.close()
    assert failures == []
    assert len(opened) == OPENERS
