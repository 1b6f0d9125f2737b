"""`docket relay` as operators run it, against a real nats-server, read back with a nats-py consumer: every event
exactly once and in ledger order, after a SIGKILL and a restart past the duplicate window, after NATS was down, and
with a stream configuration NATS refuses."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx
import nats
import pytest
from nats.js.api import StreamConfig
from nats.js.errors import NotFoundError

from app.config.settings import Settings
from app.fanout.envelope import event_id
from app.runtime.wiring import Runtime, open_runtime
from bench.servers import DOCKET, clean_env, free_port
from tests.history import write_history

NATS_URL = "nats://127.0.0.1:4222"
WINDOW = 1.0
"""The duplicate window of the streams these tests make: seconds, so that a restart can come after it."""
DEADLINE = 120.0


def _reachable(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def nats_url() -> str:
    """The NATS server with JetStream on 127.0.0.1:4222; in CI a missing one fails the test."""
    if not _reachable(4222):
        if os.environ.get("CI"):
            pytest.fail("NATS is required in CI and is not reachable on 127.0.0.1:4222")
        pytest.skip("NATS is not reachable on 127.0.0.1:4222")
    return NATS_URL


@pytest.fixture
def stream() -> Iterator[Stream]:
    """A stream name and subject prefix of this test's own, deleted at the end."""
    token = uuid.uuid4().hex[:10]
    made = Stream(f"T_{token}".upper(), f"t{token}")
    yield made
    made.delete(NATS_URL)


@dataclass(frozen=True)
class Stream:
    name: str
    prefix: str

    def env(self, database_url: str, nats_url: str) -> dict[str, str]:
        return clean_env(
            DOCKET_DATABASE_URL=database_url, DOCKET_NATS_URL=nats_url, DOCKET_NATS_STREAM=self.name,
            DOCKET_NATS_SUBJECT_PREFIX=self.prefix, DOCKET_NATS_DUPLICATE_WINDOW=str(WINDOW),
        )

    def held(self, url: str) -> int:
        """How many messages the stream holds; 0 before it exists."""
        return asyncio.run(_held(url, self.name))

    def read(self, url: str) -> list[Any]:
        """Every message of the stream, in order, through an ephemeral pull consumer."""
        return asyncio.run(_read(url, self.name, self.prefix, self.held(url)))

    def delete(self, url: str) -> None:
        if _reachable(int(url.rsplit(":", 1)[1])):
            asyncio.run(_delete(url, self.name))


async def _held(url: str, name: str) -> int:
    connection = await nats.connect(url)
    try:
        return (await connection.jsm().stream_info(name)).state.messages
    except NotFoundError:
        return 0
    finally:
        await connection.close()


async def _read(url: str, name: str, prefix: str, count: int) -> list[Any]:
    connection = await nats.connect(url)
    try:
        inbox = await connection.jetstream().pull_subscribe(f"{prefix}.>", stream=name)
        found: list[Any] = []
        while len(found) < count:
            batch = await inbox.fetch(min(500, count - len(found)), timeout=10)
            for message in batch:
                await message.ack()
            found += batch
        return found
    finally:
        await connection.close()


async def _delete(url: str, name: str) -> None:
    connection = await nats.connect(url)
    try:
        with suppress(NotFoundError):
            await connection.jsm().delete_stream(name)
    finally:
        await connection.close()


@contextmanager
def relay(cwd: Path, env: dict[str, str], *args: str) -> Iterator[Relay]:
    """`docket relay` in the background, its log in a file; killed at the end if still running."""
    log = cwd / f"relay-{uuid.uuid4().hex[:6]}.log"
    with log.open("w") as sink:
        process = subprocess.Popen([DOCKET, "relay", *args], cwd=cwd, env=env, stdout=sink, stderr=sink, text=True)
        try:
            yield Relay(process, log)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=15)


@dataclass(frozen=True)
class Relay:
    process: subprocess.Popen[str]
    log: Path

    def printed(self) -> str:
        return self.log.read_text()

    def stop(self) -> None:
        """SIGTERM, as an operator stops it: it finishes what it publishes and exits 0."""
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(timeout=30) == 0, self.printed()
        assert "docket relay: stopped" in self.printed()


def wait_until(condition: Callable[[], bool], what: str, relayed: Relay | None = None) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        log = "" if relayed is None else "; its log:\n" + relayed.printed()[-3000:]
        assert time.monotonic() < deadline, f"timed out waiting until {what}{log}"
        time.sleep(0.02)


def ledger(runtime: Runtime) -> list[tuple[str, int]]:
    """Each event's id and position, in ledger order, once the read models have it all."""
    runtime.projector.catch_up()
    return [(event_id(s.originator_id, s.originator_version), s.id) for s in runtime.ledger.read_stored(0, 1_000_000)]


def published(messages: list[Any]) -> list[tuple[str, int]]:
    return [(m.headers["Nats-Msg-Id"], int(m.headers["Docket-Position"])) for m in messages]


@pytest.fixture
def writer(database_url: str) -> Iterator[Runtime]:
    """A ledger with a history written through its commands; the test projects it (`ledger`) when it likes."""
    runtime = open_runtime(Settings(database_url=database_url))
    yield runtime
    runtime.close()


def test_a_relay_killed_mid_stream_and_restarted_after_the_duplicate_window_publishes_each_event_once_in_order(
    writer: Runtime, database_url: str, nats_url: str, stream: Stream, tmp_path: Path
) -> None:
    write_history(writer.ledger, 1200, batch=50, subjects=500)
    events = ledger(writer)
    written_first = len(events)
    env = stream.env(database_url, nats_url)

    with relay(tmp_path, env) as first:
        orphan = reader_of(first)
        wait_until(lambda: stream.held(nats_url) > 0, "the relay has published", first)
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=15)
    killed_at = stream.held(nats_url)
    wait_until(lambda: ended(orphan), "the killed relay's reader process has ended")
    time.sleep(WINDOW * 1.5)  # JetStream no longer remembers the ids it was sent: only the relay can avoid doubles

    with relay(tmp_path, env) as second:
        wait_until(lambda: stream.held(nats_url) == len(events), "the restarted relay has caught up", second)
        write_history(writer.ledger, 100, batch=20, run="after-the-restart")  # followed live
        events = ledger(writer)
        wait_until(lambda: stream.held(nats_url) == len(events), "the relay has followed the head", second)
        second.stop()

    assert 0 < killed_at < written_first, "the relay was not killed mid-stream"
    assert f"after ledger position {events[killed_at - 1][1]}" in second.printed()
    messages = stream.read(nats_url)
    assert published(messages) == events
    assert all(re.fullmatch(rf"{stream.prefix}\.(_|[a-z][a-z0-9_]*)\.[a-z_]+\.[a-z_]+", m.subject) for m in messages)
    assert any(m.subject == f"{stream.prefix}.trust_safety.case.decided" for m in messages)


def test_a_relay_whose_reader_process_is_killed_starts_another_and_publishes_each_event_once_in_order(
    writer: Runtime, database_url: str, nats_url: str, stream: Stream, tmp_path: Path
) -> None:
    write_history(writer.ledger, 1200, batch=50, subjects=500)
    events = ledger(writer)

    with relay(tmp_path, stream.env(database_url, nats_url)) as relayed:
        wait_until(lambda: stream.held(nats_url) > 0, "the relay has published", relayed)
        killed = reader_of(relayed)
        os.kill(killed, signal.SIGKILL)
        write_history(writer.ledger, 100, batch=20, run="after-the-kill")  # the reader is needed, wherever it was
        events = ledger(writer)
        wait_until(lambda: stream.held(nats_url) == len(events), "the relay has published everything", relayed)
        replacement = reader_of(relayed)
        relayed.stop()

    assert "the relay's reader process ended (exit code -9); retrying" in relayed.printed()
    assert replacement != killed
    assert ended(replacement), "the relay left its reader process behind"
    assert published(stream.read(nats_url)) == events


def reader_of(relayed: Relay) -> int:
    """The pid of the relay's reader process, its only child."""
    found: list[int] = []

    def forked() -> bool:
        found[:] = [int(p.name) for p in Path("/proc").iterdir()
                    if p.name.isdigit() and _status(p)[1:2] == [str(relayed.process.pid)]]
        return len(found) == 1

    wait_until(forked, "the relay has its reader process", relayed)
    return found[0]


def ended(pid: int) -> bool:
    """Whether process `pid` has exited: it is gone, or a zombie no parent has reaped yet."""
    return _status(Path(f"/proc/{pid}"))[:1] in ([], ["Z"])


def _status(process: Path) -> list[str]:
    """The fields of a process's /proc stat after its command's name (its state, its parent, ...); none once gone."""
    with suppress(OSError):
        return (process / "stat").read_text().rpartition(")")[2].split()
    return []


def test_two_relays_publishing_to_one_stream_at_once_leave_each_event_once_in_order(
    writer: Runtime, database_url: str, nats_url: str, stream: Stream, tmp_path: Path
) -> None:
    write_history(writer.ledger, 1500, batch=50, subjects=500)
    events = ledger(writer)
    env = stream.env(database_url, nats_url)

    with relay(tmp_path, env) as first, relay(tmp_path, env) as second:
        wait_until(lambda: stream.held(nats_url) == len(events), "the relays have published everything", second)
        first.stop()
        second.stop()

    assert published(stream.read(nats_url)) == events


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[OwnNats]:
    """A nats-server of this test's own, on a free port, started and stopped by the test."""
    binary = shutil.which("nats-server") or "/usr/sbin/nats-server"
    if not Path(binary).exists():
        if os.environ.get("CI"):
            pytest.fail("nats-server is required in CI and is not installed")
        pytest.skip("nats-server is not installed")
    server = OwnNats(binary, free_port(), tmp_path / "jetstream")
    yield server
    server.stop()


@dataclass
class OwnNats:
    binary: str
    port: int
    store: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: _reachable(self.port), "nats-server listens")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None


def metrics(port: int) -> dict[str, float]:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return {name: float(value) for name, value in re.findall(r"^(docket_relay_\w+) (\S+)$", text, flags=re.M)}


def test_while_nats_is_down_the_relay_retries_says_so_and_catches_up_when_it_is_back_losing_nothing(
    sqlite_url: str, own_nats: OwnNats, stream: Stream, tmp_path: Path
) -> None:
    runtime = open_runtime(Settings(database_url=sqlite_url))
    try:
        write_history(runtime.ledger, 200, batch=20)
        events = ledger(runtime)
        port = free_port()
        with relay(tmp_path, stream.env(sqlite_url, own_nats.url), "--metrics-port", str(port)) as relayed:
            wait_until(lambda: relayed.printed().count("unreachable") >= 3, "the relay has retried", relayed)
            down = metrics(port)
            own_nats.start()
            wait_until(lambda: stream.held(own_nats.url) == len(events), "the relay has caught up", relayed)
            up, up_to = metrics(port), len(events)

            own_nats.stop()  # mid-session, with more to publish
            write_history(runtime.ledger, 100, batch=20, run="while-nats-is-down")
            events = ledger(runtime)
            wait_until(lambda: metrics(port)["docket_relay_nats_connected"] == 0, "the relay has noticed", relayed)
            own_nats.start()
            wait_until(lambda: stream.held(own_nats.url) == len(events), "the relay has caught up again", relayed)
            relayed.stop()
        messages = stream.read(own_nats.url)
    finally:
        runtime.close()

    assert down["docket_relay_nats_connected"] == 0 and down["docket_relay_failures_total"] >= 3
    assert up["docket_relay_nats_connected"] == 1 and up["docket_relay_published_total"] == up_to
    assert published(messages) == events
    log = relayed.printed()
    assert re.search(rf"NATS at {own_nats.url} unreachable \(\w+Error: .+\); retrying in 0\.5s", log), log
    assert "retrying in 1.0s" in log and "retrying in 2.0s" in log


def test_a_stream_nats_refuses_is_said_and_tried_again_until_it_is_accepted(
    sqlite_url: str, nats_url: str, stream: Stream, tmp_path: Path
) -> None:
    runtime = open_runtime(Settings(database_url=sqlite_url))
    squatter = Stream(f"{stream.name}_OTHER", stream.prefix)
    try:
        events = ledger(runtime)
        asyncio.run(_add(nats_url, squatter.name, f"{stream.prefix}.>"))  # it captures the relay's subjects first
        with relay(tmp_path, stream.env(sqlite_url, nats_url)) as relayed:
            wait_until(lambda: relayed.printed().count("NATS refused to create stream") >= 2, "it has retried", relayed)
            assert relayed.process.poll() is None
            squatter.delete(nats_url)
            wait_until(lambda: stream.held(nats_url) == len(events), "the relay has published", relayed)
            relayed.stop()
    finally:
        squatter.delete(nats_url)
        runtime.close()

    assert f"NATS refused to create stream {stream.name} on {stream.prefix}.>: " in relayed.printed()
    assert published(stream.read(nats_url)) == events


async def _add(url: str, name: str, subjects: str) -> None:
    connection = await nats.connect(url)
    try:
        await connection.jsm().add_stream(StreamConfig(name=name, subjects=[subjects]))
    finally:
        await connection.close()


def test_a_stream_another_ledger_fills_is_refused_rather_than_continued(
    tmp_path: Path, nats_url: str, stream: Stream
) -> None:
    """Two ledgers with the same starter catalog and one event of their own each: the second relay finds that the
    stream's last message is not its ledger's event at that position, says so and publishes nothing after it."""
    urls = [f"sqlite:///{tmp_path / name}.db" for name in ("first", "second")]
    counts = []
    for url in urls:
        runtime = open_runtime(Settings(database_url=url))
        try:
            runtime.ledger.warn_reporter(f"reporter-{url}", "Unfounded notices.", "lead:ann")  # one event of its own
            counts.append(len(ledger(runtime)))
        finally:
            runtime.close()
    with relay(tmp_path, stream.env(urls[0], nats_url)) as first:
        wait_until(lambda: stream.held(nats_url) == counts[0], "the first ledger is published", first)
        first.stop()
    with relay(tmp_path, stream.env(urls[1], nats_url)) as second:
        wait_until(lambda: "is not this ledger's event at that position" in second.printed(), "it refuses", second)
        assert second.process.poll() is None
        second.stop()

    assert stream.held(nats_url) == counts[0]
