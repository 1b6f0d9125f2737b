"""eraseAccountData, placeLegalHold and liftLegalHold through the real app: the key goes with the erasure's event,
the history still replays with the personal data as [erased], and holds, unknown and repeated erasures answer
typed."""

from typing import Any

from tests.api.ledger_api import account, decide, events_after, head, record_detection
from tests.api.review_api import case_review, submit_report
from tests.support import Api, Docket

PHONE = "+33 6 12 34 56 78"
FAILURES = "... on ValidationError { message field } ... on NotFoundError { message } ... on ConflictError { message }"
DATA = f"""__typename ... on AccountData {{ accountId legalHold holdReason holdAuthority erasedAt position }}
{FAILURES}"""
ERASE = f"""mutation($i: EraseAccountDataInput!) {{ eraseAccountData(input: $i) {{
  {DATA} ... on LegalHoldError {{ message authority }} }} }}"""
PLACE = f"mutation($i: LegalHoldInput!) {{ placeLegalHold(input: $i) {{ {DATA} }} }}"
LIFT = f"mutation($i: LegalHoldInput!) {{ liftLegalHold(input: $i) {{ {DATA} }} }}"
HOLD = {"accountId": "acct-1", "reason": "Litigation pending.", "authority": "Court of Paris, case 2026/118"}


def erase(api: Api, account_id: str = "acct-1", token: str | None = None) -> Any:
    return api.data(ERASE, {"i": {"accountId": account_id, "reason": "GDPR Art. 17, ticket 42"}}, token)[
        "eraseAccountData"]


def history(api: Api) -> None:
    """acct-1's evidence, a report on its pin and a VIOLATING decision with a strike."""
    record_detection(api, evidence={"email": "jane.doe@example.test"})
    submit_report(api, "k-1", text=f"She posts my number {PHONE}")
    decide(api)


def test_erasure_leaves_the_history_replaying_with_the_personal_data_erased_and_the_decision_standing(
    api: Api,
) -> None:
    history(api)

    erased = erase(api)

    assert erased["__typename"] == "AccountData" and erased["erasedAt"] is not None
    events = events_after(api)
    by_type = {e["type"]: e["data"] for e in events}
    assert by_type["Report.Submitted"]["text"] == "[erased]"
    assert by_type["Detection.Recorded"]["facts"]["evidence"] == {"erased": "[erased]"}
    assert by_type["Case.Decided"]["decision"]["rationale"] == "Mass-posted identical link-farm comments."
    assert by_type["AccountData.Erased"] == {
        "actor": "alice", "occurred_at": by_type["AccountData.Erased"]["occurred_at"], "account_id": "acct-1",
        "reason": "GDPR Art. 17, ticket 42",
    }
    assert PHONE not in str(events)
    assert account(api, "acct-1", erased["position"])["standing"]["activeStrikes"] == 1
    assert [d["outcome"] for d in case_review(api, position=erased["position"])["decisions"]] == ["VIOLATING"]


def test_erasing_again_answers_the_same_and_records_nothing(api: Api) -> None:
    history(api)
    first = erase(api)

    again = erase(api)

    assert again == first
    assert head(api) == first["position"]


def test_an_account_the_ledger_does_not_know_is_not_found_and_nothing_is_written(api: Api) -> None:
    before = head(api)

    answer = erase(api, "acct-nobody")

    assert answer == {"__typename": "NotFoundError", "message": "the ledger holds no record of account 'acct-nobody'"}
    assert head(api) == before


def test_a_legal_hold_refuses_erasure_until_it_is_lifted(api: Api) -> None:
    history(api)
    placed = api.data(PLACE, {"i": HOLD})["placeLegalHold"]
    assert (placed["legalHold"], placed["holdAuthority"]) == (True, "Court of Paris, case 2026/118")

    refused = erase(api)

    assert refused["__typename"] == "LegalHoldError" and refused["authority"] == "Court of Paris, case 2026/118"
    assert head(api) == placed["position"]
    assert "She posts my number" in str(events_after(api))
    lifted = api.data(LIFT, {"i": {**HOLD, "reason": "Case closed."}})["liftLegalHold"]
    assert lifted["legalHold"] is False
    assert erase(api)["__typename"] == "AccountData"


def test_a_hold_without_an_authority_is_refused(api: Api) -> None:
    history(api)

    answer = api.data(PLACE, {"i": {**HOLD, "authority": " "}})["placeLegalHold"]

    assert (answer["__typename"], answer["field"]) == ("ValidationError", "authority")


def test_only_admins_erase_or_hold(api: Api) -> None:
    history(api)
    reviewer = api.principal("rev", ["reviewer"])
    auditor = api.principal("aud", ["auditor"])

    for token in (reviewer, auditor):
        for document, variables in ((ERASE, {"i": {"accountId": "acct-1", "reason": "x"}}), (PLACE, {"i": HOLD})):
            response = api.client.post("/graphql", json={"query": document, "variables": variables},
                                       headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 403 and response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_docket_erase_erases_once_and_refuses_under_a_hold(api: Api, docket: Docket) -> None:
    history(api)
    api.data(PLACE, {"i": HOLD})

    held = docket("erase", "--account", "acct-1", "--reason", "GDPR Art. 17")
    api.data(LIFT, {"i": HOLD})
    erased = docket("erase", "--account", "acct-1", "--reason", "GDPR Art. 17", "--actor", "dpo:maria")
    unknown = docket("erase", "--account", "acct-nobody", "--reason", "GDPR Art. 17")

    assert held[0] == 1 and "legal hold" in held[2]
    assert erased[0] == 0 and "erased the personal data of account 'acct-1'" in erased[1]
    assert unknown == (2, "", "docket: the ledger holds no record of account 'acct-nobody'\n")
    assert [e["actor"] for e in events_after(api) if e["type"] == "AccountData.Erased"] == ["dpo:maria"]
