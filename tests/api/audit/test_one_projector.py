"""Of the processes serving one database, one projects (/healthz says which), and another takes over when it stops."""

from __future__ import annotations

import os
import time
from contextlib import ExitStack
from pathlib import Path

from starlette.testclient import TestClient

from app.auth.tokens import create_token
from app.config.settings import Settings
from app.http.asgi import create_app
from app.runtime.wiring import open_runtime
from tests.api.ledger_api import CASE, record_detection, subject
from tests.support import Api, MovableClock

TAKEOVER = 15.0
"""Seconds a standing-by process may take to project once the projecting one is gone (it tries every 2 s)."""


def projecting(client: TestClient) -> bool:
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["worker"] == os.getpid()
    return bool(health["projecting"])


def test_a_second_process_reads_its_writes_from_the_projecting_one_and_takes_over_when_it_stops(
    database_url: str, clock: MovableClock, tmp_path: Path
) -> None:
    tokens_file = tmp_path / "tokens.toml"
    token = create_token(tokens_file, "alice", ["admin"], ["*"])
    settings = Settings(database_url=database_url, tokens_file=tokens_file)
    open_runtime(settings, clock=clock).close()
    with ExitStack() as stack:
        first = stack.enter_context(ExitStack())
        leader = first.enter_context(TestClient(create_app(settings, clock=clock)))
        other = stack.enter_context(TestClient(create_app(settings, clock=clock)))
        assert (projecting(leader), projecting(other)) == (True, False)
        follower = Api(client=other, token=token, clock=clock)
        written = record_detection(follower, externalId="through-the-follower", subject=subject("pin-f"))
        found = follower.data(CASE, {"subject": subject("pin-f"), "minPosition": written["position"]})["case"]
        assert found["detections"] == [{"id": written["id"], "source": "CLASSIFIER"}]

        first.close()
        deadline = time.monotonic() + TAKEOVER
        while not projecting(other):
            assert time.monotonic() < deadline, "no process took over projecting"
            time.sleep(0.1)
        written = record_detection(follower, externalId="after-the-takeover", subject=subject("pin-t"))
        found = follower.data(CASE, {"subject": subject("pin-t"), "minPosition": written["position"]})["case"]
        assert found["detections"] == [{"id": written["id"], "source": "CLASSIFIER"}]
