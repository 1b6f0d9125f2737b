"""`docket serve` under uvicorn: ledgerEvents subscribers replaying the ledger leave queries their turn.

Only a real server shows it: the test client's WebSocket pauses the app at every message it sends, uvicorn's does
not (until the client stops reading), so a subscriber could keep the event loop for as long as it had events.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2 as httpx
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from bench.servers import Server, admin_server
from tests.api.ledger_api import RECORD_DETECTIONS, detection_wave
from tests.api.subscriber import LEDGER_EVENTS

SUBSCRIBERS = 30
WAVES = 3
"""Waves of 1,000 detections: each subscriber replays 3,000 events and more."""


class Reader:
    """Reads every message of a socket in a thread of its own, as a client that keeps up does; counts them."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.received = 0
        self.began = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for _ in self.ws:
                self.received += 1
                self.began.set()
        except ConnectionClosed:
            pass

    def join(self) -> None:
        self._thread.join(timeout=30)


def post(server: Server, token: str, query: str, variables: dict[str, object] | None = None) -> None:
    response = httpx.post(
        server.graphql_url, json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}"}, timeout=60,
    )
    assert response.status_code == 200 and "errors" not in response.json(), response.text


@contextmanager
def subscribed(server: Server, token: str) -> Iterator[ClientConnection]:
    """One socket, acknowledged, with SUBSCRIBERS subscriptions to the whole ledger on it."""
    url = server.graphql_url.replace("http", "ws", 1)
    with connect(url, subprotocols=[Subprotocol(GRAPHQL_TRANSPORT_WS_PROTOCOL)], max_size=None) as ws:
        ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(ws.recv())["type"] == "connection_ack"
        for id in range(SUBSCRIBERS):
            ws.send(json.dumps({"id": str(id), "type": "subscribe", "payload": {"query": LEDGER_EVENTS}}))
        yield ws


def test_queries_answer_while_thirty_subscribers_on_one_socket_replay_the_ledger(
    database_url: str, tmp_path: Path
) -> None:
    """Each query answers within 2 s while the replay goes on.

    A subscriber used to execute and send a whole page of 500 events without letting the event loop run anything
    else, so a query waited behind thirty such pages at each of its steps: these queries took 4.6 to 24 s on a
    loaded 2-CPU machine. Now that subscribers pause after each event, the slowest took 0.6 s there: 2 s leaves a
    wide margin, and is still far below what starved queries waited.
    """
    with admin_server(tmp_path, database_url) as (server, token):
        for wave in range(WAVES):
            post(server, token, RECORD_DETECTIONS, {"inputs": detection_wave(str(wave), 1000)})
        with subscribed(server, token) as ws:
            reader = Reader(ws)
            assert reader.began.wait(timeout=60), "no subscriber began its replay"
            waits: list[float] = []
            for _ in range(5):
                started = time.monotonic()
                post(server, token, "{ health { head } }")
                waits.append(time.monotonic() - started)
                time.sleep(0.2)
            received = reader.received
        reader.join()

    assert max(waits) < 2.0, f"queries waited {', '.join(f'{w:.1f}' for w in waits)} s"
    assert received < SUBSCRIBERS * WAVES * 1000, "the replay was over before the last query: nothing competed"
