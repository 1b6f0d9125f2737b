"""A read model stopped at an event it cannot apply: its queries answer UNAVAILABLE at once, the others answer."""

from __future__ import annotations

import time
from typing import Any

import pytest

from app.runtime.wiring import Runtime
from tests.api.ledger.test_appeals import decide, file
from tests.api.ledger_api import record_detection, settle, subject
from tests.corrupt import plant_second_filing, tolerate_second_filing
from tests.support import Api, Docket

APPEALS = """query($p: String) { appeals(minPosition: $p) { edges { node { id } } } }"""
CASE = """query($s: SubjectInput!, $p: String) { case(subject: $s, minPosition: $p) { detections { id } } }"""
BOTH = """query($id: ID!, $p: String) { policies(minPosition: $p) { key } appeal(id: $id) { id } }"""


def runtime_of(api: Api) -> Runtime:
    runtime: Runtime = api.client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


@pytest.fixture
def stopped(api: Api) -> tuple[int, str, str]:
    """An appeal filed twice below the API, then a detection written through it, projected: (the bad position,
    the detection's position, the appeal's id)."""
    decision = decide(api, "trust_safety", "pin-1", "acct-1")
    appeal = file(api, decision["id"])
    assert appeal["__typename"] == "Appeal"
    bad = plant_second_filing(runtime_of(api).ledger)
    after = record_detection(api, externalId="after", subject=subject("pin-2"))["position"]
    settle(api)  # waits for every read model but those stopped
    return bad, after, appeal["id"]


def unavailable(body: dict[str, Any]) -> dict[str, Any]:
    [error] = body["errors"]
    assert error["extensions"]["code"] == "UNAVAILABLE", error
    return dict(error)


def test_the_other_read_models_catch_up_and_answer(api: Api, stopped: tuple[int, str, str]) -> None:
    _, after, _ = stopped

    case = api.data(CASE, {"s": subject("pin-2"), "p": after})["case"]

    assert len(case["detections"]) == 1


def test_a_query_on_a_stopped_read_model_answers_unavailable_naming_it_at_once_even_when_it_would_wait(
    api: Api, stopped: tuple[int, str, str]
) -> None:
    bad, after, _ = stopped

    started = time.monotonic()
    waited = unavailable(api.post(APPEALS, {"p": str(int(after) + 1)}))  # a position not even written yet
    elapsed = time.monotonic() - started
    now = unavailable(api.post(APPEALS))

    assert elapsed < runtime_of(api).settings.consistency_timeout / 2
    for error in (waited, now):
        assert error["extensions"]["readModels"] == ["appeals"]
        assert f"read model appeals stopped at position {bad} (Appeal.Filed" in error["message"]


def test_a_document_that_also_reads_a_stopped_read_model_still_gets_the_other_fields(
    api: Api, stopped: tuple[int, str, str]
) -> None:
    _, after, appeal = stopped

    body = api.post(BOTH, {"id": appeal, "p": after})

    assert {"key": "spam"} in body["data"]["policies"]
    assert body["data"]["appeal"] is None
    assert unavailable(body)["path"] == ["appeal"]


def test_a_read_model_whose_table_was_dropped_by_hand_answers_unavailable_and_the_others_go_on(api: Api) -> None:
    first = record_detection(api, externalId="before", subject=subject("pin-1"))["position"]
    api.data(CASE, {"s": subject("pin-1"), "p": first})
    with runtime_of(api).store.transaction() as sql:
        sql.execute("DROP TABLE review_queue")
    after = record_detection(api, externalId="after", subject=subject("pin-2"))["position"]

    case = api.data(CASE, {"s": subject("pin-2"), "p": after})["case"]
    queue = api.post("query($p: String) { reviewQueue(minPosition: $p) { edges { node { policy } } } }", {"p": after})

    assert len(case["detections"]) == 1
    error = unavailable(queue)
    assert error["extensions"]["readModels"] == ["review_queue"]
    assert "read model review_queue stopped at position" in error["message"]
    metrics = api.get("/metrics")  # without the queues' figures, which that read model keeps
    assert metrics.status_code == 200 and "docket_ledger_head_position" in metrics.text


HEALTH = """{ health { head projections { name position lag
  failure { position eventType error since lastAttemptAt attempts } } } }"""


def test_readyz_answers_503_naming_it_and_health_and_metrics_show_where_and_why_it_stopped(
    api: Api, stopped: tuple[int, str, str]
) -> None:
    bad, _, _ = stopped

    ready = api.client.get("/readyz")
    report = {p["name"]: p for p in api.data(HEALTH)["health"]["projections"]}
    metrics = api.get("/metrics").text

    assert ready.status_code == 503
    body = ready.json()
    assert body["ready"] is False and body["stopped"] == ["appeals"] and "appeals" in body["error"]
    assert body["projections"]["appeals"]["failure"]["position"] == str(bad)
    assert body["projections"]["appeals"]["failure"]["eventType"] == "Appeal.Filed"
    assert "failure" not in body["projections"]["case_status"]
    failure = report.pop("appeals")["failure"]
    assert (failure["position"], failure["eventType"], failure["attempts"]) == (str(bad), "Appeal.Filed", 1)
    assert failure["error"].startswith(("IntegrityError: ", "UniqueViolation: "))
    assert failure["since"] == failure["lastAttemptAt"]
    assert all(p["failure"] is None for p in report.values())
    assert 'docket_projection_stopped{projection="appeals"} 1.0' in metrics
    assert 'docket_projection_stopped{projection="case_status"} 0.0' in metrics
    assert f'docket_projection_stopped_position{{projection="appeals"}} {float(bad)}' in metrics
    assert 'docket_projection_failed_attempts{projection="appeals"} 1.0' in metrics
    assert 'docket_projection_stopped_position{projection="case_status"}' not in metrics


SKIPS = """query($p: String) { events(minPosition: $p, filter: {eventTypes: ["Projection.EventSkipped"]}) {
  edges { node { position type actor data } } } }"""


def test_docket_projections_lists_each_read_models_position_lag_and_failure(
    api: Api, stopped: tuple[int, str, str], docket: Docket
) -> None:
    bad, _, _ = stopped

    code, out, _ = docket("projections")

    lines = {line.split()[0]: line for line in out.splitlines()}
    assert code == 0
    assert lines["appeals"].split()[1] == str(bad - 1)
    assert f"stopped at position {bad} (Appeal.Filed): " in lines["appeals"] and "1 attempts" in lines["appeals"]
    assert lines["case_status"].split()[2:] == ["0", "-"]
    assert lines["ledger"].startswith("ledger head: ")


def test_skipping_the_failing_event_with_a_reason_records_it_in_the_ledger_and_the_read_model_catches_up(
    api: Api, stopped: tuple[int, str, str], docket: Docket
) -> None:
    bad, _, appeal = stopped
    elsewhere = docket("projections", "skip", "appeals", "--position", str(bad - 1), "--reason", "why not")
    unknown = docket("projections", "skip", "appeal", "--position", str(bad), "--reason", "why not")

    code, out, _ = docket("projections", "skip", "appeals", "--position", str(bad), "--reason",
                          "filed twice by a bad import", "--actor", "ops:ana")

    assert elsewhere[0] == 2 and f"stopped at position {bad}, not {bad - 1}" in elsewhere[2]
    assert unknown[0] == 2 and "no read model named appeal;" in unknown[2]
    assert code == 0
    recorded = out.split()[-1]
    [skipped] = api.data(SKIPS, {"p": recorded})["events"]["edges"]  # the only skip: the refused ones wrote nothing
    assert skipped["node"]["position"] == recorded and skipped["node"]["actor"] == "ops:ana"
    data = skipped["node"]["data"]
    assert (data["read_model"], data["position"], data["event_type"], data["reason"]) == (
        "appeals", bad, "Appeal.Filed", "filed twice by a bad import")
    assert data["error"].startswith(("IntegrityError: ", "UniqueViolation: "))
    edges = api.data(APPEALS, {"p": recorded})["appeals"]["edges"]
    assert [e["node"]["id"] for e in edges] == [appeal]  # the second filing was skipped
    assert api.client.get("/readyz").status_code == 200


def test_a_retry_once_the_projection_is_fixed_applies_the_event_and_the_read_model_catches_up(
    api: Api, stopped: tuple[int, str, str], docket: Docket, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, after, appeal = stopped
    tolerate_second_filing(monkeypatch)

    code, out, _ = docket("projections", "retry", "appeals")

    assert code == 0 and "tries position" in out
    edges = api.data(APPEALS, {"p": after})["appeals"]["edges"]
    assert [e["node"]["id"] for e in edges] == [appeal]
    assert api.client.get("/readyz").status_code == 200
    again = docket("projections", "retry", "appeals")
    assert again[0] == 2 and "read model appeals has not stopped" in again[2]
    unknown = docket("projections", "retry", "appeal")
    assert unknown[0] == 2 and "no read model named appeal; the read models are: " in unknown[2]
