"""README's envelope is held to the code: its attribute table lists, and its example shows, exactly the attributes
`Envelope.to_json` writes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from app.fanout.envelope import Envelope

README = Path(__file__).resolve().parents[2] / "README.md"


def _section() -> str:
    readme = README.read_text()
    return readme[readme.index("### The envelope"):].split("\n### ", 1)[0]


def _written() -> dict[str, object]:
    """An envelope with every attribute an event can have: a subject, a domain and an account."""
    stored = Notification(
        originator_id=UUID(int=7), originator_version=1, topic="domain.case:Case.Decided",
        state=b'{"actor": "reviewer:maria", "occurred_at": "2026-12-06T09:35:26.582493+00:00"}', id=16,
    )
    envelope = Envelope(stored, "urn:docket:ledger", "trust_safety", "user-ana", "trust_safety/pin/p-1", "ab" * 32,
                        _holds_no_sealed_field)
    found: dict[str, object] = json.loads(envelope.to_json())
    return found


def _holds_no_sealed_field(sealed: dict[str, Any]) -> Any:
    raise AssertionError(f"the event holds no personal data to open: {sealed}")


def test_the_attribute_table_lists_every_attribute_an_envelope_carries() -> None:
    listed = re.findall(r"^\| `(\w+)` \|", _section(), flags=re.M)

    assert sorted(listed) == sorted(_written())


def test_the_example_shows_every_attribute_an_envelope_carries() -> None:
    example = re.search(r"```json\n(.*?)\n```", _section(), flags=re.S)

    assert example is not None
    assert sorted(json.loads(example.group(1))) == sorted(_written())
