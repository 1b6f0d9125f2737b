"""Signing in to the console: the session cookie, CSRF on every post, expiry and revocation, and GraphiQL."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path

import tomli_w

from app.http.console.sessions import console_key
from tests.api.console.console_api import queued_work, sign_in
from tests.api.ledger_api import head
from tests.support import Api


def test_a_browser_without_a_session_is_sent_to_sign_in(api: Api) -> None:
    response = api.client.get("/console/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/login?next=")


def test_signing_in_sets_an_http_only_same_site_strict_cookie(api: Api) -> None:
    sign_in(api.client, api.token)
    login = api.client.get("/console/login")
    csrf = login.text.split('name="csrf" value="')[1].split('"')[0]
    response = api.client.post("/console/login", data={"csrf": csrf, "token": api.token}, follow_redirects=False)
    cookie = response.headers["set-cookie"].lower()
    assert "docket_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert "path=/console" in cookie


def test_an_unknown_token_is_refused_at_sign_in(api: Api) -> None:
    login = api.client.get("/console/login")
    csrf = login.text.split('name="csrf" value="')[1].split('"')[0]
    response = api.client.post("/console/login", data={"csrf": csrf, "token": "dkt_wrong"}, follow_redirects=False)
    assert response.status_code == 401
    assert "not known" in response.text
    assert "docket_session" not in response.headers.get("set-cookie", "")


def test_sign_in_without_its_form_token_is_refused(api: Api) -> None:
    api.client.get("/console/login")
    response = api.client.post("/console/login", data={"csrf": "forged", "token": api.token}, follow_redirects=False)
    assert response.status_code == 403
    assert "docket_session" not in response.headers.get("set-cookie", "")


def test_a_post_with_a_missing_or_tampered_csrf_token_writes_nothing(api: Api) -> None:
    queued_work(api, ["pin-1"])
    csrf = sign_in(api.client, api.token)
    before = head(api)
    for offered in ({}, {"csrf": csrf[:-2] + "xx"}):
        response = api.client.post("/console/queues/ts_general/claim", data=offered, follow_redirects=False)
        assert response.status_code == 403
        assert "CSRF check failed" in response.text
    assert head(api) == before
    claimed = api.client.post("/console/queues/ts_general/claim", data={"csrf": csrf}, follow_redirects=False)
    assert claimed.status_code == 303 and "/console/case?" in claimed.headers["location"]


def test_an_expired_session_is_refused(api: Api) -> None:
    sign_in(api.client, api.token)
    api.clock.advance(timedelta(hours=8, seconds=1))
    response = api.client.get("/console/", follow_redirects=False)
    assert response.status_code == 303 and "/console/login" in response.headers["location"]


def test_a_revoked_token_ends_its_sessions_at_once(api: Api) -> None:
    token = api.principal("rita", ["reviewer"])
    sign_in(api.client, token)
    assert api.tokens_file is not None
    document = tomllib.loads(api.tokens_file.read_text())
    del document["principals"]["rita"]
    api.tokens_file.write_text(tomli_w.dumps(document))
    response = api.client.get("/console/", follow_redirects=False)
    assert response.status_code == 303 and "/console/login" in response.headers["location"]


def test_a_forged_session_cookie_is_refused(api: Api) -> None:
    sign_in(api.client, api.token)
    session = api.client.cookies["docket_session"]
    api.client.cookies.clear()
    api.client.cookies.set("docket_session", session[:-3] + "abc", path="/console")
    response = api.client.get("/console/", follow_redirects=False)
    assert response.status_code == 303


def test_signing_out_clears_the_session(api: Api) -> None:
    csrf = sign_in(api.client, api.token)
    response = api.client.post("/console/logout", data={"csrf": csrf}, follow_redirects=False)
    assert response.status_code == 303
    cleared = response.headers["set-cookie"].lower()
    assert cleared.startswith('docket_session="";') and "max-age=0" in cleared


def test_a_browser_asking_for_html_gets_graphiql_and_api_clients_get_the_api(api: Api) -> None:
    page = api.client.get("/graphql", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    refused = api.client.get("/graphql", headers={"Accept": "application/json"})
    assert refused.status_code == 401
    answered = api.client.get("/graphql?query={health{head}}", headers={
        "Accept": "application/json", "Authorization": f"Bearer {api.token}"})
    assert answered.status_code == 200 and "head" in answered.json()["data"]["health"]


def test_every_worker_signs_with_the_one_key_made_first(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.toml"
    first, second = console_key(tokens, {}), console_key(tokens, {})
    assert first == second and len(first) == 64
    assert (tmp_path / "tokens.toml.console-key").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["tokens.toml.console-key"]
    assert console_key(tokens, {"DOCKET_CONSOLE_KEY": "configured"}) == b"configured"
