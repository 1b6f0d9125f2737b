"""The DSA Transparency Database's API as the submitter uses it: a batch POSTed, a puid looked up, answers read.

`POST {endpoint}/statements` takes `{"statements": [...]}` (1 to 100) all or nothing: 201 with the stored statements;
422 with `errors` keyed `statement_<index>` (or `statements.<index>.<field>`) for statements it refuses, or
`errors.existing_puids` (and `existing`, the stored statements) for puids it has already; 429 with Retry-After when
asked too fast; any other answer means nothing was stored. `GET {endpoint}/statement/existing-puid/{puid}` answers
302 when it has the puid, 404 when not.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from app.fanout.webhooks.schedule import retry_after

USER_AGENT = "docket-submit-sor/1"
_STATEMENT_KEY = re.compile(r"^statements?[_.](\d+)(?:\.(.+))?$")
_EXCERPT = 500


@dataclass(frozen=True)
class Stored:
    """201: every statement of the batch is stored; the database's uuid of each puid it named."""

    uuids: dict[str, str | None]


@dataclass(frozen=True)
class Refused:
    """422: nothing of the batch is stored; why, per statement."""

    invalid: dict[int, str] = field(default_factory=dict)
    """The index in the batch of each statement it found wrong, and what it said."""
    existing: dict[str, str | None] = field(default_factory=dict)
    """Puids it has already, with its uuid of each when it said."""
    message: str = ""


@dataclass(frozen=True)
class Unstored:
    """Any other answer: nothing is stored. `retry_after` when it asked to slow down (429)."""

    status_code: int
    excerpt: str
    retry_after: float | None = None

    @property
    def final(self) -> bool:
        """A client error other than 429 (a bad token, a body it cannot read): sending it again changes nothing."""
        return 400 <= self.status_code < 500 and self.status_code != 429


@dataclass(frozen=True)
class NoAnswer:
    """The request may or may not have been stored: the connection failed or no answer came in time."""

    error: str


Answer = Stored | Refused | Unstored | NoAnswer


class TransparencyDatabase:
    def __init__(self, client: httpx.Client, endpoint: str, token: str) -> None:
        self.client = client
        self.endpoint = endpoint.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "application/json",
                         "User-Agent": USER_AGENT}

    def submit(self, statements: list[dict[str, Any]]) -> Answer:
        try:
            response = self.client.post(f"{self.endpoint}/statements", json={"statements": statements},
                                        headers=self._headers)
        except httpx.HTTPError as error:
            return NoAnswer(f"{type(error).__name__}: {error}"[:_EXCERPT])
        if response.status_code == 201:
            return Stored(_uuids(_body(response).get("statements")))
        if response.status_code == 422:
            refused = _refused(_body(response))
            if refused.invalid or refused.existing:
                return refused
        wait = retry_after(response.headers.get("retry-after"), datetime.now(UTC))
        return Unstored(response.status_code, response.text[:_EXCERPT], wait if response.status_code == 429 else None)

    def has(self, puid: str) -> bool | None:
        """Whether the database has the puid; None when it did not say."""
        try:
            response = self.client.get(f"{self.endpoint}/statement/existing-puid/{puid}", headers=self._headers,
                                       follow_redirects=False)
        except httpx.HTTPError:
            return None
        return {302: True, 200: True, 404: False}.get(response.status_code)


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _uuids(statements: Any) -> dict[str, str | None]:
    """Each puid's uuid in a list (or one) of stored statements."""
    listed = statements if isinstance(statements, list) else [statements]
    return {s["puid"]: s.get("uuid") for s in listed if isinstance(s, dict) and isinstance(s.get("puid"), str)}


def _refused(body: dict[str, Any]) -> Refused:
    errors = body.get("errors") if isinstance(body.get("errors"), dict) else {}
    assert isinstance(errors, dict)
    invalid: dict[int, list[str]] = {}
    for key, messages in errors.items():
        found = _STATEMENT_KEY.match(str(key))
        if found is not None:
            said = _said(messages)
            invalid.setdefault(int(found.group(1)), []).append(
                f"{found.group(2)}: {said}" if found.group(2) else said)
    named = [p for p in errors.get("existing_puids") or [] if isinstance(p, str)]
    uuids = _uuids(body.get("existing"))
    existing = {p: uuids.get(p) for p in named} if named else uuids
    return Refused({i: "; ".join(said) for i, said in invalid.items()}, existing, str(body.get("message", "")))


def _said(messages: Any) -> str:
    """What an error entry says, in one line: a message, a list of them, or messages by field."""
    if isinstance(messages, dict):
        return "; ".join(f"{f}: {_said(m)}" for f, m in messages.items())
    if isinstance(messages, list):
        return " ".join(_said(m) for m in messages)
    return messages if isinstance(messages, str) else json.dumps(messages)
