"""`docket project`'s worker loop stops cleanly on request, whatever the database answers at the end."""

from __future__ import annotations

import threading

import psycopg
import pytest

from app.runtime.wiring import Runtime
from app.runtime.worker import ProjectionWorker


def test_a_stopped_worker_that_cannot_read_the_positions_still_stops_and_says_so(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines: list[str] = []
    worker = ProjectionWorker(runtime, poll_interval=0.05, report=lines.append)
    stop = threading.Event()
    stop.set()
    read = runtime.projector.positions

    def positions_then_none() -> dict[str, int]:
        monkeypatch.setattr(runtime.projector, "positions", unreadable)
        return read()

    def unreadable() -> dict[str, int]:
        raise psycopg.OperationalError("couldn't get a connection after 2.00 sec")

    monkeypatch.setattr(runtime.projector, "positions", positions_then_none)
    worker.run(stop)

    assert lines[0].startswith("projecting ")
    assert lines[-1] == "stopped at positions unknown (OperationalError: couldn't get a connection after 2.00 sec)"
