"""Reporters: their statistics, and a warning before a suspension of their notices (DSA Art. 23)."""

from __future__ import annotations

from datetime import timedelta

from tests.api.ledger_api import DECIDE, decide_input, head, subject
from tests.api.review_api import DISMISS, SUSPEND, WARN, submit_report
from tests.support import Api

REPORTER = """
query($id: String!, $p: String) { reporter(id: $id, minPosition: $p) {
  id kind reports closed upheld upheldRate warnings lastWarning suspended suspendedUntil suspensionReason } }
"""


def test_a_reporters_statistics_count_reports_and_the_share_upheld(api: Api) -> None:
    for n in range(3):
        submit_report(api, f"r-{n}", reporter="flagger-1", kind="TRUSTED_FLAGGER", subject=subject(f"pin-{n}"))
    api.data(DECIDE, {"input": decide_input(subject=subject("pin-0"))})
    dismissed = api.data(DISMISS, {"i": {"subject": subject("pin-1"), "policy": "spam", "rationale": "Fine."}})

    stats = api.data(REPORTER, {"id": "flagger-1", "p": dismissed["dismissCase"]["position"]})["reporter"]
    assert (stats["kind"], stats["reports"], stats["closed"], stats["upheld"]) == ("TRUSTED_FLAGGER", 3, 2, 1)
    assert stats["upheldRate"] == 0.5
    assert api.data(REPORTER, {"id": "nobody"})["reporter"] is None


def test_a_reporter_is_warned_then_suspended_and_their_notices_refused_until_the_suspension_ends(api: Api) -> None:
    submit_report(api, "r-1", reporter="user-9")
    until = (api.clock.now + timedelta(days=30)).isoformat()
    suspend = {"reporterId": "user-9", "reason": "Manifestly unfounded notices", "until": until}

    early = api.data(SUSPEND, {"i": suspend})["suspendReporter"]
    assert early["__typename"] == "ConflictError"
    warned = api.data(WARN, {"i": {"reporterId": "user-9", "reason": "Twelve unfounded notices"}})["warnReporter"]
    assert (warned["warnings"], warned["lastWarning"]) == (1, "Twelve unfounded notices")
    suspended = api.data(SUSPEND, {"i": suspend})["suspendReporter"]
    assert (suspended["suspended"], suspended["suspensionReason"]) == (True, "Manifestly unfounded notices")

    before = head(api)
    refused = submit_report(api, "r-2", reporter="user-9")
    assert refused["__typename"] == "ConflictError"
    assert "suspended until" in refused["message"]
    assert head(api) == before

    api.clock.advance(timedelta(days=31))
    accepted = submit_report(api, "r-3", reporter="user-9")
    assert accepted["__typename"] == "Report"
    assert api.data(REPORTER, {"id": "user-9", "p": accepted["position"]})["reporter"]["suspended"] is False
