"""Setting webhooks up through GraphQL: the secret answered once, rotations, disabling and enabling, redelivery, and
the typed refusals of bad URLs, private addresses, unknown event types and unknown webhooks; only admins may."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.api.ledger_api import head
from tests.support import Api

FAILURES = "... on ValidationError { message field } ... on NotFoundError { message } ... on ConflictError { message }"
HOOK = ("id url filter { domains eventTypes } description enabled disabledReason secretVersion secretFingerprint "
        "position")
CREATE = f"""mutation($i: CreateWebhookInput!) {{ createWebhook(input: $i) {{ __typename
  ... on CreatedWebhook {{ webhook {{ {HOOK} }} secret position }} {FAILURES} }} }}"""
ROTATE = f"""mutation($i: RotateWebhookSecretInput!) {{ rotateWebhookSecret(input: $i) {{ __typename
  ... on RotatedWebhookSecret {{ webhook {{ {HOOK} }} secret previousSecretExpiresAt position }} {FAILURES} }} }}"""
DISABLE = f"""mutation($i: DisableWebhookInput!) {{ disableWebhook(input: $i) {{ __typename
  ... on Webhook {{ {HOOK} }} {FAILURES} }} }}"""
ENABLE = f"""mutation($i: EnableWebhookInput!) {{ enableWebhook(input: $i) {{ __typename
  ... on Webhook {{ {HOOK} }} {FAILURES} }} }}"""
REDELIVER = f"""mutation($i: RedeliverInput!) {{ redeliver(input: $i) {{ __typename
  ... on Redelivered {{ count }} {FAILURES} }} }}"""
PUBLIC = "https://8.8.8.8/docket"
"""An address literal: no name to resolve, and a public one."""
UNKNOWN = "00000000-0000-4000-8000-000000000000"


def create(api: Api, **changes: Any) -> Any:
    return api.data(CREATE, {"i": {"url": PUBLIC, "description": "Search removes what is removed.", **changes}})[
        "createWebhook"]


def test_a_webhook_is_created_with_its_secret_shown_once_and_never_in_the_ledger(api: Api) -> None:
    created = create(api, filter={"domains": ["ads"], "eventTypes": ["Case.Decided"]}, idempotencyKey="search-1")
    assert created["__typename"] == "CreatedWebhook"
    secret = created["secret"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    webhook = created["webhook"]
    assert (webhook["url"], webhook["filter"], webhook["enabled"], webhook["secretVersion"]) == (
        PUBLIC, {"domains": ["ads"], "eventTypes": ["Case.Decided"]}, True, 1)

    shown = api.data(f"query($p: String) {{ webhooks(minPosition: $p) {{ {HOOK} }} }}", {"p": created["position"]})
    assert shown["webhooks"] == [webhook]
    everything = api.post(  # at the webhook's position: the events read other read models than webhooks does
        'query($p: String) { events(first: 500, minPosition: $p, filter: {eventTypes: ["Webhook.Created"]}) '
        '{ edges { node { data } } } }', {"p": created["position"]})
    assert secret not in str(everything) and secret.removeprefix("whsec_") not in str(everything)
    assert [e["node"]["data"]["secret_fingerprint"] for e in everything["data"]["events"]["edges"]] == [
        webhook["secretFingerprint"]]

    again = create(api, filter={"domains": ["ads"], "eventTypes": ["Case.Decided"]}, idempotencyKey="search-1")
    assert (again["webhook"]["id"], again["secret"]) == (webhook["id"], secret)
    other = create(api, url="https://8.8.4.4/elsewhere", idempotencyKey="search-1")
    assert other["__typename"] == "ConflictError"


def test_a_rotation_answers_a_new_secret_while_the_old_one_signs_for_the_grace_period(api: Api) -> None:
    created = create(api)
    rotated = api.data(ROTATE, {"i": {"webhookId": created["webhook"]["id"], "graceSeconds": 3600}})[
        "rotateWebhookSecret"]
    assert rotated["__typename"] == "RotatedWebhookSecret"
    assert rotated["secret"] != created["secret"]
    assert rotated["webhook"]["secretVersion"] == 2
    assert rotated["webhook"]["secretFingerprint"] != created["webhook"]["secretFingerprint"]
    assert rotated["previousSecretExpiresAt"].startswith(
        api.clock.now.replace(microsecond=0).isoformat()[:11])
    too_long = api.data(ROTATE, {"i": {"webhookId": created["webhook"]["id"], "graceSeconds": 8 * 86_400}})[
        "rotateWebhookSecret"]
    assert (too_long["__typename"], too_long["field"]) == ("ValidationError", "graceSeconds")


def test_a_retried_rotation_answers_the_same_secret_and_rotates_nothing(api: Api) -> None:
    hook = create(api)["webhook"]["id"]
    asked = {"i": {"webhookId": hook, "graceSeconds": 3600, "idempotencyKey": "rotate-1"}}
    rotated = api.data(ROTATE, asked)["rotateWebhookSecret"]
    before = head(api)

    again = api.data(ROTATE, asked)["rotateWebhookSecret"]

    assert head(api) == before
    assert (again["secret"], again["webhook"]["secretVersion"], again["previousSecretExpiresAt"]) == (
        rotated["secret"], 2, rotated["previousSecretExpiresAt"])
    latest = api.data(ROTATE, {"i": {"webhookId": hook, "idempotencyKey": "rotate-2"}})["rotateWebhookSecret"]
    replaced = api.data(ROTATE, asked)["rotateWebhookSecret"]
    assert replaced["__typename"] == "ConflictError" and "a later rotation has replaced" in replaced["message"]
    malformed = api.data(ROTATE, {"i": {"webhookId": hook, "idempotencyKey": "not a key"}})["rotateWebhookSecret"]
    assert (malformed["__typename"], malformed["field"]) == ("ValidationError", "idempotencyKey")
    shown = api.data("query($id: ID!, $p: String) { webhook(id: $id, minPosition: $p) { secretVersion } }",
                     {"id": hook, "p": latest["position"]})
    assert shown["webhook"] == {"secretVersion": 3}


def test_disabling_and_enabling_are_recorded_once_each(api: Api) -> None:
    hook = create(api)["webhook"]["id"]
    disabled = api.data(DISABLE, {"i": {"webhookId": hook, "reason": "Receiver down for maintenance."}})[
        "disableWebhook"]
    assert (disabled["enabled"], disabled["disabledReason"]) == (False, "Receiver down for maintenance.")
    before = head(api)
    assert api.data(DISABLE, {"i": {"webhookId": hook, "reason": "Again."}})["disableWebhook"]["enabled"] is False
    assert head(api) == before
    enabled = api.data(ENABLE, {"i": {"webhookId": hook}})["enableWebhook"]
    assert (enabled["enabled"], enabled["disabledReason"]) == (True, None)
    log = api.data("query($w: ID!) { webhookDeliveries(webhook: $w, status: DEAD) { edges { cursor } } }",
                   {"w": hook})
    assert log["webhookDeliveries"]["edges"] == []
    assert api.data(REDELIVER, {"i": {"webhookId": hook}})["redeliver"] == {"__typename": "Redelivered", "count": 0}


@pytest.mark.parametrize(("url", "words"), [
    ("http://8.8.8.8/hook", "must use https"),
    ("https://127.0.0.1/hook", "127.0.0.1, a private, loopback"),
    ("https://10.1.2.3/hook", "10.1.2.3, a private"),
    ("https://169.254.169.254/latest/meta-data", "169.254.169.254, a private"),
    ("https://[::1]/hook", "::1, a private"),
    ("https://localhost/hook", "a private, loopback"),
    ("ftp://8.8.8.8/hook", "absolute https:// URL"),
    ("not a url", "without spaces"),
    ("https://user:pw@8.8.8.8/hook", "credentials"),
    ("https://8.8.8.8:99999/hook", "not a URL"),
    ("https://no-such-host.invalid/hook", "does not resolve"),
])
def test_a_url_docket_may_not_send_to_is_refused_and_nothing_is_written(api: Api, url: str, words: str) -> None:
    before = head(api)
    refused = create(api, url=url)
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "url")
    assert words in refused["message"]
    assert head(api) == before


def test_an_unknown_event_type_or_a_bad_domain_in_the_filter_is_refused(api: Api) -> None:
    unknown = create(api, filter={"eventTypes": ["Case.Decided", "Case.Exploded"]})
    assert (unknown["__typename"], unknown["field"]) == ("ValidationError", "filter.eventTypes")
    assert "Case.Exploded" in unknown["message"]
    bad = create(api, filter={"domains": ["Ads Team"]})
    assert (bad["__typename"], bad["field"]) == ("ValidationError", "filter.domains")


def test_an_unknown_or_malformed_webhook_is_answered_typed(api: Api) -> None:
    for document, extra in ((ROTATE, {}), (DISABLE, {"reason": "r"}), (ENABLE, {}), (REDELIVER, {})):
        missing = next(iter(api.data(document, {"i": {"webhookId": UNKNOWN, **extra}}).values()))
        assert missing == {"__typename": "NotFoundError", "message": f"no webhook {UNKNOWN}"}
        malformed = next(iter(api.data(document, {"i": {"webhookId": "hook-1", **extra}}).values()))
        assert (malformed["__typename"], malformed["field"]) == ("ValidationError", "webhookId")
    assert api.data("query($id: ID!) { webhook(id: $id) { id } }", {"id": UNKNOWN})["webhook"] is None
    for webhook, after, argument in (("hook-1", None, "webhook"), (UNKNOWN, "abc", "after")):
        body = api.post("query($w: ID!, $a: String) { webhookDeliveries(webhook: $w, after: $a) { edges { cursor } } }",
                        {"w": webhook, "a": after})
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}


def test_only_an_admin_manages_webhooks(api: Api) -> None:
    for role in ("policy_admin", "reviewer", "service", "auditor", "subscriber"):
        token = api.principal(f"a-{role}", [role])
        response = api.client.post(
            "/graphql", json={"query": CREATE, "variables": {"i": {"url": PUBLIC, "description": "d"}}},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 403, role
        assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    auditor = api.principal("reader", ["auditor"])
    assert api.data("{ webhooks { id } }", token=auditor) == {"webhooks": []}
