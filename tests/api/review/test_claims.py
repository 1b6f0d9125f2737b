"""Claims through GraphQL: leases, release, skip, renew, expiry, and who may decide a claimed case."""

from __future__ import annotations

from datetime import timedelta

from tests.api.ledger_api import DECIDE, decide_input, subject
from tests.api.review_api import (
    RELEASE,
    RENEW,
    SKIP,
    case_review,
    claim_next,
    standard_queues,
    submit_report,
)
from tests.support import Api


def two_cases(api: Api) -> None:
    standard_queues(api)
    submit_report(api, "r-1", subject=subject("pin-1"))
    submit_report(api, "r-2", reporter="user-2", subject=subject("pin-2"))


def test_an_empty_queue_answers_null_and_an_unknown_queue_a_not_found_error(api: Api) -> None:
    standard_queues(api)

    assert claim_next(api, "ts_general") is None
    assert claim_next(api, "nowhere")["__typename"] == "NotFoundError"


def test_the_lease_is_ten_minutes_and_a_case_comes_back_when_it_runs_out(api: Api) -> None:
    two_cases(api)
    rita = api.principal("rita", ["reviewer"])
    sam = api.principal("sam", ["reviewer"])

    first = claim_next(api, "ts_general", token=rita)
    assert first["claim"]["expiresAt"] == (api.clock.now + timedelta(minutes=10)).isoformat()
    assert claim_next(api, "ts_general", token=sam)["claim"]["subject"]["id"] != first["claim"]["subject"]["id"]
    assert claim_next(api, "ts_general", token=api.principal("tom", ["reviewer"])) is None

    api.clock.advance(timedelta(minutes=11))
    again = claim_next(api, "ts_general", token=api.tokens["tom"])
    assert again["claim"]["holder"] == "tom"
    history = [h["summary"] for h in case_review(api, again["claim"]["subject"]["id"], again["position"])["history"]]
    assert any("ended: EXPIRED" in line for line in history)


def test_release_and_skip_give_the_case_back_and_a_skipper_is_not_handed_it_again(api: Api) -> None:
    two_cases(api)
    rita = api.principal("rita", ["reviewer"])

    first = claim_next(api, "ts_general", token=rita)["claim"]["subject"]
    released = api.data(RELEASE, {"s": subject(first["id"])}, rita)["releaseClaim"]
    assert released["__typename"] == "CaseUpdate"
    assert claim_next(api, "ts_general", token=rita)["claim"]["subject"] == first

    skipped = api.data(SKIP, {"s": subject(first["id"])}, rita)["skipCase"]
    assert skipped["__typename"] == "CaseUpdate"
    other = claim_next(api, "ts_general", token=rita)["claim"]["subject"]
    assert other != first
    assert api.data(SKIP, {"s": subject(other["id"])}, rita)["skipCase"]["__typename"] == "CaseUpdate"
    assert claim_next(api, "ts_general", token=rita) is None
    assert claim_next(api, "ts_general")["claim"]["subject"] == first  # someone else still gets it


def test_only_the_holder_renews_or_releases(api: Api) -> None:
    two_cases(api)
    rita = api.principal("rita", ["reviewer"])
    sam = api.principal("sam", ["reviewer"])
    held = claim_next(api, "ts_general", token=rita)["claim"]["subject"]

    api.clock.advance(timedelta(minutes=8))
    assert api.data(RENEW, {"s": subject(held["id"]), "lease": 900}, sam)["renewClaim"]["__typename"] == "ConflictError"
    renewed = api.data(RENEW, {"s": subject(held["id"]), "lease": 900}, rita)["renewClaim"]
    assert renewed["expiresAt"] == (api.clock.now + timedelta(minutes=15)).isoformat()
    assert api.data(RELEASE, {"s": subject(held["id"])}, sam)["releaseClaim"]["__typename"] == "ConflictError"
    no_lease = api.data(RENEW, {"s": subject(held["id"]), "lease": 0}, rita)["renewClaim"]
    assert no_lease["__typename"] == "ValidationError"


def test_deciding_a_case_claimed_by_someone_else_is_refused_unless_the_caller_is_an_admin(api: Api) -> None:
    two_cases(api)
    rita = api.principal("rita", ["reviewer"])
    sam = api.principal("sam", ["reviewer"])
    held = claim_next(api, "ts_general", token=rita)["claim"]["subject"]

    refused = api.data(DECIDE, {"input": decide_input(subject=subject(held["id"]))}, sam)["decide"]
    assert refused["__typename"] == "ConflictError"
    assert case_review(api, held["id"])["decisions"] == []

    overridden = api.data(DECIDE, {"input": decide_input(subject=subject(held["id"]))})["decide"]  # alice, an admin
    assert overridden["__typename"] == "Decision"
    assert case_review(api, held["id"], overridden["position"])["claim"] is None
