"""The ledger: Docket's event-sourced application, and the commands that load aggregates, ask the domain and save."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import JSONTranscoder, Mapper, Notification, Recording
from eventsourcing.utils import get_topic

from app.config.ladders import load_ladders
from app.config.settings import Settings
from app.write.appeals import Appeals
from app.write.automation import Automation
from app.write.batches import Batches
from app.write.confirmations import Confirmations
from app.write.corrections import Corrections
from app.write.deciding import Decisions
from app.write.detection_state import DetectionStates
from app.write.detections import Detections
from app.write.erasure import Erasure
from app.write.notices import Notices
from app.write.policies import Policies
from app.write.postgres_event_store import COPY_FROM
from app.write.quality import Quality
from app.write.review import Review
from app.write.sealing import Keyring, SealedAsObject, SealingMapper, accounts_sealed
from app.write.skips import Skips
from app.write.subject_keys import SubjectKey, key_store
from app.write.transcodings import LedgerTranscoder, register_value_types
from app.write.unit_of_work import UnitOfWork
from domain.base import Clock, DocketAggregate
from domain.indexes import INDEX_EVENTS
from domain.ladder import Ladder
from domain.personal_data import personal_fields

INDEX_TOPICS = frozenset(get_topic(e) for e in INDEX_EVENTS)


@dataclass(frozen=True)
class StoredEvent:
    position: int
    event: DocketAggregate.Event


class Ledger(Application[UUID]):
    """Docket's event-sourced application: policies, detections, cases and accounts.

    Each subject's commands live in a collaborator over one unit of work; the ledger answers for
    all of them under their own names (`ledger.decide` is `ledger.decisions.decide`).
    """

    name = "Docket"

    def __init__(
        self,
        env: dict[str, str],
        clock: Clock,
        ladders: Callable[[str], Ladder] | None = None,
    ) -> None:
        super().__init__(env=env)
        self.clock = clock
        self.ladders = ladders or load_ladders()
        self.listeners: list[Callable[[int], None]] = []
        self.work = UnitOfWork(self, self.write, clock, self.ladders, self.listeners, self.keyring)
        self.head = self.work.head
        self.aggregate = self.work.aggregate
        self.case_of_decision = self.work.case_of_decision
        self.find_policy = self.work.find_policy
        self.get_policy = self.work.get_policy

        self.policies = Policies(self.work)
        self.publish_policy = self.policies.publish_policy

        self.detections = Detections(self.work)
        self.record_detection = self.detections.record_detection
        self.record_detections = self.detections.record_detections

        self.decisions = Decisions(self.work)
        self.decide = self.decisions.decide

        self.appeals = Appeals(self.work)
        self.file_appeal = self.appeals.file_appeal
        self.resolve_appeal = self.appeals.resolve_appeal

        self.corrections = Corrections(self.work)
        self.reverse_decision = self.corrections.reverse_decision

        self.confirmations = Confirmations(self.work)
        self.confirm_action = self.confirmations.confirm_action

        self.batches = Batches(self.work)
        self.bulk_decide = self.batches.bulk_decide
        self.reverse_batch = self.batches.reverse_batch
        self.resume_batch = self.batches.resume_batch
        self.get_batch = self.batches.get_batch

        self.review = Review(self.work)
        self.submit_report = self.review.submit_report
        self.warn_reporter = self.review.warn_reporter
        self.suspend_reporter = self.review.suspend_reporter
        self.create_queue = self.review.create_queue
        self.update_queue = self.review.update_queue
        self.get_queue = self.review.get_queue
        self.set_routing = self.review.set_routing
        self.claim_case = self.review.claim_case
        self.renew_claim = self.review.renew_claim
        self.release_claim = self.review.release_claim
        self.escalate_case = self.review.escalate_case
        self.add_case_note = self.review.add_case_note
        self.prioritize_case = self.review.prioritize_case

        self.automation = Automation(self.work)
        self.configure_automation = self.automation.configure_automation
        self.set_automation_mode = self.automation.set_automation_mode
        self.record_evaluation = self.automation.record_evaluation
        self.protect_account = self.automation.protect_account
        self.unprotect_account = self.automation.unprotect_account

        self.erasure = Erasure(self.work, self.keyring)
        self.erase_account_data = self.erasure.erase_account_data
        self.place_legal_hold = self.erasure.place_legal_hold
        self.lift_legal_hold = self.erasure.lift_legal_hold

        self.quality = Quality(self.work)
        self.draw_qa_sample = self.quality.draw_qa_sample
        self.note_provider_failures = self.quality.note_provider_failures

        self.notices = Notices(self.work)
        self.set_account_language = self.notices.set_account_language
        self.get_notice = self.notices.get_notice
        self.confirm_notice_delivered = self.notices.confirm_notice_delivered

        self.skips = Skips(self.work)
        self.skip_event = self.skips.skip_event
        self.skipped_events = self.skips.skipped_events

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """The library's `save`; Docket's own aggregates have their events collected without its runtime protocol
        checks, which cost ~13 us each on Python 3.11 (two an aggregate: more than storing its event)."""
        if kwargs or not all(isinstance(obj, DocketAggregate) for obj in objs):
            sealed = accounts_sealed(e for obj in objs for e in getattr(obj, "pending_events", ()))
            with self.keyring.made_for(sealed) as keys:
                return super().save(*objs, keys=keys, **kwargs)
        processing_event = _collected(objs)
        with self._keys_for(accounts_sealed(processing_event.events), len(processing_event.events)) as keys:
            processing_event.saved_kwargs["keys"] = keys
            recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        return recordings

    def write(self, aggregates: Sequence[DocketAggregate]) -> int:
        """`save` of Docket's aggregates, answering the ledger position of their last event: the recorder stores them
        as `save` has it store them (the same ids, order and conflicts), without the library's `Recording` and
        `Notification` an event, which only `save`'s callers want (~3 us an event; a bulk write stores two a
        detection)."""
        if self.repository.cache is not None:  # which the library's `_record` fills
            return max(r.notification.id for r in self.save(*aggregates))
        processing_event = _collected(aggregates)
        events, mapper = processing_event.events, self.mapper
        assert isinstance(mapper, SealingMapper)
        # Found once an event: the keys are made for them, and the mapper seals them.
        personal = [personal_fields(e) for e in events]
        with self._keys_for({f.account_id for found in personal for f in found}, len(events)) as keys:
            stored = [mapper.stored(e, found) for e, found in zip(events, personal, strict=True)]
            ids = self.recorder.insert_events(stored, keys=keys)
        self._take_snapshots(processing_event)
        assert ids, "the ledger's recorder numbers what it stores"
        return max(ids)

    @contextmanager
    def _keys_for(self, sealed: set[str], events: int) -> Iterator[list[SubjectKey]]:
        """The keys that seal the personal data of `events` events, of the accounts `sealed`, the new ones to be stored
        with them.

        A write of fewer than COPY_FROM events stores its new keys in its own transaction, as one statement with its
        events: no round trips of their own, and never a key without its data. Should another writer make some of the
        same accounts' first keys meanwhile, it fails whole and runs again with the other's keys, which costs a small
        write little. A bulk write's new keys are stored ahead, each in its own right, so that a thousand detections
        are never encoded and sent again for one account that another pipeline began at the same time.
        """
        if events >= COPY_FROM:
            self.keyring.prepare(sealed)
        with self.keyring.made_for(sealed) as keys:
            yield keys

    def construct_mapper(self) -> Mapper[UUID]:
        """The library's mapper, sealing personal data with each account's key (see app.write.sealing)."""
        self.keyring = Keyring(lambda: key_store(self.recorder))
        self.sealed = SealedAsObject(self.keyring)
        transcoder = self.construct_transcoder()
        states = DetectionStates(transcoder, self.sealed)
        return SealingMapper(
            self.keyring, writers=states.writers, readers=states.readers, transcoder=transcoder,
            cipher=self.factory.cipher(), compressor=self.factory.compressor(),
        )

    def construct_transcoder(self) -> LedgerTranscoder:
        transcoder = LedgerTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_value_types(transcoder)
        transcoder.register(self.sealed)

    def read_events(self, after: int, limit: int, upto: int | None = None) -> list[StoredEvent]:
        """Up to `limit` events in ledger order, from the position after `after` (and up to `upto`, if given)."""
        return [self.decode(n) for n in self.read_stored(after, limit, upto)]

    def read_stored(self, after: int, limit: int, upto: int | None = None) -> list[Notification]:
        """`read_events` as stored, not decoded; the write side's indexes are bookkeeping, not events of the ledger's
        record, and are left out. Each read asks for a whole `limit`: where they interleave with the events (one a
        detection's first on its subject), a read of only what is still missing took a round trip for each few."""
        found: list[Notification] = []
        while len(found) < limit and (upto is None or after < upto):
            notifications = self.select_page(after, limit, stop=upto)
            if not notifications:
                break
            after = notifications[-1].id
            found += [n for n in notifications if n.topic not in INDEX_TOPICS]
        return found[:limit]

    def select_page(
        self, after: int, limit: int, topics: Sequence[str] = (), stop: int | None = None
    ) -> Sequence[Notification]:
        """Up to `limit` stored events past position `after` (of `topics`, if given; up to `stop`, if given), with
        the keys that open their sealed fields read in one round trip, not one per account as they are decoded."""
        page = self.recorder.select_notifications(start=after + 1, limit=limit, stop=stop, topics=topics)
        self.keyring.prefetch(n.state for n in page)
        return page

    def decode(self, notification: Notification) -> StoredEvent:
        """A notification the recorder selected, as the event it stores and its position."""
        event = self.mapper.to_domain_event(notification)
        assert isinstance(event, DocketAggregate.Event), f"{notification.topic} is not a Docket event"
        return StoredEvent(notification.id, event)


def _collected(aggregates: Sequence[DocketAggregate]) -> ProcessingEvent[UUID]:
    """The aggregates' pending events, collected without the library's runtime protocol checks."""
    processing_event = ProcessingEvent[UUID]()
    for aggregate in aggregates:
        processing_event.events += aggregate.collect_events()
        processing_event.aggregates[aggregate.id] = aggregate
    return processing_event


def open_ledger(settings: Settings, clock: Clock) -> Ledger:
    """The ledger on the configured database, under the configured strike ladders."""
    ladders = load_ladders() if settings.ladders_file is None else load_ladders(settings.ladders_file)
    env = settings.database.library_env(settings.sqlite_write_timeout, settings.database_connections)
    return Ledger(env=env, clock=clock, ladders=ladders)
