"""The ledger's events as stored, read a page at a time past the write side's index events among them."""

from __future__ import annotations

from app.runtime.wiring import Runtime
from app.write.ledger import INDEX_TOPICS
from tests.api.ledger_api import record_detection, subject
from tests.support import Api


def test_a_page_of_stored_events_is_the_first_events_of_the_ledger_after_it_without_index_events(api: Api) -> None:
    for i in range(6):  # each on a subject of its own: an index event before each detection
        record_detection(api, external_id=f"clf-{i}", subject=subject(f"pin-{i}"))
    runtime: Runtime = api.client.app.state.runtime  # type: ignore[attr-defined]
    ledger = runtime.ledger
    head = ledger.head()
    everything = ledger.recorder.select_notifications(start=1, limit=head)
    events = [n.id for n in everything if n.topic not in INDEX_TOPICS]
    assert len(events) < head, "index events are interleaved"

    for after in (0, events[3], events[-4]):
        for limit in (1, 2, 3, 5, 8, 13):
            page = [n.id for n in ledger.read_stored(after, limit)]
            assert page == [p for p in events if p > after][:limit], (after, limit)
            upto = events[-2]
            assert [n.id for n in ledger.read_stored(after, limit, upto=upto)] == [
                p for p in events if after < p <= upto
            ][:limit], (after, limit, upto)
