"""A kept account answer is given again only while it is still the answer: across writes, strike expiries, asOf and
minPosition it is what an answer read afresh says."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from app.graphql.core.answers import BACK_OFF_AFTER, MOST_SKIPPED
from tests.api.ledger_api import decide, record_detection, settle, subject
from tests.projections.statements import reads_counted
from tests.support import Api

FIELDS = """
    id firstSeenAt
    standing { level strikePoints activeStrikes explanation penalty { kind endsAt } }
    standings { domain level strikePoints activeStrikes }
    strikes { id points policy expiresAt removedAt }
    penalties { kind startsAt endsAt liftedAt }
"""
KEPT = f"""
query Kept($id: String!, $minPosition: String, $asOf: DateTime) {{
  account(id: $id, minPosition: $minPosition, asOf: $asOf) {{ {FIELDS} }}
}}
"""
FRESH = f"""
query Fresh($id: String!, $minPosition: String, $asOf: DateTime) {{
  __typename
  account(id: $id, minPosition: $minPosition, asOf: $asOf) {{ {FIELDS} }}
}}
"""
"""The same account with a field that declares nothing: an answer never kept, read afresh each time."""


def both(api: Api, min_position: str | None = None, as_of: str | None = None) -> tuple[Any, Any]:
    """The account's kept answer (asked twice, so that the second may come from what the first kept) and a fresh
    one."""
    variables = {"id": "acct-1", "minPosition": min_position, "asOf": as_of}
    api.data(KEPT, variables)
    return api.data(KEPT, variables)["account"], api.data(FRESH, variables)["account"]


def strike(api: Api, n: int, domain: str = "trust_safety", kind: str = "pin", policy: str = "spam") -> dict[str, Any]:
    made = decide(api, subject=subject(f"s-{n}", domain=domain, kind=kind), policy=policy, idempotencyKey=f"d-{n}",
                  actions=[{"type": "REJECT_AD" if domain == "ads" else "REMOVE"}])
    assert made["__typename"] == "Decision", made
    return made


def test_kept_answers_are_the_fresh_ones_across_writes_and_strike_expiries(api: Api) -> None:
    record_detection(api)
    settle(api)
    seen = [both(api)]
    first = strike(api, 1, domain="ads", kind="ad", policy="misleading_claims")  # expires after 90 days
    settle(api)
    seen.append(both(api))
    api.clock.advance(timedelta(days=30))
    second = strike(api, 2)  # trust_safety: 365 days
    seen.append(both(api, min_position=second["position"]))  # waits for its own write, no settle
    api.clock.advance(timedelta(days=59, hours=23))
    seen.append(both(api))  # the first strike a moment before it expires
    api.clock.advance(timedelta(hours=2))
    seen.append(both(api))  # and after
    seen.append(both(api, as_of=(api.clock() - timedelta(days=60)).isoformat()))
    third = strike(api, 3)
    settle(api)
    seen.append(both(api, min_position=third["position"]))

    assert all(kept == fresh for kept, fresh in seen), [pair for pair in seen if pair[0] != pair[1]]
    points = [kept["standing"]["strikePoints"] for kept, _ in seen]
    assert points == [0, 1, 2, 2, 1, 2, 2]
    assert first["strike"]["id"] in {s["id"] for s in seen[-1][0]["strikes"]}


def test_a_kept_answer_costs_one_look_at_the_read_models_positions(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    strike(api, 1)
    settle(api)
    variables = {"id": "acct-1"}
    api.data(KEPT, variables)

    with reads_counted(monkeypatch) as sent:
        kept = api.data(KEPT, variables)["account"]

    assert kept["standing"]["strikePoints"] == 1
    assert len(sent) == 1 and "FROM projection_positions" in sent[0] and "strikes" not in sent[0]


def test_a_write_to_the_account_is_seen_by_the_next_question_without_min_position(api: Api) -> None:
    strike(api, 1)
    settle(api)
    variables = {"id": "acct-1"}
    before = [api.data(KEPT, variables)["account"] for _ in range(2)]

    strike(api, 2)
    settle(api)
    after = api.data(KEPT, variables)["account"]

    assert [a["standing"]["strikePoints"] for a in before] == [1, 1]
    assert after["standing"]["strikePoints"] == 2


def test_an_account_whose_kept_answers_keep_going_stale_is_read_afresh_without_a_look_until_quiet_again(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    variables = {"id": "acct-1"}
    across_writes = []
    for n in range(BACK_OFF_AFTER + 2):  # every ask after the first finds the answer the one before kept stale
        strike(api, n)
        settle(api)
        with reads_counted(monkeypatch) as sent:
            kept = api.data(KEPT, variables)["account"]
        across_writes.append((kept, api.data(FRESH, variables)["account"], sent))
    quiet = []
    for _ in range(MOST_SKIPPED + 2):
        with reads_counted(monkeypatch) as sent:
            kept = api.data(KEPT, variables)["account"]
        quiet.append((kept, api.data(FRESH, variables)["account"], sent))

    assert all(kept == fresh for kept, fresh, _ in across_writes + quiet)
    assert [kept["standing"]["strikePoints"] for kept, _, _ in across_writes] == list(range(1, BACK_OFF_AFTER + 3))
    backed_off = across_writes[-1][2]
    assert len(backed_off) == 1 and "strikes" in backed_off[0]  # read afresh, with no look at the positions
    held = quiet[-1][2]
    assert len(held) == 1 and "FROM projection_positions" in held[0] and "strikes" not in held[0]
