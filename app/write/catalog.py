"""The starter policy catalog a fresh database begins with."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from app.write.ledger import Ledger
from domain.confirmation import ConfirmationRule
from domain.errors import ValidationError
from domain.guidance import Criterion, PolicyExample, PolicyGuidance
from domain.policy import PolicyTerms

STARTER_CATALOG = Path(__file__).with_name("starter_catalog.toml")
STARTER_ACTOR = "system:starter-catalog"


def load_catalog(path: Path = STARTER_CATALOG) -> list[tuple[str, str, PolicyTerms]]:
    entries = tomllib.loads(path.read_text())["policies"]
    return [
        (
            e["domain"],
            e["key"],
            PolicyTerms(
                title=e["title"],
                text=e["text"],
                severity=e["severity"],
                strike_points=e["strike_points"],
                allowed_actions=tuple(e["allowed_actions"]),
                dsa_category=e["dsa_category"],
                dsa_ground=e["dsa_ground"],
                zero_tolerance=e.get("zero_tolerance", False),
                guidance=None if "guidance" not in e else read_guidance(e["guidance"]),
                never_automated=tuple(e.get("never_automated", ())),
                confirmations=confirmation_rules(e.get("confirmations", [])),
                dsa_keywords=tuple(e.get("dsa_keywords", ())),
                legal_ground=e.get("legal_ground"),
            ).validate(),
        )
        for e in entries
    ]


def read_guidance(table: dict[str, Any]) -> PolicyGuidance:
    """A policy's guidance as the catalog format writes it (see starter_catalog.toml)."""
    return PolicyGuidance(
        instructions=table["instructions"],
        definitions=table["definitions"],
        violates=tuple(Criterion(c["id"], c["text"]) for c in table["violates"]),
        safe=tuple(table["safe"]),
        examples=tuple(
            PolicyExample(x["content"], x["violation"], tuple(x["rule_ids"]), x["rationale"]) for x in table["examples"]
        ),
    )


_RULE_KEYS = {"action", "systems", "within_minutes"}


def confirmation_rules(entries: list[dict[str, Any]]) -> tuple[ConfirmationRule, ...]:
    """A policy's `confirmations` as the catalog writes them: `{action, systems, within_minutes}` tables."""
    rules = []
    for entry in entries:
        if not isinstance(entry, dict) or set(entry) != _RULE_KEYS:
            raise ValidationError(
                f"each of confirmations must be a table of exactly {', '.join(sorted(_RULE_KEYS))}, not {entry!r}",
                "confirmations",
            )
        rules.append(ConfirmationRule(entry["action"], tuple(entry["systems"]), entry["within_minutes"]))
    return tuple(rules)


def seed_catalog(ledger: Ledger) -> int:
    """Publishes each starter policy that does not exist yet; operators' revisions are left alone."""
    published = 0
    for domain, key, terms in load_catalog():
        if ledger.find_policy(domain, key) is None:
            ledger.publish_policy(domain, key, terms, STARTER_ACTOR)
            published += 1
    return published
