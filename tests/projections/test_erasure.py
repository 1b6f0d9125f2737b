"""Read models after an account's data is erased: rebuilt from the same stored events, its personal data reads as
ERASED and its enforcement record stays."""

import re
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, Mapper, UUIDAsHex

from app.config.database import Database
from app.read.migrations import migrate
from app.read.store import ReadStore, open_read_store
from app.write.sealing import Keyring, Sealed, SealedAsObject, SealingMapper
from app.write.subject_keys import KEY_BYTES, SubjectKey, new_keys
from app.write.transcodings import LedgerTranscoder, register_value_types
from domain.account_data import ERASED, ERASED_OBJECT, AccountData
from domain.appeal import Appeal
from domain.case import Case
from domain.detection import Detection
from domain.policy import Policy
from domain.report import Notice, Report, ReporterKind
from projections.appeals.projection import AppealsProjection
from projections.audit_trail.projection import AuditTrailProjection
from projections.base import Projection
from projections.case_status.projection import CaseStatusProjection
from projections.reports.projection import ReportsProjection
from projections.review_queue.projection import ReviewQueueProjection
from tests.domain.factories import (
    ACCOUNT,
    DOMAIN,
    POLICY_KEY,
    SUBJECT,
    T0,
    at,
    facts,
    terms,
    violating,
)
from tests.projections.feed import Feed

PHONE = "+33 6 12 34 56 78"
EMAIL = "jane.doe@example.test"


class MemoryKeys:
    """The subject keys table, in memory: what the event store's shredding deletes, a test deletes by hand."""

    def __init__(self) -> None:
        self.keys: dict[str, SubjectKey] = {}
        self.reads = 0

    def current(self, account_ids: Sequence[str]) -> dict[str, SubjectKey]:
        return {a: self.keys[a] for a in account_ids if a in self.keys}

    def add(self, keys: Sequence[SubjectKey]) -> set[str]:
        return {k.account_id for k in keys if self.keys.setdefault(k.account_id, k) is k}

    def by_ids(self, key_ids: Sequence[str]) -> dict[str, SubjectKey]:
        self.reads += 1
        return {k.key_id: k for k in self.keys.values() if k.key_id in key_ids}


def sealing_mapper(keys: MemoryKeys) -> Mapper[UUID]:
    """The ledger's mapper and transcoder, on `keys`, with a keyring of its own (a process of its own)."""
    keyring = Keyring(lambda: keys)
    transcoder = LedgerTranscoder()
    for transcoding in (UUIDAsHex(), DatetimeAsISO(), DecimalAsStr(), SealedAsObject(keyring)):
        transcoder.register(transcoding)
    register_value_types(transcoder)
    return SealingMapper(keyring, transcoder=transcoder)


def projections() -> tuple[Projection, ...]:
    return (ReportsProjection(), ReviewQueueProjection(), CaseStatusProjection(), AuditTrailProjection(),
            AppealsProjection())


def migrated(path: Path) -> ReadStore:
    store = open_read_store(Database.parse(f"sqlite:///{path}"))
    migrate(store)
    return store


def one(feed: Feed, statement: str, *params: object) -> tuple[object, ...]:
    def query(sql: object) -> tuple[object, ...]:
        sql.execute(statement, params)  # type: ignore[attr-defined]
        return tuple(sql.fetchone())  # type: ignore[attr-defined]

    return feed.read(query)


@pytest.fixture
def keys() -> MemoryKeys:
    return MemoryKeys()


@pytest.fixture
def history(store: ReadStore, keys: MemoryKeys) -> Feed:
    """An account's history with personal data in a report, a note and evidence, and a decision with its strike."""
    feed = Feed(store, *projections(), mapper=sealing_mapper(keys))
    policy = Policy.publish(DOMAIN, POLICY_KEY, terms(), "policy:carol", T0)
    feed.save(policy)
    case = Case.open(SUBJECT, ACCOUNT, "reviewer:alice", T0)
    detection = Detection.record(facts(evidence={"email": EMAIL}), 1, "svc:classifier", T0)
    notice = Notice(SUBJECT, ACCOUNT, "user-9", ReporterKind.USER, "spam", f"Her number is {PHONE}")
    report = Report.submit(notice, "k-1", "svc:intake", at(minutes=1))
    case.add_note(None, f"Called her at {PHONE}", "reviewer:alice", at(minutes=2))
    feed.save(case, detection, report)
    case.decide(UUID(int=7), policy, violating(), [detection], ACCOUNT, "reviewer:alice", at(minutes=3))
    appeal = Appeal.file(case, UUID(int=7), f"Call me on {PHONE}", timedelta(days=30), None, "svc:appeals", at(days=1))
    feed.save(case, appeal)
    return feed


def erase(feed: Feed, keys: MemoryKeys) -> None:
    """What `eraseAccountData` does: the key deleted, the erasure recorded."""
    del keys.keys[ACCOUNT]
    data = AccountData.register(ACCOUNT, "admin:root", at(days=1))
    data.erase("GDPR Art. 17", False, "admin:root", at(days=1))
    feed.save(data)


def test_before_erasure_the_read_models_show_the_personal_data(history: Feed) -> None:
    assert one(history, "SELECT text FROM reports") == (f"Her number is {PHONE}",)
    assert one(history, "SELECT note FROM review_notes WHERE kind = 'NOTE'") == (f"Called her at {PHONE}",)
    assert one(history, "SELECT statement FROM appeals") == (f"Call me on {PHONE}",)


def test_the_erasure_blanks_what_the_read_models_copied_at_once(history: Feed, keys: MemoryKeys) -> None:
    erase(history, keys)

    assert one(history, "SELECT text FROM reports") == (ERASED,)
    assert one(history, "SELECT statement, status FROM appeals") == (ERASED, "PENDING")
    assert one(history, "SELECT summary FROM event_index WHERE type = 'Case.NoteAdded'") == (f"note: {ERASED}",)
    assert one(history, "SELECT outcome, live FROM decisions") == ("VIOLATING", True)


def test_rebuilt_after_erasure_personal_data_reads_as_erased_and_decisions_remain(
    history: Feed, keys: MemoryKeys, tmp_path: Path
) -> None:
    erase(history, keys)

    rebuilt = Feed(migrated(tmp_path / "rebuilt.db"), *projections(), mapper=sealing_mapper(keys))
    rebuilt.notifications(history.stored)

    assert one(rebuilt, "SELECT text, reporter_id FROM reports") == (ERASED, "user-9")
    assert one(rebuilt, "SELECT note FROM review_notes WHERE kind = 'NOTE'") == (ERASED,)
    assert one(rebuilt, "SELECT statement FROM appeals") == (ERASED,)
    assert one(rebuilt, "SELECT outcome, live, account_id FROM decisions") == ("VIOLATING", True, ACCOUNT)
    assert one(rebuilt, "SELECT count(*) FROM event_index WHERE summary LIKE ?", f"%{PHONE}%") == (0,)
    assert one(rebuilt, "SELECT summary FROM event_index WHERE type = 'AccountData.Erased'") == (
        "account's personal data erased (key deleted): GDPR Art. 17",
    )
    decoded = [rebuilt.mapper.to_domain_event(n) for n in history.stored]
    (evidence,) = [e.facts.evidence for e in decoded if isinstance(e, Detection.Recorded)]
    assert evidence == {"erased": ERASED}


def test_stored_events_never_hold_the_personal_data_in_clear(history: Feed) -> None:
    stored = b"".join(n.state for n in history.stored)

    assert PHONE.encode() not in stored
    assert EMAIL.encode() not in stored
    assert b"user-9" in stored  # reporter identity stays in clear (see domain.personal_data)


def test_a_page_of_stored_events_has_its_keys_read_in_one_round_trip(history: Feed, keys: MemoryKeys) -> None:
    other = Detection.record(facts(account_id="acct-2", external_id="clf-2", evidence={"email": EMAIL}), 1, "a", T0)
    history.save(other)
    mapper = sealing_mapper(keys)
    assert isinstance(mapper, SealingMapper)
    keys.reads = 0

    mapper.keyring.prefetch(n.state for n in history.stored)
    decoded = [mapper.to_domain_event(n) for n in history.stored]

    assert keys.reads == 1
    assert [e.facts.evidence for e in decoded if isinstance(e, Detection.Recorded)] == [{"email": EMAIL}] * 2


def test_a_process_reading_the_erasure_forgets_the_key_it_held(history: Feed, keys: MemoryKeys) -> None:
    reader = sealing_mapper(keys)
    before = [reader.to_domain_event(n) for n in history.stored]
    erase(history, keys)

    reader.to_domain_event(history.stored[-1])  # the erasure, as the projector or a subscriber reads it
    after = [reader.to_domain_event(n) for n in history.stored[: len(before)]]

    assert [e.text for e in before if isinstance(e, Report.Submitted)] == [f"Her number is {PHONE}"]
    assert [e.text for e in after if isinstance(e, Report.Submitted)] == [ERASED]


def test_a_held_key_opens_what_it_sealed_with_one_cipher_until_its_account_is_forgotten(keys: MemoryKeys) -> None:
    keyring = Keyring(lambda: keys)
    sealed = SealedAsObject(keyring)
    stored = [sealed.encode(Sealed({"email": EMAIL, "n": n}, ACCOUNT)) for n in range(3)]

    opened = [sealed.decode(dict(s)) for s in stored]
    ciphers = [keyring.opening(s["k"]) for s in stored]
    keyring.forget(ACCOUNT)

    assert opened == [{"email": EMAIL, "n": n} for n in range(3)]
    assert ciphers[0] is not None and all(c is ciphers[0] for c in ciphers)
    assert keyring.opening(stored[0]["k"]) is None
    assert sealed.decode(dict(stored[0])) == ERASED_OBJECT


def test_new_keys_are_aes_256_each_named_by_random_bytes_of_its_own_in_hex() -> None:
    keys = [*new_keys([f"acct-{n}" for n in range(100)]), *(new_keys(["acct-1"])[0] for _ in range(100))]
    assert all(len(k.key) == KEY_BYTES and re.fullmatch("[0-9a-f]{32}", k.key_id) for k in keys)
    assert len({k.key for k in keys}) == len({k.key_id for k in keys}) == len(keys)
    assert not any(bytes.fromhex(k.key_id)[:8] in k.key for k in keys)  # the id tells nothing of the key
    assert [k.account_id for k in keys[:100]] == [f"acct-{n}" for n in range(100)]
