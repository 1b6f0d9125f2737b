"""`docket deliver` against a real HTTP receiver on 127.0.0.1: signatures the standardwebhooks library verifies,
each subject's events in order, retries on 500 and timeouts, Retry-After, 410, dead letters and redelivery, endpoints
failing for days, and a deliverer killed mid-stream that resumes and loses nothing."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook as Verifier

from app.config.settings import Settings
from app.fanout.webhooks import outbox
from app.fanout.webhooks.commands import WebhookCommands, WebhookWritten
from app.fanout.webhooks.deliverer import Deliverer
from app.fanout.webhooks.outbox import Delivery, DeliveryStatus
from app.fanout.webhooks.schedule import Schedule
from app.runtime.wiring import Runtime, open_runtime
from bench.servers import DOCKET, clean_env
from domain.webhook import Webhook, WebhookFilter
from tests.history import write_history
from tests.integration.webhook_receiver import Call, Reply, receiving

FAST = Schedule(delays=(0.05, 0.05), jitter=0.0)
"""Three attempts a few hundredths of a second apart: the shipped schedule's shape without its hours."""
DEADLINE = 30.0


def settings(database_url: str, **changes: object) -> Settings:
    return Settings(database_url=database_url, webhook_allow_http=True, webhook_allowed_networks=("127.0.0.1/32",),
                    **changes)  # type: ignore[arg-type]


@pytest.fixture
def runtime(database_url: str) -> Iterator[Runtime]:
    """On SQLite and on PostgreSQL."""
    runtime = open_runtime(settings(database_url, webhook_timeout=1.0))
    yield runtime
    runtime.close()


@contextmanager
def delivering(runtime: Runtime, schedule: Schedule = FAST, clock: Callable[[], datetime] | None = None
               ) -> Iterator[Deliverer]:
    """The deliverer on a thread of its own, stopped at the end."""
    deliverer = Deliverer(runtime, schedule, clock=clock or (lambda: datetime.now(UTC)), poll=0.05)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    thread = threading.Thread(target=loop.run_until_complete, args=(deliverer.run(stop),), daemon=True)
    thread.start()
    try:
        yield deliverer
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=10)
        loop.close()


def create(runtime: Runtime, url: str, **filter: tuple[str, ...]) -> WebhookWritten:
    written = WebhookCommands(runtime).create(url, WebhookFilter(**filter), "serving team", None, "admin")
    runtime.projector.catch_up()
    return written


def deliveries(runtime: Runtime, webhook: Webhook, status: DeliveryStatus | None = None) -> list[Delivery]:
    with runtime.store.transaction(write=False) as sql:
        return outbox.deliveries(sql, str(webhook.id), status, 0, 10_000)


def until(condition: Callable[[], object], what: str, deadline: float = DEADLINE) -> None:
    ends = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > ends:
            pytest.fail(f"waited {deadline:g}s for {what}")
        time.sleep(0.05)


def positions(calls: list[Call]) -> list[int]:
    return [int(json.loads(c.body)["docketposition"]) for c in calls]


def test_every_selected_event_arrives_signed_once_and_in_order_per_subject(runtime: Runtime) -> None:
    with receiving() as receiver:
        hook = create(runtime, receiver.url(), domains=("trust_safety",))
        other = create(runtime, receiver.url("/all"))
        write_history(runtime.ledger, detections=40, subjects=6, accounts=3)
        runtime.projector.catch_up()
        with delivering(runtime):
            until(lambda: deliveries(runtime, hook.webhook) and not deliveries(runtime, hook.webhook,
                  DeliveryStatus.PENDING) and not deliveries(runtime, other.webhook, DeliveryStatus.PENDING),
                  "every delivery")
        calls = receiver.to("/hook")
        assert hook.secret is not None and hook.secret.startswith("whsec_")
        verifier = Verifier(hook.secret)
        envelopes = [verifier.verify(c.body, c.headers) for c in calls]  # raises unless signed with its secret
        assert {e["docketdomain"] for e in envelopes} == {"trust_safety"}
        assert [c.headers["webhook-id"] for c in calls] == [e["id"] for e in envelopes]
        assert len({e["id"] for e in envelopes}) == len(envelopes) == len(deliveries(runtime, hook.webhook))
        by_subject: dict[str, list[int]] = {}
        for envelope in envelopes:
            by_subject.setdefault(envelope.get("subject", ""), []).append(int(envelope["docketposition"]))
        assert all(p == sorted(p) for p in by_subject.values())
        assert len(receiver.to("/all")) > len(calls)  # events of no domain's and the others too
        log = deliveries(runtime, hook.webhook)
        assert {d.status for d in log} == {DeliveryStatus.DELIVERED} and {d.last_status_code for d in log} == {200}


def test_a_rotated_secret_signs_beside_the_old_one_for_the_grace_period(runtime: Runtime) -> None:
    with receiving() as receiver:
        hook = create(runtime, receiver.url())
        rotated = WebhookCommands(runtime).rotate_secret(hook.webhook.id, timedelta(hours=1), None, "admin")
        runtime.projector.catch_up()
        write_history(runtime.ledger, detections=2, subjects=1, accounts=1)
        runtime.projector.catch_up()
        with delivering(runtime):
            until(lambda: receiver.calls, "a call")
        call = receiver.calls[0]
        assert len(call.headers["webhook-signature"].split(" ")) == 2
        for secret in (hook.secret, rotated.secret):
            assert secret is not None
            Verifier(secret).verify(call.body, call.headers)


def test_a_failing_endpoint_is_retried_then_dead_lettered_and_redelivered(runtime: Runtime) -> None:
    healthy = threading.Event()

    def script(_call: Call, _n: int) -> Reply:
        return Reply() if healthy.is_set() else Reply(500, body=b"x" * 1_000_000)

    with receiving(script) as receiver:
        hook = create(runtime, receiver.url(), event_types=("Case.Opened",))
        write_history(runtime.ledger, detections=1, subjects=1, accounts=1, run="dl")
        runtime.projector.catch_up()
        with delivering(runtime):
            until(lambda: deliveries(runtime, hook.webhook) and not deliveries(runtime, hook.webhook,
                  DeliveryStatus.PENDING), "the dead-letter list")
            dead = deliveries(runtime, hook.webhook, DeliveryStatus.DEAD)
            assert dead and all(d.attempts == FAST.attempts for d in dead)
            with runtime.store.transaction(write=False) as sql:
                log = outbox.attempts_of(sql, str(hook.webhook.id), [dead[0].position])[dead[0].position]
            assert [a.status_code for a in log] == [500, 500, 500]
            assert all(a.response_excerpt is not None and len(a.response_excerpt) == outbox.MAX_EXCERPT for a in log)
            assert [a.next_attempt_at is None for a in log] == [False, False, True]
            healthy.set()
            with runtime.store.transaction() as sql:
                assert outbox.redeliver(sql, str(hook.webhook.id), None, datetime.now(UTC)) == len(dead)
            until(lambda: len(deliveries(runtime, hook.webhook, DeliveryStatus.DELIVERED)) == len(dead),
                  "the redelivered events")


def test_retry_after_is_honoured_and_a_timeout_counts_as_a_failure(runtime: Runtime) -> None:
    def script(call: Call, n: int) -> Reply:
        if call.path == "/slow" and n == 0:
            return Reply(delay=2.0)
        if call.path == "/busy" and n == 0:
            return Reply(429, {"Retry-After": "1"})
        return Reply()

    with receiving(script) as receiver:
        busy = create(runtime, receiver.url("/busy"), event_types=("Case.Opened",))
        slow = create(runtime, receiver.url("/slow"), event_types=("Case.Opened",))
        write_history(runtime.ledger, detections=1, subjects=1, accounts=1, run="ra")
        runtime.projector.catch_up()
        with delivering(runtime):
            until(lambda: len(receiver.to("/busy")) >= 2 and len(receiver.to("/slow")) >= 2, "the retries")
        first = receiver.to("/busy")[0]
        second = next(c for c in receiver.to("/busy")[1:] if c.headers["webhook-id"] == first.headers["webhook-id"])
        assert second.at - first.at >= 0.95  # not the schedule's 0.05 s
        log = deliveries(runtime, slow.webhook)
        with runtime.store.transaction(write=False) as sql:
            attempts = outbox.attempts_of(sql, str(slow.webhook.id), [log[0].position])[log[0].position]
        assert attempts[0].error == "no answer within 1s" and attempts[0].status_code is None
        assert deliveries(runtime, busy.webhook)[0].status is DeliveryStatus.DELIVERED


def test_a_call_goes_to_the_address_checked_whatever_the_name_resolves_to_afterwards(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolved: list[str] = []
    resolve = socket.getaddrinfo

    def rebinding(host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        """hooks.example.test resolves to 127.0.0.1 twice (the check at creation, then the deliverer's), then to
        the cloud metadata address: what a rebinding attacker's DNS answers."""
        if host != "hooks.example.test":
            return resolve(host, port, *args, **kwargs)
        resolved.append("127.0.0.1" if len(resolved) < 2 else "169.254.169.254")
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (resolved[-1], port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with receiving() as receiver:
        url = receiver.url().replace("127.0.0.1", "hooks.example.test")
        hook = create(runtime, url, event_types=("Case.Opened",))
        write_history(runtime.ledger, detections=1, subjects=1, accounts=1, run="rebind")
        runtime.projector.catch_up()
        with delivering(runtime):
            until(lambda: receiver.calls, "the call")
            until(lambda: deliveries(runtime, hook.webhook, DeliveryStatus.DELIVERED), "the delivery logged")
        assert resolved == ["127.0.0.1", "127.0.0.1"]  # resolved once to be checked and connected to
        assert receiver.calls[0].headers["host"] == url.split("/")[2]

        monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *a, **k: [
            (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("169.254.169.254", port))])
        write_history(runtime.ledger, detections=2, seed=9, subjects=50, accounts=1, run="rebound")  # new cases
        runtime.projector.catch_up()
        with delivering(runtime):
            until(lambda: any(d.last_error for d in deliveries(runtime, hook.webhook)), "the refused attempt")
        refused = next(d for d in deliveries(runtime, hook.webhook) if d.last_error)
        assert refused.last_error is not None and "resolves to 169.254.169.254" in refused.last_error
        assert len(receiver.calls) == 1


def test_410_disables_the_endpoint_and_its_deliveries_wait(runtime: Runtime) -> None:
    with receiving(lambda _call, _n: Reply(410)) as receiver:
        hook = create(runtime, receiver.url())
        write_history(runtime.ledger, detections=3, subjects=1, accounts=1, run="gone")
        runtime.projector.catch_up()
        with delivering(runtime):
            until(lambda: not WebhookCommands(runtime).get(hook.webhook.id).enabled, "the endpoint disabled")
            calls = len(receiver.calls)
            time.sleep(0.5)
        webhook = WebhookCommands(runtime).get(hook.webhook.id)
        assert webhook.disabled_reason == "the endpoint answered 410 Gone"
        assert len(receiver.calls) == calls <= runtime.settings.webhook_concurrency  # those under way at the 410
        assert len(deliveries(runtime, hook.webhook, DeliveryStatus.DEAD)) == calls
        assert deliveries(runtime, hook.webhook, DeliveryStatus.PENDING)


def test_an_endpoint_failing_for_five_days_is_disabled_and_says_so(runtime: Runtime) -> None:
    offset = [timedelta(0)]

    def clock() -> datetime:
        return datetime.now(UTC) + offset[0]

    def script(_call: Call, n: int) -> Reply:
        offset[0] += timedelta(days=2)  # each failure two days after the one before
        return Reply(500)

    with receiving(script) as receiver:
        hook = create(runtime, receiver.url(), event_types=("Case.Opened",))
        write_history(runtime.ledger, detections=1, subjects=1, accounts=1, run="days")
        runtime.projector.catch_up()
        schedule = Schedule(delays=(0.05,) * 10, jitter=0.0)
        with delivering(runtime, schedule, clock):
            until(lambda: not WebhookCommands(runtime).get(hook.webhook.id).enabled, "the endpoint disabled")
        reason = WebhookCommands(runtime).get(hook.webhook.id).disabled_reason
        assert reason is not None and reason.endswith("for more than 5 days")
        assert 3 <= len(receiver.calls) <= 5


def test_a_killed_deliverer_resumes_and_loses_nothing(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'docket.db'}"
    runtime = open_runtime(settings(database_url))
    try:
        with receiving(lambda _call, _n: Reply(delay=0.01)) as receiver:
            hook = create(runtime, receiver.url())
            write_history(runtime.ledger, detections=150, subjects=20, accounts=5, run="kill")
            runtime.projector.catch_up()
            env = clean_env(DOCKET_DATABASE_URL=database_url, DOCKET_WEBHOOK_ALLOW_HTTP="1",
                            DOCKET_WEBHOOK_ALLOWED_NETWORKS="127.0.0.1/32")
            log = tmp_path / "deliver.log"
            with log.open("w") as sink:
                first = subprocess.Popen([DOCKET, "deliver"], cwd=tmp_path, env=env, stdout=sink, stderr=sink)
                until(lambda: len(receiver.calls) >= 20, "the first deliveries")
                first.send_signal(signal.SIGKILL)
                first.wait(timeout=10)
                sent_before = len(receiver.calls)
                second = subprocess.Popen([DOCKET, "deliver"], cwd=tmp_path, env=env, stdout=sink, stderr=sink)
                try:
                    until(lambda: deliveries(runtime, hook.webhook) and not deliveries(
                        runtime, hook.webhook, DeliveryStatus.PENDING), "the rest", deadline=60)
                finally:
                    second.send_signal(signal.SIGTERM)
                    second.wait(timeout=20)
            expected = {d.event_id for d in deliveries(runtime, hook.webhook)}
            received = [c.headers["webhook-id"] for c in receiver.calls]
            assert sent_before < len(expected)
            assert set(received) == expected  # nothing lost; an attempt cut short by the kill may come twice
            assert len(received) - len(expected) <= 8
            by_subject: dict[str, list[int]] = {}
            for call in receiver.calls:
                by_subject.setdefault(json.loads(call.body).get("subject", ""), []).append(positions([call])[0])
            assert all(p == sorted(p) for p in (list(dict.fromkeys(v)) for v in by_subject.values()))
    finally:
        runtime.close()


def test_a_second_deliverer_stands_by_and_takes_over_when_the_first_stops_sending_nothing_twice(
    runtime: Runtime, database_url: str
) -> None:
    with receiving(lambda _call, _n: Reply(delay=0.01)) as receiver:
        hook = create(runtime, receiver.url())
        write_history(runtime.ledger, detections=30, subjects=6, accounts=2, run="first")
        runtime.projector.catch_up()
        other = open_runtime(settings(database_url, webhook_timeout=1.0))
        try:
            with ExitStack() as second:
                with delivering(runtime):
                    until(lambda: receiver.calls, "the first deliverer's calls")
                    second.enter_context(delivering(other))
                    time.sleep(0.5)  # both running: the second stands by
                write_history(runtime.ledger, detections=30, subjects=6, accounts=2, run="second")
                runtime.projector.catch_up()
                until(lambda: len(deliveries(runtime, hook.webhook)) > 30 and not deliveries(
                    runtime, hook.webhook, DeliveryStatus.PENDING), "every delivery, by the second deliverer")
        finally:
            other.close()
        sent = [c.headers["webhook-id"] for c in receiver.calls]
        assert sorted(sent) == sorted({d.event_id for d in deliveries(runtime, hook.webhook)})


def test_a_slow_endpoint_holds_up_no_other(runtime: Runtime) -> None:
    def script(call: Call, _n: int) -> Reply:
        return Reply(delay=0.8) if call.path == "/slow" else Reply()

    with receiving(script) as receiver:
        slow = create(runtime, receiver.url("/slow"))
        fast = create(runtime, receiver.url("/fast"))
        write_history(runtime.ledger, detections=20, subjects=4, accounts=2, run="slow")
        runtime.projector.catch_up()
        with delivering(runtime):
            until(lambda: deliveries(runtime, fast.webhook) and not deliveries(
                runtime, fast.webhook, DeliveryStatus.PENDING), "the fast endpoint's deliveries")
            waiting = deliveries(runtime, slow.webhook, DeliveryStatus.PENDING)
        assert len(waiting) > len(deliveries(runtime, slow.webhook)) // 2
        assert len(receiver.to("/fast")) == len(deliveries(runtime, fast.webhook))


def test_a_round_takes_each_subjects_oldest_pending_delivery_in_ledger_order_up_to_the_limit(
    runtime: Runtime,
) -> None:
    first, second, disabled = (create(runtime, f"http://127.0.0.1:9/{name}").webhook for name in ("a", "b", "c"))
    WebhookCommands(runtime).disable(disabled.id, "paused", "admin")
    runtime.projector.catch_up()
    now = datetime.now(UTC)
    later, soon = now + timedelta(minutes=1), now + timedelta(seconds=10)

    def row(webhook: Webhook, position: int, subject: str, status: DeliveryStatus = DeliveryStatus.PENDING,
            next_at: datetime = now) -> tuple[object, ...]:
        return (str(webhook.id), position, f"event-{position}", "Case.Opened", subject, status.value, 0, 0, next_at,
                now, None, None, None)

    with runtime.store.transaction() as sql:
        outbox.enqueue(sql, [
            row(first, 1, "s1"), row(first, 2, "s1"),  # the second waits for the first
            row(first, 3, "s2", next_at=later), row(first, 4, "s2"),  # held back by a retry not yet due
            row(first, 5, "s3", DeliveryStatus.DELIVERED), row(first, 6, "s3"),
            row(first, 7, "s4"), row(first, 8, "s5"),  # past the limit
            row(second, 2, "s1"), row(second, 9, "s6", DeliveryStatus.DEAD), row(second, 10, "s6"),
            row(disabled, 1, "s1"), row(disabled, 11, "s7", next_at=soon),
        ], 11)
    with runtime.store.transaction() as sql:
        ready, next_at = outbox.due(sql, runtime.store.engine, now, 3)
    assert [(d.webhook_id, d.position) for d in ready] == [
        (str(first.id), 1), (str(second.id), 2), (str(first.id), 6), (str(first.id), 7), (str(second.id), 10)]
    assert next_at == later
