"""Projection lag for operators: /metrics, /readyz, /healthz and the `health` query."""

import os

from tests.api.ledger_api import record_detection, settle
from tests.support import Api

HEALTH = "query { health { head projections { name position lag } } }"


def test_metrics_report_the_head_and_each_read_models_position_and_lag(api: Api) -> None:
    record_detection(api, externalId="metrics-1")
    api.data("{ policies { key } }")  # any query, to let the projector run
    body = api.get("/metrics")
    assert body.status_code == 200
    assert body.headers["content-type"].startswith("text/plain")
    text = body.text
    head = int(api.data(HEALTH)["health"]["head"])
    assert f"docket_ledger_head_position {float(head)}" in text
    for name in ("policy_catalog", "case_status", "account_standing", "appeals"):
        assert f'docket_projection_position{{projection="{name}"}}' in text
        assert f'docket_projection_lag_events{{projection="{name}"}}' in text


def test_metrics_need_the_token_of_an_unscoped_admin_auditor_or_metrics_principal(api: Api) -> None:
    prometheus = api.principal("prometheus", ["metrics"])
    auditor = api.principal("auditor", ["auditor"])
    reviewer = api.principal("reviewer", ["reviewer"])
    ads_auditor = api.principal("ads-auditor", ["auditor"], ["ads"])

    anonymous = api.client.get("/metrics")
    unknown = api.client.get("/metrics", headers={"Authorization": "Bearer dkt_not-a-token"})

    for refused in (anonymous, unknown):
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert "docket_" not in refused.text
    for token in (reviewer, ads_auditor):
        forbidden = api.get("/metrics", token)
        assert forbidden.status_code == 403
        assert forbidden.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert "docket_" not in forbidden.text
    for token in (api.token, auditor, prometheus):
        assert "docket_ledger_head_position" in api.get("/metrics", token).text


def test_health_query_shows_zero_lag_once_the_read_models_caught_up(api: Api) -> None:
    detection = record_detection(api, externalId="health-1")
    settle(api)
    report = api.data(HEALTH)["health"]
    assert int(report["head"]) >= int(detection["position"])
    assert {p["name"] for p in report["projections"]} >= {"case_status", "account_standing"}
    assert all(p["lag"] == 0 and p["position"] == report["head"] for p in report["projections"])


def test_readyz_says_ready_with_lags_and_healthz_answers_without_a_token(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok", "worker": os.getpid(), "projecting": True}
    ready = api.client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["ready"] is True
    assert set(body["projections"]) >= {"policy_catalog", "case_status"}
