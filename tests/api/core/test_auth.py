"""Bearer tokens: nothing runs without a known one; the tokens file is re-read when it changes."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import tomli_w

from app.auth.tokens import create_token
from tests.api.ledger_api import DECIDE, decide, decide_input, events_after, head
from tests.support import Api

POLICIES = "{ policies { key } }"


BAD_AUTHORIZATION = {
    # name: the Authorization header sent ({token} is alice's valid token), or None for no header
    "no header": None,
    "wrong token": "Bearer dkt_not-a-real-token",
    "basic scheme": "Basic xyz",
    "basic scheme with a valid token": "Basic {token}",
    "empty bearer": "Bearer ",
    "token without scheme": "{token}",
}


@pytest.mark.parametrize("header", BAD_AUTHORIZATION.values(), ids=BAD_AUTHORIZATION.keys())
def test_a_request_without_a_valid_bearer_token_is_refused(api: Api, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header.format(token=api.token)}

    response = api.client.post("/graphql", json={"query": POLICIES}, headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "data" not in response.json()


def test_a_get_without_a_token_is_refused_too(api: Api) -> None:
    response = api.client.get("/graphql", params={"query": POLICIES})

    assert response.status_code == 401


def test_a_mutation_with_a_bad_token_records_nothing(api: Api) -> None:
    before = head(api)

    response = api.client.post(
        "/graphql",
        json={"query": DECIDE, "variables": {"input": decide_input()}},
        headers={"Authorization": "Bearer dkt_not-a-real-token"},
    )

    assert response.status_code == 401
    assert events_after(api, before) == []


def test_health_checks_need_no_token(api: Api) -> None:
    assert api.client.get("/healthz").status_code == 200
    ready = api.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["ready"] is True
    assert ready.json()["head"] == head(api)


def test_a_principal_added_to_the_tokens_file_works_without_a_restart(api: Api, tmp_path: Path) -> None:
    api.data(POLICIES)  # the running app has read the file already
    token = create_token(tmp_path / "tokens.toml", "bob", ["reviewer"], ["*"])
    before = head(api)

    decision = api.data(DECIDE, {"input": decide_input()}, token=token)["decide"]

    assert decision["__typename"] == "Decision"
    events = events_after(api, before)
    assert events and {e["actor"] for e in events} == {"bob"}
    assert decide(api, subject={"domain": "trust_safety", "kind": "pin", "id": "pin-2"})["__typename"] == "Decision"
    assert {e["actor"] for e in events_after(api, decision["position"])} == {"alice"}


def test_a_principal_removed_from_the_tokens_file_is_refused_without_a_restart(api: Api, tmp_path: Path) -> None:
    tokens_file = tmp_path / "tokens.toml"
    bob = create_token(tokens_file, "bob", ["admin"], ["*"])
    api.data(POLICIES)
    document = tomllib.loads(tokens_file.read_text())
    del document["principals"]["alice"]
    tokens_file.write_text(tomli_w.dumps(document))

    refused = api.client.post("/graphql", json={"query": POLICIES}, headers={"Authorization": f"Bearer {api.token}"})

    assert refused.status_code == 401
    assert api.data(POLICIES, token=bob)["policies"]


def test_the_tokens_file_holds_only_hashes(api: Api, tmp_path: Path) -> None:
    text = (tmp_path / "tokens.toml").read_text()

    assert api.token not in text
    assert "token_sha256" in text
