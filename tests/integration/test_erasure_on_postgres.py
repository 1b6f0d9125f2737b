"""Erasure on PostgreSQL: personal data ingested in bulk (the COPY path) is sealed, an erasure deletes its key in the
transaction that records it, the rebuilt read models show it erased, and `docket verify` still passes."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError

from app.config.database import Database
from app.config.settings import Settings
from app.integrity.verify import sign_head
from app.read.rebuild.run import rebuild
from app.runtime.wiring import Runtime, open_runtime
from app.write import unit_of_work
from app.write.detections import READ_AHEAD_MOST
from app.write.postgres_event_store import COPY_FROM
from app.write.subject_keys import PostgresKeys, SubjectKey, new_keys
from domain.account_data import ERASED, AccountData
from domain.detection import Detection, DetectionFacts
from domain.errors import ConflictError
from domain.report import Notice, ReporterKind
from domain.values import ContentType, DetectionSource, Subject
from tests.integration.test_tamper_evidence import KEY, docket_verify
from tests.support import MovableClock

pytestmark = pytest.mark.postgres

ACCOUNTS = 4


def email(n: int) -> str:
    return f"person{n}@example.test"


def facts(runtime: Runtime, n: int) -> DetectionFacts:
    return DetectionFacts(
        subject=Subject("trust_safety", "pin", f"pin-{n}"), account_id=f"acct-{n % ACCOUNTS}", policy_key="spam",
        source=DetectionSource.CLASSIFIER, external_id=f"clf-{n}", confidence=0.9, model="spam-clf",
        content_type=ContentType.TEXT, content=None, evidence={"email": email(n)}, detected_at=runtime.ledger.clock(),
    )


def query(url: str, statement: str, *params: object) -> list[tuple[Any, ...]]:
    with psycopg.connect(Database.parse(url).conninfo()) as connection:
        return list(connection.execute(statement.encode(), params).fetchall())


@pytest.fixture
def runtime(postgres_url: str, clock: MovableClock) -> Iterator[Runtime]:
    """A ledger with a bulk ingest of detections (written by COPY) and a report, across ACCOUNTS accounts."""
    opened = open_runtime(Settings(database_url=postgres_url, checkpoint_key=KEY), clock=clock)
    opened.ledger.record_detections([facts(opened, n) for n in range(COPY_FROM)], "pipeline")
    notice = Notice(Subject("trust_safety", "pin", "pin-0"), "acct-0", "user-9", ReporterKind.USER, "spam",
                    "Her number is +33 6 12 34 56 78")
    opened.ledger.submit_report(notice, "k-1", "intake")
    yield opened
    opened.close()


def test_bulk_ingested_personal_data_is_stored_sealed_and_reads_back(runtime: Runtime, postgres_url: str) -> None:
    stored = b"".join(bytes(r[0]) for r in query(postgres_url, "SELECT state FROM docket_events"))
    evidence = [e.event.facts.evidence for e in runtime.ledger.read_events(0, 1000) if hasattr(e.event, "facts")]

    assert email(7).encode() not in stored and b"+33 6 12" not in stored
    assert evidence == [{"email": email(n)} for n in range(COPY_FROM)]
    assert query(postgres_url, "SELECT count(*) FROM subject_keys") == [(ACCOUNTS,)]


def test_after_erasure_the_key_is_gone_the_rebuild_shows_it_erased_and_verify_passes(
    runtime: Runtime, postgres_url: str
) -> None:
    runtime.ledger.erase_account_data("acct-0", "GDPR Art. 17", "dpo:maria")
    runtime.projector.catch_up()
    assert sign_head(runtime.projector, runtime.store) is not None

    rebuild(runtime, ["reports"], batch=50)

    kept = query(postgres_url, "SELECT account_id FROM subject_keys ORDER BY 1")
    assert kept == [("acct-1",), ("acct-2",), ("acct-3",)]
    assert query(postgres_url, "SELECT text, reporter_id FROM reports") == [(ERASED, "user-9")]
    evidence = {e.event.facts.external_id: e.event.facts.evidence
                for e in runtime.ledger.read_events(0, 1000) if hasattr(e.event, "facts")}
    assert evidence["clf-0"] == {"erased": ERASED} and evidence["clf-1"] == {"email": email(1)}
    result = docket_verify(postgres_url)
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_erasure_whose_event_is_not_stored_keeps_the_key(runtime: Runtime, postgres_url: str) -> None:
    data = AccountData.register("acct-1", "dpo:maria", runtime.ledger.clock())
    data.erase("GDPR Art. 17", True, "dpo:maria", runtime.ledger.clock())
    stored = [runtime.ledger.mapper.to_stored_event(e) for e in data.collect_events()]

    with pytest.raises(IntegrityError):  # the same event twice: the insert fails, and its transaction with it
        runtime.ledger.recorder.insert_events([*stored, stored[-1]])

    assert ("acct-1",) in query(postgres_url, "SELECT account_id FROM subject_keys")


def test_the_analyst_role_cannot_read_the_keys(runtime: Runtime, postgres_url: str) -> None:
    assert query(postgres_url, "SELECT has_table_privilege('docket_analyst', 'subject_keys', 'SELECT')") == [(False,)]


@pytest.mark.parametrize("size", [1, COPY_FROM])
def test_a_key_first_made_by_another_writer_meanwhile_wins_and_seals_the_retry(
    runtime: Runtime, postgres_url: str, size: int
) -> None:
    other = open_runtime(Settings(database_url=postgres_url), clock=runtime.ledger.clock)
    try:
        # The other writer looked for acct-9's key before this one stored its own: it makes one too.
        keyring = other.ledger.keyring
        read, read_with, looked = keyring.store.current, keyring.read_with, []

        def current(account_ids: Sequence[str]) -> dict[str, SubjectKey]:
            looked.append(account_ids)
            return {} if len(looked) == 1 else read(account_ids)

        def read_as_well(account_ids: Sequence[str], found: dict[str, SubjectKey]) -> None:
            looked.append(account_ids)
            read_with(account_ids, {} if len(looked) == 1 else found)

        keyring.store.current = current  # type: ignore[method-assign]
        keyring.read_with = read_as_well  # type: ignore[method-assign,assignment]
        runtime.ledger.record_detection(_of_account(runtime, 1000, "acct-9"), "pipeline")

        other.ledger.record_detections([_of_account(other, 2000 + n, "acct-9") for n in range(size)], "pipeline")

        assert len(looked) == 2  # its first save failed on the key, and ran again
        assert query(postgres_url, "SELECT count(*) FROM subject_keys WHERE account_id = 'acct-9'") == [(1,)]
        fresh = open_runtime(Settings(database_url=postgres_url), clock=runtime.ledger.clock)
        try:
            evidence = _evidence_of(fresh, "acct-9")
        finally:
            fresh.close()
        assert evidence == [{"email": email(n)} for n in [1000, *range(2000, 2000 + size)]]
    finally:
        other.close()


def test_a_key_made_for_a_save_that_fails_is_neither_stored_nor_used_again(
    runtime: Runtime, postgres_url: str
) -> None:
    detection = _of_account(runtime, 3000, "acct-8")
    recorder = runtime.ledger.recorder
    failing = type(recorder).insert_events

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise IntegrityError("as if a concurrent writer had stored it")

    recorder.insert_events = fail  # type: ignore[method-assign]
    with pytest.raises(ConflictError):
        runtime.ledger.record_detection(detection, "pipeline")
    recorder.insert_events = lambda *a, **k: failing(recorder, *a, **k)  # type: ignore[method-assign]
    assert query(postgres_url, "SELECT count(*) FROM subject_keys WHERE account_id = 'acct-8'") == [(0,)]

    runtime.ledger.record_detection(detection, "pipeline")

    assert query(postgres_url, "SELECT count(*) FROM subject_keys WHERE account_id = 'acct-8'") == [(1,)]
    assert _evidence_of(runtime, "acct-8") == [{"email": email(3000)}]


def _of_account(runtime: Runtime, n: int, account_id: str) -> DetectionFacts:
    return replace(facts(runtime, n), account_id=account_id)


def _evidence_of(runtime: Runtime, account_id: str) -> list[Any]:
    """The evidence of the account's detections, as the ledger reads it back."""
    recorded = [e.event for e in runtime.ledger.read_events(0, 10_000) if isinstance(e.event, Detection.Recorded)]
    return [e.facts.evidence for e in recorded if e.facts.account_id == account_id]


@pytest.mark.parametrize("batch", [1, 12])
def test_writers_racing_to_make_the_same_accounts_keys_all_record_with_one_key_each(
    runtime: Runtime, postgres_url: str, batch: int
) -> None:
    writers, each = 6, 12
    failures: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            for start in range(0, each, batch):  # the same new accounts in the same order: their first keys collide
                runtime.ledger.record_detections([
                    _of_account(runtime, 10_000 * (writer + 1) + n, f"race-{n}") for n in range(start, start + batch)
                ], "w")
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert query(postgres_url, "SELECT count(*), count(DISTINCT account_id) FROM subject_keys "
                               "WHERE account_id LIKE %s", "race-%") == [(each, each)]
    assert sum(len(_evidence_of(runtime, f"race-{n}")) for n in range(each)) == writers * each


@pytest.mark.parametrize(("size", "before_the_write"), [
    (1, ["load"]),
    (8, ["load"]),
    # A bulk write's (COPY_FROM events or more) new keys are stored ahead, so that it never runs again for them; read
    # with what it loads, they are not read again (a batch of more than READ_AHEAD_MOST detections loads its subjects,
    # and their accounts' keys, in a second round trip).
    (COPY_FROM // 2, ["load", "keys stored alone"]),
    (READ_AHEAD_MOST + 1, ["load", "load", "keys stored alone"]),
])
def test_detections_of_new_accounts_read_their_keys_with_what_they_load_and_store_them_with_their_write(
    runtime: Runtime, postgres_url: str, monkeypatch: pytest.MonkeyPatch, size: int, before_the_write: list[str]
) -> None:
    trips: list[str] = []
    select_events_of, current, add = unit_of_work._select_events_of, PostgresKeys.current, PostgresKeys.add

    def load(*args: Any) -> Any:
        trips.append("load")
        return select_events_of(*args)

    def read_alone(keys: PostgresKeys, account_ids: Sequence[str]) -> dict[str, SubjectKey]:
        trips.append("keys read alone")
        return current(keys, account_ids)

    def store_alone(keys: PostgresKeys, made: Sequence[SubjectKey]) -> set[str]:
        trips.append("keys stored alone")
        return add(keys, made)

    monkeypatch.setattr(PostgresKeys, "current", read_alone)
    monkeypatch.setattr(PostgresKeys, "add", store_alone)
    monkeypatch.setattr(unit_of_work, "_select_events_of", load)
    accounts = [f"acct-new-{n}" for n in range(size)]

    runtime.ledger.record_detections(
        [_of_account(runtime, 4000 + n, account) for n, account in enumerate(accounts)], "pipeline"
    )

    assert trips == before_the_write
    assert query(postgres_url, "SELECT count(*) FROM subject_keys WHERE account_id = ANY(%s)", accounts) == [(size,)]
    assert [_evidence_of(runtime, a) for a in accounts] == [[{"email": email(4000 + n)}] for n in range(size)]


def test_keys_added_together_are_stored_in_one_go_and_an_account_keeps_its_own(runtime: Runtime) -> None:
    keys = PostgresKeys(runtime.ledger.recorder)  # type: ignore[arg-type]
    [first] = new_keys(["acct-k1"])
    assert keys.add([first]) == {"acct-k1"}
    again, *others = new_keys([f"acct-k{n}" for n in range(1, 300)])

    stored = keys.add([again, *others])

    assert stored == {k.account_id for k in others}
    assert keys.current(["acct-k1", "acct-k2", "acct-k299"]) == {
        "acct-k1": first, "acct-k2": others[0], "acct-k299": others[-1]
    }
