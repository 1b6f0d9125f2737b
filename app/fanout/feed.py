"""The ledger's events in their envelopes, as far as every consumer may be sent them.

An envelope needs two read models: the event index (`audit_trail`) says which domain, account and subject an event
touches (for some events only through their stream: a strike's removal names its strike, not its account), and the
ledger chain gives the hash at its position. The projector writes both in the same transaction as their positions, so
an event is sent once both have reached it and never with a field it would have later; `minPosition` waits for them,
and the relay and `ledgerEvents` are woken when they move.
"""

from __future__ import annotations

from collections.abc import Sequence

from eventsourcing.persistence import Notification

from app.fanout.envelope import Envelope
from app.read.store import reading
from app.runtime.wiring import Runtime
from projections.audit_trail.queries import touches_at
from projections.audit_trail.rows import subject_of
from projections.ledger_chain.queries import chain_hashes_at

READ_MODELS = ("audit_trail", "ledger_chain")
"""The read models an envelope is built from."""


def reached(runtime: Runtime) -> int:
    """The newest position whose envelope can be built: both read models have reached it."""
    positions = runtime.projector.positions()
    return min(positions[name] for name in READ_MODELS)


def envelopes(runtime: Runtime, stored: Sequence[Notification]) -> list[Envelope]:
    """The envelopes of events no further than `reached`; ReadModelStopped while either read model has stopped."""
    wanted = [s.id for s in stored]
    with reading(runtime.store, touches_at, chain_hashes_at) as sql:
        touches = touches_at(sql, wanted)
        hashes = chain_hashes_at(sql, wanted)
    missing = [p for p in wanted if p not in hashes]
    assert not missing, f"envelopes asked for positions the ledger chain has not reached: {missing[:5]}"
    source = runtime.settings.event_source
    found = []
    for s in stored:
        domain, account_id, subject_key = touches.get(s.id, _NOTHING)
        found.append(Envelope(
            stored=s, source=source, domain=domain, account_id=account_id,
            subject=None if subject_key is None else subject_of(subject_key), chain_hash=hashes[s.id],
            unseal=runtime.ledger.sealed.decode,
        ))
    return found


_NOTHING = (None, None, None)


def envelopes_after(runtime: Runtime, after: int, limit: int) -> list[Envelope]:
    """Up to `limit` envelopes of the events after position `after`, in ledger order, as far as `reached`."""
    return envelopes(runtime, runtime.ledger.read_stored(after, limit, upto=reached(runtime)))
