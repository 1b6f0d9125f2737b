"""The ledger's events in their envelopes, as far as every consumer may be sent them.

An envelope needs two read models: the event index (`audit_trail`) says which domain, account and subject an event
touches (for some events only through their stream: a strike's removal names its strike, not its account), and the
ledger chain gives the hash at its position. The projector writes both in the same transaction as their positions, so
an event is sent once both have reached it and never with a field it would have later; `minPosition` waits for them,
and the relay is woken when they move. `ledgerEvents` subscribers at the head do not wait for the projector's step
(which moves every read model, and took half their latency): `envelopes_ahead` makes the newest events' envelopes as
the two read models will, from the events themselves.
"""

from __future__ import annotations

from collections.abc import Sequence

from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from app.fanout.envelope import Envelope
from app.read.projector import waited_positions
from app.read.store import reading
from app.runtime.wiring import Runtime
from app.write.ledger import INDEX_TOPICS
from projections.audit_trail.projection import REFS, AuditTrailProjection, Touches, touches
from projections.audit_trail.queries import touches_at
from projections.ledger_chain import hashing
from projections.ledger_chain.queries import chain_hashes_at
from projections.sql import Sql

READ_MODELS = ("audit_trail", "ledger_chain")
"""The read models an envelope is built from."""
AHEAD = 100
"""Events past the read models that `envelopes_ahead` makes envelopes of; further behind, the projector is catching
up a backlog, and the envelopes wait for it."""
_AUDITED = frozenset(get_topic(t) for t in AuditTrailProjection.event_types)


def reached(runtime: Runtime) -> int:
    """The newest position whose envelope can be built: both read models have reached it."""
    positions = runtime.projector.positions()
    return min(positions[name] for name in READ_MODELS)


def reached_in(sql: Sql) -> int:
    """`reached` as the read transaction `sql` sees it."""
    return min(_positions(sql))


def envelopes(runtime: Runtime, stored: Sequence[Notification]) -> list[Envelope]:
    """The envelopes of events no further than `reached`; ReadModelStopped while either read model has stopped."""
    with reading(runtime.store, touches_at, chain_hashes_at) as sql:
        return enveloped(runtime, sql, stored)


def enveloped(runtime: Runtime, sql: Sql, stored: Sequence[Notification]) -> list[Envelope]:
    """`envelopes` in a read transaction of the caller's, in which the read models have reached every event of
    `stored` (`reached_in`) and neither has stopped (`reading` over `touches_at` and `chain_hashes_at`)."""
    wanted = [s.id for s in stored]
    touched = touches_at(sql, wanted)
    hashes = chain_hashes_at(sql, wanted)
    missing = [p for p in wanted if p not in hashes]
    assert not missing, f"envelopes asked for positions the ledger chain has not reached: {missing[:5]}"
    return _built(runtime, stored, touched, hashes)


def _built(runtime: Runtime, stored: Sequence[Notification], touched: dict[int, Touches],
           hashes: dict[int, str]) -> list[Envelope]:
    source = runtime.settings.event_source
    found = []
    for s in stored:
        domain, account_id, subject_key = touched.get(s.id, _NOTHING)
        found.append(Envelope(
            stored=s, source=source, domain=domain, account_id=account_id,
            subject_key=subject_key, chain_hash=hashes[s.id],
            unseal=runtime.ledger.sealed.decode,
        ))
    return found


_NOTHING = (None, None, None)


def envelopes_after(runtime: Runtime, after: int, limit: int) -> list[Envelope]:
    """Up to `limit` envelopes of the events after position `after`, in ledger order, as far as `reached`: where the
    read models stand and their rows read in one transaction (the events, which never change, meanwhile)."""
    with reading(runtime.store, touches_at, chain_hashes_at) as sql:
        return enveloped(runtime, sql, runtime.ledger.read_stored(after, limit, upto=reached_in(sql)))


def envelopes_ahead(runtime: Runtime, after: int) -> list[Envelope] | None:
    """The envelopes of the events after `after` up to the ledger's head, those the two read models have not reached
    made as they will make them: what the event index will say each touches (by its references as of its position
    and what the events after it add) and the chain hashed on from its position. None when the read models are more
    than AHEAD events behind; ReadModelStopped while either has stopped.

    The read models' positions and rows are read in one snapshot, so the rows belong to the positions though the
    projector commits meanwhile (it commits both together); the events, which never change, are read after them."""
    with reading(runtime.store, touches_at, chain_hashes_at, snapshot=True) as sql:
        indexed, chained = _positions(sql)
        page = runtime.ledger.select_page(min(after, indexed, chained), AHEAD)
        if len(page) == AHEAD:
            return None
        stored = [n for n in page if n.id > after and n.topic not in INDEX_TOPICS]
        wanted = [n.id for n in stored]
        touched = touches_at(sql, [p for p in wanted if p <= indexed])
        hashes = chain_hashes_at(sql, [p for p in wanted if p <= chained])
        touched.update(_index_ahead(runtime, sql, page, indexed))
        hashes.update(_chain_ahead(sql, page, chained))
        return _built(runtime, stored, touched, hashes)


def _positions(sql: Sql) -> tuple[int, int]:
    """Where the event index and the ledger chain stand (ReadModelStopped was checked before)."""
    positions = waited_positions(sql)
    indexed, chained = (positions.get(name) or 0 for name in READ_MODELS)
    return indexed, chained


def _index_ahead(runtime: Runtime, sql: Sql, page: Sequence[Notification], indexed: int) -> dict[int, Touches]:
    """What the events of `page` past the index's position touch, by position."""
    events = [(n.id, runtime.ledger.mapper.to_domain_event(n)) for n in page if n.id > indexed and n.topic in _AUDITED]
    return dict(zip((p for p, _ in events), touches(events, sql, REFS.rows())[1], strict=True))


def _chain_ahead(sql: Sql, page: Sequence[Notification], chained: int) -> dict[int, str]:
    """The chain hash at each position of `page` past the chain's position: every stored event is chained."""
    previous = hashing.GENESIS if chained == 0 else chain_hashes_at(sql, [chained])[chained]
    ahead = [(n.id, n) for n in page if n.id > chained]
    return {position: link for position, _, _, link in hashing.chained(previous, ahead)}
