"""A ledger written before the write side kept indexes: its next start indexes it, once, as its commands would have."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from app.cli.main import main
from app.config.settings import Settings
from app.runtime.wiring import Runtime, open_runtime
from app.write import index_backfill
from app.write.index_backfill import backfill_indexes, record_missing
from app.write.ledger import INDEX_TOPICS, Ledger
from domain.base import DocketAggregate
from domain.indexes import IndexBackfill
from tests.api.ledger.test_corrections import reverse
from tests.api.ledger_api import FILE, account, decide, record_detection, subject
from tests.corrupt import strip_indexes
from tests.history import write_history, write_review_history
from tests.support import Api, MovableClock

MARKER = IndexBackfill.create_id()


def indexes(ledger: Ledger) -> dict[UUID, tuple[int, dict[str, Any]]]:
    """Every index aggregate of the ledger but the record of its backfill, by id: its version and its state."""
    notifications = ledger.recorder.select_notifications(start=1, limit=10**6, topics=sorted(INDEX_TOPICS))
    found = {}
    for aggregate_id in dict.fromkeys(n.originator_id for n in notifications):
        index = ledger.aggregate(UUID(str(aggregate_id)))
        assert isinstance(index, DocketAggregate)
        if index.id != MARKER:
            found[index.id] = (index.version, {k: v for k, v in vars(index).items() if not k.startswith("_")})
    return found


def decision_indexes(found: dict[UUID, tuple[int, dict[str, Any]]]) -> int:
    return sum("case_id" in state for _, state in found.values())


def runtime_of(api: Api) -> Runtime:
    runtime: Runtime = api.client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


def file_appeal(api: Api, decision_id: str) -> dict[str, Any]:
    return dict(api.data(FILE, {"i": {"decisionId": decision_id, "statement": "Please look again."}})["fileAppeal"])


def test_appeals_reversals_and_detected_accounts_of_an_old_ledger_work_once_it_is_started_again(
    api: Api, database_url: str, clock: MovableClock
) -> None:
    record_detection(api, external_id="clf-1", subject=subject("pin-1"))
    appealed = decide(api, subject=subject("pin-1"))
    reversed_ = decide(api, subject=subject("pin-2"))
    record_detection(api, external_id="clf-3", subject=subject("pin-3"), accountId="acct-3")
    runtime = runtime_of(api)
    strip_indexes(runtime.ledger, runtime.store)
    refused = file_appeal(api, appealed["id"])
    assert refused["__typename"] == "NotFoundError", "an old ledger's decisions are unknown to fileAppeal"

    open_runtime(Settings(database_url=database_url), clock=clock).close()  # started again, or `docket migrate`

    filed = file_appeal(api, appealed["id"])
    assert (filed["__typename"], filed["decisionId"], filed["status"]) == ("Appeal", appealed["id"], "PENDING")
    correction = reverse(api, reversed_["id"])
    assert (correction["__typename"], correction["id"], correction["live"]) == ("Decision", reversed_["id"], False)
    struck = decide(api, subject=subject("pin-3"), accountId=None)  # the account its detection named is struck
    assert [s["id"] for s in account(api, "acct-3", struck["position"])["strikes"]] == [struck["strike"]["id"]]


def test_the_backfill_records_each_index_as_the_commands_did_and_a_run_cut_short_is_finished_by_the_next(
    runtime: Runtime, database_url: str, clock: MovableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_review_history(runtime.ledger, 120)
    recorded = indexes(runtime.ledger)
    deleted = strip_indexes(runtime.ledger, runtime.store)
    assert indexes(runtime.ledger) == {} and runtime.ledger.aggregate(MARKER) is None
    pages = 0
    record_page = index_backfill._record

    def killed_after_two_pages(*args: Any) -> tuple[int, int]:
        nonlocal pages
        pages += 1
        if pages > 2:
            raise RuntimeError("killed")
        return record_page(*args)

    monkeypatch.setattr(index_backfill, "_record", killed_after_two_pages)
    with pytest.raises(RuntimeError, match="killed"):
        backfill_indexes(runtime.ledger, page=40)
    monkeypatch.undo()
    cut_short = indexes(runtime.ledger)
    assert 0 < decision_indexes(cut_short) < decision_indexes(recorded)

    restarted = open_runtime(Settings(database_url=database_url), clock=clock, prepare=False)
    finished = restarted.prepare().backfilled
    restarted.close()

    assert finished is not None and finished.decisions == decision_indexes(recorded) - decision_indexes(cut_short)
    backfilled = indexes(runtime.ledger)
    assert backfilled == recorded  # each index as the commands left it
    assert sum(version for version, _ in backfilled.values()) + 1 == deleted  # each event once, and the record


def test_a_second_backfill_records_nothing(runtime: Runtime) -> None:
    write_history(runtime.ledger, 60)
    strip_indexes(runtime.ledger, runtime.store)
    first = backfill_indexes(runtime.ledger)
    assert first is not None and first.decisions > 0 and first.subjects > 0
    head = runtime.ledger.head()

    assert backfill_indexes(runtime.ledger) is None
    assert record_missing(runtime.ledger, head) == (0, 0)  # nothing, even with its record of completion unread
    assert runtime.ledger.head() == head


@pytest.mark.postgres
def test_a_postgres_ledger_not_yet_backfilled_is_refused_until_docket_migrate(
    postgres_url: str, clock: MovableClock, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runtime = open_runtime(Settings(database_url=postgres_url), clock=clock)
    try:
        write_history(runtime.ledger, 10)
        strip_indexes(runtime.ledger, runtime.store)
    finally:
        runtime.close()
    monkeypatch.setenv("DOCKET_DATABASE_URL", postgres_url)

    assert main(["sql", "-c", "SELECT 1"]) == 2
    assert "indexes of this ledger are not built yet; run `docket migrate` first" in capsys.readouterr().err

    assert main(["migrate"]) == 0
    assert "indexed" in capsys.readouterr().out
    assert main(["sql", "-c", "SELECT 1"]) == 0
