"""`LedgerEvent` carries what the event's CloudEvents envelope carries, typed: id, domain, subject, account and chain
hash, in `events` and in `ledgerEvents` alike."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import Notification

from app.fanout.envelope import Envelope
from app.fanout.feed import envelopes_after
from app.graphql.audit.types import LedgerEvent
from app.runtime.wiring import Runtime
from tests.api.ledger_api import decide, head, record_detection
from tests.api.subscriber import connected, next_events, subscribe
from tests.support import Api

FIELDS = "id position type domain subject { domain kind id } accountId chainHash"
EVENTS = f"""query($after: String, $p: String) {{
  events(after: $after, first: 500, minPosition: $p) {{ edges {{ node {{ {FIELDS} }} }} }} }}"""
EVERY_FIELD = (
    "id", "position", "type", "topic", "aggregateId", "aggregateVersion", "occurredAt", "actor", "domain",
    "subject { domain kind id }", "accountId", "chainHash", "data",
)
LIVE = f"subscription($after: String) {{ ledgerEvents(after: $after) {{ {FIELDS} }} }}"


def as_graphql(runtime: Runtime, after: str) -> list[dict[str, Any]]:
    """The envelopes after `after`, as LedgerEvent should show them."""
    return [
        {
            "id": e.id, "position": str(e.position), "type": e.event_type, "domain": e.domain,
            "subject": None if e.subject is None else {"domain": e.subject.domain, "kind": e.subject.kind,
                                                       "id": e.subject.id},
            "accountId": e.account_id, "chainHash": e.chain_hash,
        }
        for e in envelopes_after(runtime, int(after), 500)
    ]


def test_events_carry_the_envelopes_id_domain_subject_account_and_chain_hash(api: Api) -> None:
    before = head(api)
    detection = record_detection(api)
    decision = decide(api, detectionIds=[detection["id"]])
    runtime: Runtime = api.client.app.state.runtime  # type: ignore[attr-defined]

    nodes = [e["node"] for e in api.data(EVENTS, {"after": before, "p": decision["position"]})["events"]["edges"]]

    assert nodes == as_graphql(runtime, before)
    decided = next(n for n in nodes if n["type"] == "Case.Decided")
    assert decided["domain"] == "trust_safety"
    assert decided["subject"] == {"domain": "trust_safety", "kind": "pin", "id": "pin-1"}
    assert decided["accountId"] == "acct-1"
    assert len(decided["chainHash"]) == 64
    assert len({n["id"] for n in nodes}) == len(nodes)


def test_a_subscriber_receives_the_same_typed_fields(api: Api) -> None:
    before = head(api)
    token = api.principal("ranking", ["subscriber"])

    with connected(api, token) as ws:
        subscribe(ws, LIVE, {"after": before})
        detection = record_detection(api)
        [live] = next_events(ws, 1)

    runtime: Runtime = api.client.app.state.runtime  # type: ignore[attr-defined]
    assert live["position"] == detection["position"]
    # Sent ahead of the read models, as they then say it
    assert runtime.projector.wait_for(int(live["position"]), timeout=30)
    assert [live] == as_graphql(runtime, before)
    assert (live["domain"], live["accountId"], live["subject"]["id"]) == ("trust_safety", "acct-1", "pin-1")


def page_of(api: Api, fields: str, after: str, written: str) -> list[dict[str, Any]]:
    query = EVENTS.replace(FIELDS, fields)
    return [e["node"] for e in api.data(query, {"after": after, "p": written})["events"]["edges"]]


def test_each_field_of_an_event_answers_alike_selected_alone_or_with_every_other(api: Api) -> None:
    before = head(api)
    detection = record_detection(api, evidence={"email": "jane.doe@example.test"})
    decision = decide(api, detectionIds=[detection["id"]])

    every = page_of(api, " ".join(EVERY_FIELD), before, decision["position"])

    assert {n["type"] for n in every} >= {"Detection.Recorded", "Case.Decided"}
    recorded = next(n for n in every if n["type"] == "Detection.Recorded")
    assert recorded["data"]["facts"]["evidence"] == {"email": "jane.doe@example.test"}
    for field in EVERY_FIELD:
        name = field.split()[0]
        assert page_of(api, field, before, decision["position"]) == [{name: n[name]} for n in every], field


def test_an_event_selected_by_type_and_aggregate_decodes_nothing_else() -> None:
    def unseal(value: dict[str, Any]) -> Any:
        raise AssertionError(f"unsealed {value}")

    aggregate = uuid4()
    unreadable = Notification(
        id=7, originator_id=aggregate, originator_version=1, topic="domain.policy:Policy.Published", state=b"{not json",
    )
    envelope = Envelope(
        stored=unreadable, source="/docket", domain=None, account_id=None, subject_key=None, chain_hash="00" * 32,
        unseal=unseal,
    )

    event = LedgerEvent.of(envelope)

    assert (event.type, event.aggregate_id, event.position) == ("Policy.Published", str(aggregate), "7")
    with pytest.raises(ValueError):
        envelope.data  # noqa: B018 - what selecting `data`, `actor` or `occurredAt` would read
