"""Every event's envelope: CloudEvents 1.0, with what the event index and the ledger chain know of it, and only once
both have reached it (or, for a subscriber at the head, made ahead of them as they will make them)."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields, is_dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID, uuid5

import pytest
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from eventsourcing.utils import get_topic

from app.config.settings import Settings
from app.fanout import feed
from app.fanout.envelope import Envelope
from app.fanout.event_json import NOT_DATA
from app.fanout.feed import envelopes_after, envelopes_ahead, reached
from app.read.projector import waited_positions
from app.read.store import reading
from app.runtime.wiring import Runtime, open_runtime
from domain.base import NAMESPACE
from domain.batch import BatchSubject
from domain.case import Verdict
from domain.values import Action, ActionType, Outcome, Subject
from projections.ledger_chain.queries import chain_rows
from tests.domain.factories import facts
from tests.history import write_review_history
from tests.support import MovableClock

PIN = Subject("trust_safety", "pin", "pin-1")


def event_data(event: Any) -> dict[str, Any]:
    """The oracle of an envelope's data: the decoded event's fields beyond NOT_DATA, as plain JSON values."""
    return {name: _plain(value) for name, value in vars(event).items() if name not in NOT_DATA}


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def decided(runtime: Runtime) -> tuple[Any, int]:
    """A detection on pin-1 of acct-1 and a VIOLATING decision with a strike; the decision and its position."""
    detection = runtime.ledger.record_detection(facts(subject=PIN, account_id="acct-1"), "svc:classifier")
    verdict = Verdict(Outcome.VIOLATING, (Action(ActionType.REMOVE, ("DE",)),), "Link farm.", None)
    made = runtime.ledger.decide(PIN, "spam", verdict, [detection.detection.id], None, "reviewer:alice")
    return made, made.position


def all_envelopes(runtime: Runtime) -> list[Envelope]:
    return envelopes_after(runtime, 0, 10_000)


def read(envelope: Envelope) -> CloudEvent:
    """The envelope as a consumer reads it: parsed back from its JSON by the cloudevents library."""
    parsed = JSONFormat().read(None, envelope.to_json())
    assert isinstance(parsed, CloudEvent)
    return parsed


def test_a_decision_leaves_as_a_cloudevent_with_its_position_domain_account_subject_and_chain_hash(
    runtime: Runtime,
) -> None:
    made, position = decided(runtime)
    runtime.projector.catch_up()
    envelope = next(e for e in all_envelopes(runtime) if e.event_type == "Case.Decided")
    with runtime.store.transaction(write=False) as sql:
        chained = {row.position: row.chain_hash for row in chain_rows(sql, None, position, 10_000)}

    event = read(envelope)
    stored = runtime.ledger.decode(envelope.stored).event
    attributes = event.get_attributes()
    assert attributes["specversion"] == "1.0"
    assert attributes["id"] == str(uuid5(NAMESPACE, f"event/{stored.originator_id}/{stored.originator_version}"))
    assert attributes["source"] == "urn:docket:ledger"
    assert attributes["type"] == "docket.case.decided.v1"
    assert attributes["time"] == stored.occurred_at == envelope.occurred_at
    assert attributes["subject"] == "trust_safety/pin/pin-1"
    assert attributes["datacontenttype"] == "application/json"
    assert attributes["docketposition"] == str(envelope.position)
    assert attributes["docketdomain"] == "trust_safety"
    assert attributes["docketaccount"] == "acct-1"
    assert attributes["docketchainhash"] == chained[envelope.position]
    data = event.get_data()
    assert data == event_data(stored) == json.loads(json.dumps(data))
    assert isinstance(data, dict)
    assert data["decision"]["decision_id"] == str(made.decision.decision_id)
    assert data["actor"] == "reviewer:alice"


def test_a_strike_removal_names_the_account_and_domain_its_strike_had(runtime: Runtime) -> None:
    """The event names only the strike: its account and domain come from the event index, which remembers them."""
    made, _ = decided(runtime)
    runtime.ledger.reverse_decision(made.case_id, made.decision.decision_id, "Decided in error.", "lead:ann")
    runtime.projector.catch_up()
    removed = next(e for e in all_envelopes(runtime) if e.event_type == "Account.StrikeRemoved")

    assert "account_id" not in removed.data
    assert (removed.domain, removed.account_id, removed.subject) == ("trust_safety", "acct-1", None)
    assert removed.type == "docket.account.strike_removed.v1"
    attributes = read(removed).get_attributes()
    assert "subject" not in attributes
    assert (attributes["docketdomain"], attributes["docketaccount"]) == ("trust_safety", "acct-1")


def test_a_rolled_back_batch_reaches_consumers_as_a_reversal_of_each_subjects_actions(runtime: Runtime) -> None:
    """A surface that removed content on `case.decided` finds the reversal under the same subject and account."""
    wave = [BatchSubject(Subject("ads", "ad", f"ad-{n}"), f"acct-{n}") for n in range(3)]
    verdict = Verdict(Outcome.VIOLATING, (Action(ActionType.REJECT_AD),), "A spam wave.", None)
    run = runtime.ledger.bulk_decide("financial_scams", verdict, wave, "wave-1", "lead:ann")
    runtime.ledger.reverse_batch(run.batch.id, "A false alarm.", "lead:ann")
    runtime.projector.catch_up()
    found = all_envelopes(runtime)

    def touched(event_type: str) -> list[tuple[Any, ...]]:
        return [(e.subject, e.account_id, e.domain) for e in found if e.type == event_type]

    expected = [(b.subject, b.account_id, "ads") for b in wave]
    assert touched("docket.case.decided.v1") == expected
    assert touched("docket.case.actions_reversed.v1") == expected
    reasons = [e.data["reason"] for e in found if e.type == "docket.case.actions_reversed.v1"]
    assert reasons == [f"batch {run.batch.id} reversed: A false alarm."] * 3


def test_every_event_s_envelope_holds_its_data_as_the_domain_s_event_has_it(runtime: Runtime) -> None:
    """Envelopes are written from the stored JSON, never from decoded events: of every kind of event, the data is what
    `event_data` makes of the decoded event, and its id the uuid5 of its aggregate and version."""
    write_review_history(runtime.ledger, 60)
    runtime.projector.catch_up()
    sent = all_envelopes(runtime)

    assert len({e.event_type for e in sent}) >= 30
    for envelope in sent:
        event = runtime.ledger.decode(envelope.stored).event
        assert read(envelope).get_data() == envelope.data == event_data(event), envelope.event_type
        assert envelope.id == str(uuid5(NAMESPACE, f"event/{event.originator_id}/{event.originator_version}"))
        assert envelope.topic == get_topic(type(event)) and envelope.event_type == type(event).__qualname__


def test_a_big_integer_in_evidence_is_written_whole(runtime: Runtime) -> None:
    runtime.ledger.record_detection(facts(subject=PIN, evidence={"count": 2**70 + 1}), "svc:classifier")
    runtime.projector.catch_up()
    detected = next(e for e in all_envelopes(runtime) if e.event_type == "Detection.Recorded")

    assert json.loads(detected.to_json())["data"]["facts"]["evidence"] == {"count": 2**70 + 1}


def test_an_event_of_no_domain_carries_no_domain_account_or_subject(runtime: Runtime) -> None:
    runtime.ledger.warn_reporter("reporter-1", "Unfounded notices.", "lead:ann")
    runtime.projector.catch_up()
    warned = next(e for e in all_envelopes(runtime) if e.event_type == "Reporter.Warned")

    attributes = read(warned).get_attributes()
    assert {"subject", "docketdomain", "docketaccount"} & set(attributes) == set()
    assert attributes["type"] == "docket.reporter.warned.v1"
    assert len(attributes["docketchainhash"]) == 64


def test_events_get_envelopes_only_once_the_event_index_and_the_chain_have_reached_them(runtime: Runtime) -> None:
    runtime.projector.catch_up()
    before = all_envelopes(runtime)
    _, position = decided(runtime)

    assert reached(runtime) < position
    assert all_envelopes(runtime) == before
    runtime.projector.catch_up()
    assert [e.position for e in all_envelopes(runtime)][-1] == position


def test_envelopes_made_ahead_of_the_read_models_are_those_the_read_models_make_later(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feed, "AHEAD", 100_000)
    write_review_history(runtime.ledger, 30)
    runtime.projector.batch_size = 45  # the read models stop all over the history, references and chain half made
    made_ahead: list[Envelope] = []
    while True:
        found = envelopes_ahead(runtime, reached(runtime))
        assert found is not None
        made_ahead += found
        if not runtime.projector.step():
            break

    made_later = {e.position: e.to_json() for e in all_envelopes(runtime)}
    assert len(made_ahead) > len(made_later)
    assert {e.position: e.to_json() for e in made_ahead} == made_later
    assert all(e.to_json() == made_later[e.position] for e in made_ahead)


def test_envelopes_made_ahead_while_the_read_models_move_on_are_those_the_read_models_make(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feed, "AHEAD", 100_000)
    write_review_history(runtime.ledger, 30)
    runtime.projector.batch_size = 45
    read_page, reader = runtime.ledger.select_page, threading.get_ident()
    moved: list[int] = []

    def page_then_a_step(*args: Any, **kwargs: Any) -> Any:
        """The ledger's page; then, for `envelopes_ahead`, the projector commits a step of every read model, after
        their positions were read and before their rows are."""
        page = read_page(*args, **kwargs)
        if threading.get_ident() == reader:
            with ThreadPoolExecutor(1) as projector:
                moved.append(projector.submit(runtime.projector.step).result())
        return page

    monkeypatch.setattr(runtime.ledger, "select_page", page_then_a_step)
    made_ahead: list[Envelope] = []
    while not moved or moved[-1]:
        found = envelopes_ahead(runtime, reached(runtime))
        assert found is not None
        made_ahead += found

    made_later = {e.position: e.to_json() for e in all_envelopes(runtime)}
    assert len(moved) > 2 and {e.position for e in made_ahead} == set(made_later)
    assert all(e.to_json() == made_later[e.position] for e in made_ahead)


def test_a_snapshot_read_sees_the_read_models_where_they_stood_at_its_first_read(runtime: Runtime) -> None:
    write_review_history(runtime.ledger, 3)
    runtime.projector.batch_size = 10
    with reading(runtime.store, snapshot=True) as sql:
        before = waited_positions(sql)
        with ThreadPoolExecutor(1) as projector:
            assert projector.submit(runtime.projector.step).result()
        assert waited_positions(sql) == before

    with reading(runtime.store) as sql:
        assert waited_positions(sql) != before


def test_no_envelope_is_made_ahead_of_read_models_further_behind_than_a_page(runtime: Runtime) -> None:
    write_review_history(runtime.ledger, 30)
    assert runtime.ledger.head() > feed.AHEAD

    assert envelopes_ahead(runtime, 0) is None
    runtime.projector.catch_up()
    assert envelopes_ahead(runtime, reached(runtime)) == []


def test_an_event_keeps_its_id_in_every_envelope_and_no_two_events_share_one(runtime: Runtime) -> None:
    decided(runtime)
    runtime.projector.catch_up()
    first, again = all_envelopes(runtime), all_envelopes(runtime)

    assert [e.id for e in first] == [e.id for e in again]
    assert len({e.id for e in first}) == len(first)
    assert [e.position for e in first] == sorted(e.position for e in first)


def test_the_source_is_the_configured_one(database_url: str, clock: MovableClock) -> None:
    settings = Settings(database_url=database_url, event_source="urn:docket:eu-1")
    runtime = open_runtime(settings, clock=clock)
    try:
        runtime.projector.catch_up()
        envelope = all_envelopes(runtime)[0]
        assert read(envelope).get_attributes()["source"] == "urn:docket:eu-1"
    finally:
        runtime.close()


def test_a_notice_reaches_consumers_under_its_subject_domain_and_recipient_account(runtime: Runtime) -> None:
    """The notification service consumes `notice.issued` like any event, addressed to the account it tells."""
    decided(runtime)
    runtime.projector.catch_up()

    [notice] = [e for e in all_envelopes(runtime) if e.type == "docket.notice.issued.v1"]

    assert (notice.subject, notice.account_id, notice.domain) == (PIN, "acct-1", "trust_safety")
    assert (notice.data["kind"], notice.data["recipient_id"], notice.data["language"]) == ("DECISION", "acct-1", "EN")
    assert notice.data["territories"] == ["DE"] and "the content was removed in DE" in notice.data["text"]
