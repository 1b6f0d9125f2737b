"""A graphql-transport-ws client for the API tests, over the real app's WebSocket."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from starlette.testclient import WebSocketTestSession

from tests.support import Api

LEDGER_EVENTS = """
subscription($after: String, $filter: EventFilter) {
  ledgerEvents(after: $after, filter: $filter) { position type data }
}
"""


@contextmanager
def connected(api: Api, token: str | None, header: bool = False) -> Iterator[WebSocketTestSession]:
    """An acknowledged connection; the token goes in connection_init, or with `header` in the upgrade request."""
    headers = {"Authorization": f"Bearer {token}"} if header and token else {}
    payload = {"Authorization": f"Bearer {token}"} if token and not header else {}
    with api.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"], headers=headers) as ws:
        ws.send_json({"type": "connection_init", "payload": payload})
        assert ws.receive_json()["type"] == "connection_ack"
        yield ws


def subscribe(ws: WebSocketTestSession, query: str, variables: dict[str, Any] | None = None, id: str = "1") -> None:
    ws.send_json({"id": id, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}})


def next_events(ws: WebSocketTestSession, count: int) -> list[dict[str, Any]]:
    """The next `count` events the subscription delivers."""
    events: list[dict[str, Any]] = []
    while len(events) < count:
        message = ws.receive_json()
        assert message["type"] == "next", message
        events.append(message["payload"]["data"]["ledgerEvents"])
    return events
