"""What `ledgerEvents` subscribers asking alike share of an event: a result without errors, executed once and written
once, and sent as strawberry would have written it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from graphql import ExecutionResult, GraphQLError

from app.auth.tokens import TokenRegistry, create_token
from app.fanout.envelope import Envelope
from app.graphql.audit.types import LedgerEvent
from app.graphql.core.multiplexed import Asked, Multiplexed
from app.graphql.schema import build_schema
from app.http.asgi import Subscriptions

ASKED = Asked("subscription { ledgerEvents { position } }", None, "{}", frozenset({"subscriber"}), frozenset({"*"}))


def executions(multiplexed: Multiplexed[Any], event: object, asked: Asked | None, result: ExecutionResult,
               times: int) -> int:
    """How many of `times` subscribers' results for `event` were executed."""
    executed: list[ExecutionResult] = []

    def execute() -> ExecutionResult:
        executed.append(result)
        return result

    for _ in range(times):
        multiplexed.result(event, asked, execute)
    return len(executed)


def shared_event(multiplexed: Multiplexed[Any]) -> object:
    return multiplexed.event(cast(Envelope, object()))


def test_an_event_is_executed_once_for_every_subscriber_asking_alike() -> None:
    multiplexed = Multiplexed(lambda _: object())
    event = shared_event(multiplexed)

    assert executions(multiplexed, event, ASKED, ExecutionResult({"ledgerEvents": {"position": "7"}}), 3) == 1


def test_a_result_with_errors_is_executed_for_each_subscriber_alone() -> None:
    multiplexed = Multiplexed(lambda _: object())
    failed = ExecutionResult({"ledgerEvents": None}, [GraphQLError("coded with each subscriber's request id")])

    assert executions(multiplexed, shared_event(multiplexed), ASKED, failed, 2) == 2


def test_an_event_nobody_shares_or_a_subscriber_unlike_any_other_is_executed_each_time() -> None:
    multiplexed = Multiplexed(lambda _: object())
    result = ExecutionResult({"ledgerEvents": {"position": "7"}})

    assert executions(multiplexed, object(), ASKED, result, 2) == 2
    assert executions(multiplexed, shared_event(multiplexed), None, result, 2) == 2


def test_the_oldest_events_results_are_let_go_past_the_events_kept() -> None:
    multiplexed = Multiplexed(lambda _: object(), keep=2)
    oldest = shared_event(multiplexed)
    result = ExecutionResult({"ledgerEvents": {"position": "7"}})
    executions(multiplexed, oldest, ASKED, result, 1)
    for _ in range(2):
        shared_event(multiplexed)

    assert multiplexed.text(result.data) is None
    assert executions(multiplexed, oldest, ASKED, result, 2) == 2


def test_a_shared_result_goes_out_as_the_message_strawberry_writes_for_it(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.toml"
    create_token(tokens, "alice", ["admin"], ["*"])
    view = Subscriptions(build_schema(), TokenRegistry(tokens), max_message=1_000)
    view.multiplexed = cast(Multiplexed[LedgerEvent], Multiplexed(lambda _: object()))
    data = {"ledgerEvents": {"position": "7", "data": {"note": "é \"quoted\"", "values": [1, None, 2.5]}}}
    result = view.multiplexed.result(shared_event(view.multiplexed), ASKED, lambda: ExecutionResult(data))
    messages = [{"id": f"op-{n}", "type": "next", "payload": {"data": result.data}} for n in range(2)]
    unshared_data = json.loads(json.dumps(data))
    unshared = {"id": "op-9", "type": "next", "payload": {"data": unshared_data}}
    with_errors = {"id": "op-9", "type": "next", "payload": {"data": result.data, "errors": [{"message": "no"}]}}

    for message in (*messages, unshared, with_errors):
        assert view.encode_json(message) == json.dumps(message, separators=(",", ":"))
    assert view.multiplexed.text(result.data) is view.multiplexed.text(result.data)
    assert view.multiplexed.text(unshared_data) is None
