"""A kept page of the ledger's events is given again only while it is still the answer: a full page below where the
read models stand, across writes and the erasure of personal data on it, is what a page read afresh says; a page that
may still grow is read afresh each time; and one caller's kept page is not another's."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.erasure.test_erase_account_data import erase
from tests.api.ledger_api import events_after, record_detection, settle, subject
from tests.projections.statements import reads_counted
from tests.support import Api

FIELDS = """edges { cursor node { position type aggregateId actor domain accountId subject { domain kind id } data } }
pageInfo { hasNextPage endCursor }"""
PAGE = f"events(after: $after, first: $first) {{ {FIELDS} }}"
KEPT = f"query Kept($after: String, $first: Int!) {{ {PAGE} }}"
FRESH = f"query Fresh($after: String, $first: Int!) {{ __typename {PAGE} }}"
"""The same page with a field that declares nothing: an answer never kept, read afresh each time."""
EVIDENCE = {"email": "jane.doe@example.test"}


def both(api: Api, first: int, after: str | None = None, token: str | None = None) -> tuple[Any, Any]:
    """The page kept (asked twice, so that the second may come from what the first kept) and read afresh."""
    variables = {"after": after, "first": first}
    api.data(KEPT, variables, token)
    return api.data(KEPT, variables, token)["events"], api.data(FRESH, variables, token)["events"]


def detections(api: Api, count: int, start: int = 0, domain: str = "trust_safety", kind: str = "pin") -> None:
    for n in range(start, start + count):
        record_detection(api, subject=subject(f"s-{n}", domain=domain, kind=kind), accountId=f"acct-{n + 10}",
                         externalId=f"clf-{n}", **({"policy": "misleading_claims"} if domain == "ads" else {}))


def evidence_on(page: Any) -> list[Any]:
    return [e["node"]["data"]["facts"]["evidence"] for e in page["edges"] if e["node"]["accountId"] == "acct-1"]


def test_a_full_page_kept_is_the_fresh_one_across_writes_and_the_erasure_of_data_on_it(api: Api) -> None:
    record_detection(api, evidence=EVIDENCE)
    detections(api, 20)
    settle(api)
    seen = [both(api, 20)]
    detections(api, 5, start=20)
    settle(api)
    seen.append(both(api, 20))
    erase(api)  # acct-1's key goes: its evidence on the page reads as erased
    seen.append(both(api, 20))
    settle(api)
    seen.append(both(api, 20))

    assert all(kept == fresh for kept, fresh in seen), [pair for pair in seen if pair[0] != pair[1]]
    assert all(kept["pageInfo"]["hasNextPage"] and len(kept["edges"]) == 20 for kept, _ in seen)
    erased = {"erased": "[erased]"}
    assert [evidence_on(kept) for kept, _ in seen] == [[EVIDENCE], [EVIDENCE], [erased], [erased]]
    assert seen[0][0]["edges"][-1]["node"]["subject"] is not None


@pytest.mark.parametrize("grown_by", [3, 1], ids=["partial", "ending_at_the_head"])
def test_a_page_that_may_still_grow_is_read_afresh_as_it_grows(api: Api, grown_by: int) -> None:
    detections(api, 2)
    settle(api)
    after = events_after(api)[-3]["position"]
    first = 2 if grown_by == 1 else 5  # with exactly its `first` edges, and no next page yet
    seen = [both(api, first, after)]
    detections(api, grown_by, start=2)
    settle(api)
    seen.append(both(api, first, after))

    assert all(kept == fresh for kept, fresh in seen), [pair for pair in seen if pair[0] != pair[1]]
    assert [len(kept["edges"]) for kept, _ in seen] == ([2, 5] if grown_by == 3 else [2, 2])
    assert [kept["pageInfo"]["hasNextPage"] for kept, _ in seen] == [False, grown_by == 1]


def test_a_callers_kept_page_is_not_given_to_a_caller_who_sees_other_domains(api: Api) -> None:
    detections(api, 12)
    detections(api, 12, start=12, domain="ads", kind="ad")
    settle(api)
    auditor = api.principal("ads-auditor", ["auditor"], ["ads"])
    admins, _ = both(api, 10)

    ads, fresh = both(api, 10, token=auditor)

    assert ads == fresh and ads != admins
    assert {e["node"]["domain"] for e in ads["edges"]} == {"ads"}
    assert "trust_safety" in {e["node"]["domain"] for e in admins["edges"]}


def test_a_kept_page_costs_one_look_at_the_read_models_positions(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    detections(api, 20)
    settle(api)
    api.data(KEPT, {"first": 20})

    with reads_counted(monkeypatch) as sent:
        kept = api.data(KEPT, {"first": 20})["events"]

    assert len(kept["edges"]) == 20
    assert len(sent) == 1 and "FROM projection_positions" in sent[0]
