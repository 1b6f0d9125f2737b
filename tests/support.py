"""Helpers shared by the test levels: a clock tests can move, and a GraphQL client."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from app.auth.tokens import create_token
from app.cli.main import main

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@dataclass
class MovableClock:
    """Injected time that only moves when a test says so."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now


@dataclass
class Api:
    """Posts GraphQL documents to the real ASGI app as a given principal."""

    client: TestClient
    token: str
    clock: MovableClock
    tokens: dict[str, str] = field(default_factory=dict)
    tokens_file: Path | None = None

    def principal(self, name: str, roles: list[str], domains: list[str] | None = None) -> str:
        """Adds a principal to the running app's tokens file; returns its token."""
        assert self.tokens_file is not None
        token = create_token(self.tokens_file, name, roles, domains or ["*"])
        self.tokens[name] = token
        return token

    def get(self, path: str, token: str | None = None) -> Any:
        """GETs a path other than /graphql as a principal (by default the admin)."""
        return self.client.get(path, headers={"Authorization": f"Bearer {token or self.token}"})

    def post(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> Any:
        return self.post_body(json.dumps({"query": query, "variables": variables or {}}), token)

    def post_body(self, body: str, token: str | None = None) -> Any:
        """Posts JSON text as written: a lone surrogate escaped as json.dumps escapes it, or nesting deeper than
        json.dumps writes."""
        response = self.client.post(
            "/graphql",
            content=body,
            headers={"Authorization": f"Bearer {token or self.token}", "Content-Type": "application/json"},
        )
        assert response.status_code == 200, response.text
        return response.json()

    def data(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> Any:
        """The `data` of a response that must have no errors."""
        body = self.post(query, variables, token)
        assert "errors" not in body, body["errors"]
        return body["data"]


class Docket:
    """The `docket` command, run on the API's database as an operator runs it."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(list(args))
        printed = self.capsys.readouterr()
        return code, printed.out, printed.err
