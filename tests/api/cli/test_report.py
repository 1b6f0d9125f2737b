"""`docket report`: a period's transparency report as CSV in the template's layout, or JSON, or a clear no."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from tests.api.ledger_api import decide, settle, subject
from tests.api.review_api import submit_report
from tests.support import Api, Docket

MARCH = ("--from", "2026-03-01", "--to", "2026-04-01")


def write_period(api: Api) -> None:
    decide(api, subject=subject("pin-own"))
    decide(api, subject=subject("ad-1", "ads", "ad"), policy="misleading_claims", actions=[{"type": "REJECT_AD"}])
    submit_report(api, "n-1", reporter="flagger-1", kind="TRUSTED_FLAGGER", subject=subject("pin-tf"))
    api.clock.advance(timedelta(minutes=90))
    decide(api, subject=subject("pin-tf"))
    settle(api)


def test_the_csv_lays_out_each_section_s_figures_one_a_row(api: Api, docket: Docket) -> None:
    write_period(api)

    code, printed, errors = docket("report", *MARCH, "--format", "csv")

    assert (code, errors) == (0, "")
    rows = list(csv.reader(io.StringIO(printed)))
    assert rows[0] == ["section", "figure", "category", "breakdown", "value"]
    assert rows[1:4] == [
        ["Identification", "reporting_period_start", "", "", "2026-03-01T00:00:00+00:00"],
        ["Identification", "reporting_period_end", "", "", "2026-04-01T00:00:00+00:00"],
        ["Identification", "domain", "", "", "ALL"],
    ]
    assert ["Notices (Art. 16)", "median_seconds_to_action", "ALL", "TRUSTED_FLAGGER", "5400"] in rows
    assert ["Notices (Art. 16)", "restrictions", "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
            "SOURCE_TRUSTED_FLAGGER / DECISION_VISIBILITY_CONTENT_REMOVED / NOT_AUTOMATED_DETECTION", "1"] in rows
    assert ["Own-initiative content moderation", "restrictions", "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
            "DECISION_VISIBILITY_OTHER / NOT_AUTOMATED_DETECTION", "1"] in rows
    assert ["Automated means", "decisions", "", "DECISION_NOT_AUTOMATED", "3"] in rows
    sections = list(dict.fromkeys(r[0] for r in rows[1:]))
    assert sections == ["Identification", "Notices (Art. 16)", "Own-initiative content moderation",
                        "Automated means"]
    assert printed.endswith("\r\n")


def test_json_gives_the_figures_of_one_domain(api: Api, docket: Docket) -> None:
    write_period(api)

    code, printed, errors = docket("report", *MARCH, "--domain", "ads", "--format", "json")

    assert (code, errors) == (0, "")
    report = json.loads(printed)
    assert (report["from"], report["to"], report["domains"]) == (
        "2026-03-01T00:00:00+00:00", "2026-04-01T00:00:00+00:00", ["ads"])
    assert report["restrictions"] == [{
        "source_type": "SOURCE_VOLUNTARY", "category": "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
        "restriction": "DECISION_VISIBILITY_OTHER", "automated_detection": False, "decisions": 1,
    }]
    assert report["notices"] == []


def test_a_period_ending_before_it_starts_or_a_bad_time_is_refused(api: Api, docket: Docket) -> None:
    code, printed, errors = docket("report", "--from", "2026-03-02", "--to", "2026-03-01")
    assert (code, printed) == (2, "")
    assert "--to (2026-03-01T00:00:00+00:00) must not be before --from" in errors
    code, _, errors = docket("report", "--from", "March", "--to", "2026-03-01")
    assert code == 2 and "'March' is not an ISO 8601 date or time" in errors
