"""Tamper evidence as an auditor meets it: alter the stored events with SQL, then run `docket verify`.

Each PostgreSQL test builds a ledger in its own schema (with a gap in its positions, as a
rolled-back write leaves), chains and signs it, tampers with `docket_events` directly, and
expects `docket verify` to exit 1 naming the first bad position and what happened there.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from app.config.database import Database
from app.config.settings import Settings
from app.integrity.verify import sign_head
from app.runtime.wiring import Runtime, open_runtime
from domain.case import Verdict
from domain.detection import DetectionFacts
from domain.values import (
    Action,
    ActionType,
    ContentType,
    DetectionSource,
    Outcome,
    Subject,
)
from projections.ledger_chain import hashing
from tests.support import MovableClock

DOCKET = str(Path(sys.executable).with_name("docket"))
KEY = "auditors-only checkpoint key"


def docket_verify(url: str, *args: str, key: str | None = KEY) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKET_")}
    env["DOCKET_DATABASE_URL"] = url
    if key is not None:
        env["DOCKET_CHECKPOINT_KEY"] = key
    return subprocess.run(
        [DOCKET, "verify", *args], check=False, env=env, capture_output=True, text=True, timeout=120
    )


def record(runtime: Runtime, n: int) -> None:
    """A detection on a pin and a VIOLATING decision on it: several events across aggregates."""
    subject = Subject("trust_safety", "pin", f"pin-{n}")
    facts = DetectionFacts(
        subject=subject, account_id=f"user-{n % 3}", policy_key="spam", source=DetectionSource.CLASSIFIER,
        external_id=f"clf-{n}", confidence=0.95, model="spam-clf", content_type=ContentType.IMAGE, content=None,
        evidence={"score": 0.95}, detected_at=runtime.ledger.clock(),
    )
    detection = runtime.ledger.record_detection(facts, "pipeline").detection
    verdict = Verdict(outcome=Outcome.VIOLATING, actions=(Action(ActionType.REMOVE),), rationale="Link farm.",
                      idempotency_key=f"review-{n}")
    runtime.ledger.decide(subject, "spam", verdict, [detection.id], None, "reviewer")


@dataclass(frozen=True)
class Ledger:
    url: str
    positions: list[int]
    gap: int
    """A position no event has: its sequence value went to a write that rolled back."""

    def sql(self, statement: str, params: tuple[Any, ...] = ()) -> None:
        with psycopg.connect(Database.parse(self.url).conninfo(), autocommit=True) as connection:
            connection.execute(statement.encode(), params)


def rolled_back_write(url: str) -> None:
    """Takes a position from the sequence and rolls back, as a failed write does."""
    with psycopg.connect(Database.parse(url).conninfo()) as connection:
        connection.execute(
            "INSERT INTO docket_events (originator_id, originator_version, topic, state) "
            "VALUES (gen_random_uuid(), 1, 'x', ''::bytea)"
        )
        connection.rollback()


def stored_positions(url: str) -> list[int]:
    with psycopg.connect(Database.parse(url).conninfo()) as connection:
        return [r[0] for r in connection.execute("SELECT notification_id FROM docket_events ORDER BY 1")]


@pytest.fixture
def ledger(postgres_url: str, clock: MovableClock) -> Ledger:
    """A chained and signed ledger on PostgreSQL, with a gap in its positions."""
    runtime = open_runtime(Settings(database_url=postgres_url, checkpoint_key=KEY), clock=clock)
    try:
        for n in range(4):
            record(runtime, n)
        rolled_back_write(postgres_url)
        for n in range(4, 8):
            record(runtime, n)
        runtime.projector.catch_up()
        assert sign_head(runtime.projector, runtime.store) is not None
    finally:
        runtime.close()
    positions = stored_positions(postgres_url)
    gaps = sorted(set(range(1, positions[-1])) - set(positions))
    assert len(gaps) == 1
    return Ledger(postgres_url, positions, gaps[0])


def assert_tampered(result: subprocess.CompletedProcess[str], position: int, kind: str) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    first = result.stdout.splitlines()[0]
    assert first == f"TAMPERED at position {position}: {kind}", result.stdout
    return result.stdout


@pytest.mark.postgres
def test_an_untouched_ledger_verifies_clean(ledger: Ledger) -> None:
    result = docket_verify(ledger.url)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(
        f"verified: chain checked for {len(ledger.positions)} events; signatures checked: 1 checkpoint, "
        "covering them all\n"
    )
    assert f"events verified     {len(ledger.positions)}\n" in result.stdout
    assert f"ledger head         {ledger.positions[-1]}\n" in result.stdout
    assert f"latest checkpoint   position {ledger.positions[-1]}, chain hash " in result.stdout
    assert "checkpoints checked 1\n" in result.stdout


def record_later(ledger: Ledger, clock: MovableClock, chain: bool = False) -> int:
    """Records more events after the fixture's checkpoint (chained if `chain`, but not signed); returns how many."""
    runtime = open_runtime(Settings(database_url=ledger.url, checkpoint_key=KEY), clock=clock, prepare=False)
    try:
        record(runtime, 100)
        if chain:
            runtime.projector.catch_up()  # signs nothing: the newest checkpoint is not 5 minutes old
    finally:
        runtime.close()
    return len(stored_positions(ledger.url)) - len(ledger.positions)


@pytest.mark.postgres
def test_events_stored_after_the_chain_are_not_yet_chained_not_tampered(ledger: Ledger, clock: MovableClock) -> None:
    unchained = record_later(ledger, clock)

    result = docket_verify(ledger.url)

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"not yet chained     {unchained} (stored after the chain's position; not tampering)" in result.stdout
    assert f"chain position      {ledger.positions[-1]}\n" in result.stdout

    signed = docket_verify(ledger.url, "--checkpoint")
    assert signed.returncode == 0, signed.stdout + signed.stderr
    head = stored_positions(ledger.url)[-1]
    assert f"signed checkpoint   position {head}, chain hash " in signed.stdout
    assert "not yet chained     0\n" in docket_verify(ledger.url).stdout


@pytest.mark.postgres
def test_events_chained_after_the_newest_checkpoint_are_named_as_not_yet_signed(
    ledger: Ledger, clock: MovableClock
) -> None:
    unsigned = record_later(ledger, clock, chain=True)

    result = docket_verify(ledger.url)

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"1 checkpoint, covering all but the {unsigned} chained since the newest\n" in result.stdout


@pytest.mark.postgres
def test_a_modified_event_is_found(ledger: Ledger) -> None:
    position = ledger.positions[5]
    ledger.sql("UPDATE docket_events SET state = state || '\\x20'::bytea WHERE notification_id = %s", (position,))

    out = assert_tampered(docket_verify(ledger.url), position, "modified")
    assert "events verified     5 (before the finding)" in out


@pytest.mark.postgres
def test_a_deleted_event_is_found(ledger: Ledger) -> None:
    position = ledger.positions[7]
    ledger.sql("DELETE FROM docket_events WHERE notification_id = %s", (position,))

    assert_tampered(docket_verify(ledger.url), position, "deleted")


@pytest.mark.postgres
def test_an_event_inserted_at_an_unused_position_is_found(ledger: Ledger) -> None:
    ledger.sql(
        "INSERT INTO docket_events (originator_id, originator_version, topic, state, notification_id) "
        "SELECT gen_random_uuid(), 1, topic, state, %s FROM docket_events WHERE notification_id = %s",
        (ledger.gap, ledger.positions[2]),
    )

    out = assert_tampered(docket_verify(ledger.url), ledger.gap, "inserted")
    assert "a position the chain never saw" in out


@pytest.mark.postgres
def test_two_swapped_events_are_found_as_reordered(ledger: Ledger) -> None:
    first, second = ledger.positions[3], ledger.positions[9]
    ledger.sql(
        "UPDATE docket_events AS e SET state = o.state FROM docket_events AS o "
        "WHERE (e.notification_id, o.notification_id) IN ((%s, %s), (%s, %s))",
        (first, second, second, first),
    )

    out = assert_tampered(docket_verify(ledger.url), first, "reordered")
    assert f"position {first} holds the event content chained at position {second}" in out


@pytest.mark.postgres
def test_events_rewritten_with_their_chain_rows_disagree_with_the_signed_checkpoint(ledger: Ledger) -> None:
    """A forger who recomputes the chain after altering an event still cannot sign for it."""
    position = ledger.positions[4]
    ledger.sql("UPDATE docket_events SET state = state || '\\x20'::bytea WHERE notification_id = %s", (position,))
    with psycopg.connect(Database.parse(ledger.url).conninfo()) as connection:
        stored = connection.execute(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM docket_events ORDER BY 1"
        ).fetchall()
        previous = hashing.GENESIS
        for n, originator_id, version, topic, state in stored:
            state_sha = hashing.state_hash(bytes(state))
            event_sha = hashing.event_hash(n, originator_id, version, topic, state_sha)
            previous = hashing.chain_hash(previous, event_sha)
            connection.execute(
                "UPDATE ledger_chain SET state_hash = %s, event_hash = %s, chain_hash = %s WHERE position = %s",
                (state_sha, event_sha, previous, n),
            )

    out = assert_tampered(docket_verify(ledger.url), ledger.positions[-1], "rewritten")
    assert f"events verified     {len(ledger.positions) - 1} (before the finding)" in out


@pytest.mark.postgres
def test_a_checkpoint_does_not_verify_with_another_key_and_none_is_refused(ledger: Ledger) -> None:
    out = assert_tampered(docket_verify(ledger.url, key="some other key"), ledger.positions[-1], "bad-signature")
    assert f"signed by key {hashing.key_id(KEY.encode())}" in out

    missing = docket_verify(ledger.url, key=None)
    assert missing.returncode == 2
    assert "DOCKET_CHECKPOINT_KEY" in missing.stderr


@pytest.mark.postgres
def test_a_chain_cut_back_below_an_expected_checkpoint_is_found(ledger: Ledger) -> None:
    clean = docket_verify(ledger.url)
    expect = clean.stdout.split("--expect ", 1)[1].split(")", 1)[0]
    assert docket_verify(ledger.url, "--expect", expect).returncode == 0

    ledger.sql("DELETE FROM ledger_checkpoints")
    ledger.sql("DELETE FROM ledger_chain WHERE position > %s", (ledger.positions[3],))

    # Without the checkpoints or the auditor's memory, the shorter chain holds but nothing vouches for it.
    assert docket_verify(ledger.url).returncode == 2
    assert_tampered(docket_verify(ledger.url, "--expect", expect), ledger.positions[-1], "missing-checkpoint")


@pytest.mark.postgres
def test_without_a_key_only_the_chain_is_checked_and_verify_says_so(postgres_url: str, clock: MovableClock) -> None:
    runtime = open_runtime(Settings(database_url=postgres_url), clock=clock)  # no key: nothing gets signed
    try:
        record(runtime, 0)
        runtime.projector.catch_up()
        chained = len(stored_positions(postgres_url))
    finally:
        runtime.close()

    result = docket_verify(postgres_url, key=None)

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout.startswith(
        f"NOT fully verified: chain checked for {chained} events; signatures NOT checked: no checkpoint key "
        "(set DOCKET_CHECKPOINT_KEY)\n"
    )
    assert "every stored event is as chained and signed" not in result.stdout


def test_without_checkpoints_verify_says_signatures_were_not_checked_until_one_is_signed(
    database_url: str, clock: MovableClock
) -> None:
    runtime = open_runtime(Settings(database_url=database_url, checkpoint_key=KEY), clock=clock)
    try:
        for n in range(2):
            record(runtime, n)
        runtime.projector.catch_up()
        with runtime.store.transaction() as sql:
            sql.execute("DELETE FROM ledger_checkpoints")
        head = runtime.ledger.head()
    finally:
        runtime.close()

    unsigned = docket_verify(database_url)
    signing = docket_verify(database_url, "--checkpoint")
    signed = docket_verify(database_url)

    assert unsigned.returncode == 2, unsigned.stdout + unsigned.stderr
    assert unsigned.stdout.startswith(f"NOT fully verified: chain checked for {head} events; "
                                      "signatures NOT checked: no checkpoints (none signed yet, or all deleted;")
    assert signing.returncode == 2, signing.stdout + signing.stderr
    assert f"signed checkpoint   position {head}, " in signing.stdout
    assert signed.returncode == 0, signed.stdout + signed.stderr
    assert signed.stdout.startswith(f"verified: chain checked for {head} events; signatures checked: 1 checkpoint")


def test_verify_on_the_embedded_sqlite_default(tmp_path: Path, clock: MovableClock) -> None:
    url = f"sqlite:///{tmp_path / 'docket.db'}"
    runtime = open_runtime(Settings(database_url=url), clock=clock)
    try:
        for n in range(3):
            record(runtime, n)
        runtime.projector.catch_up()
        assert sign_head(runtime.projector, runtime.store) is not None
        head = runtime.ledger.head()
    finally:
        runtime.close()

    clean = docket_verify(url, key=None)  # the key file beside the database
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert f"events verified     {head}\n" in clean.stdout

    with sqlite3.connect(tmp_path / "docket.db") as connection:
        connection.execute("DELETE FROM stored_events WHERE rowid = ?", (head - 2,))
    assert_tampered(docket_verify(url, key=None), head - 2, "deleted")
