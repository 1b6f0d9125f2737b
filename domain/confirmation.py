"""Closing the loop: which systems must confirm that they applied a decision's actions, and undid them, by when."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from domain.errors import ValidationError
from domain.values import ActionType, check_identifier, check_name, check_time, parse_enum

MAX_WITHIN_MINUTES = 30 * 24 * 60
"""The longest a policy may give a system to confirm: 30 days."""

CLOCK_SKEW = timedelta(minutes=5)
"""How far a system's clock may run ahead of Docket's: a confirmation may say it applied an action this much before the
decision was recorded, or after the confirmation arrives, and no more."""


@dataclass(frozen=True)
class ConfirmationRule:
    """`systems` must each confirm that they applied `action` within `within_minutes` of the decision, and that they
    undid it within as long of its reversal."""

    action: ActionType
    systems: tuple[str, ...]
    within_minutes: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "action", parse_enum(ActionType, self.action, "confirmations.action"))
        object.__setattr__(self, "systems", tuple(self.systems))

    @property
    def within(self) -> timedelta:
        return timedelta(minutes=self.within_minutes)

    def validate(self) -> ConfirmationRule:
        if not self.systems:
            raise ValidationError("confirmations.systems must name at least one system", "confirmations.systems")
        for system in self.systems:
            check_name(system, "confirmations.systems")
        if len(set(self.systems)) != len(self.systems):
            raise ValidationError("confirmations.systems must not repeat", "confirmations.systems")
        minutes = self.within_minutes
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_WITHIN_MINUTES:
            raise ValidationError(
                f"confirmations.withinMinutes must be between 1 and {MAX_WITHIN_MINUTES}", "confirmations.withinMinutes"
            )
        return self


def check_rules(rules: tuple[ConfirmationRule, ...], allowed_actions: tuple[ActionType, ...]) -> None:
    """Each rule valid, for an action the policy allows, and no system asked twice about one action."""
    asked: set[tuple[ActionType, str]] = set()
    for rule in rules:
        rule.validate()
        if rule.action not in allowed_actions:
            raise ValidationError(
                f"confirmations name {rule.action}, which the policy does not allow", "confirmations.action"
            )
        pairs = {(rule.action, system) for system in rule.systems}
        if pairs & asked:
            raise ValidationError(
                f"confirmations ask a system twice about {rule.action}", "confirmations.systems"
            )
        asked |= pairs


def rules_for(rules: Iterable[ConfirmationRule], actions: Iterable[ActionType]) -> tuple[ConfirmationRule, ...]:
    """The rules about `actions`: what a decision taking them must have confirmed."""
    taken = set(actions)
    return tuple(rule for rule in rules if rule.action in taken)


class ConfirmationStatus(StrEnum):
    PENDING = "PENDING"
    """Awaiting the system's confirmation that it applied the action, not yet due."""
    APPLIED = "APPLIED"
    """The system confirmed that it applied the action (after a reversal: its undoing is awaited, not yet due)."""
    REVERSED = "REVERSED"
    """The decision was reversed and the system confirmed that it undid the action."""
    OVERDUE = "OVERDUE"
    """The confirmation awaited is past due."""


@dataclass(frozen=True)
class Obligation:
    """One system's duty to confirm one action of one decision: what it confirmed, and by when it must confirm next."""

    decision_id: UUID
    action: ActionType
    system: str
    within_minutes: int
    apply_by: datetime | None
    """When the application falls due; None once a later decision superseded this one before it was applied."""
    reverse_by: datetime | None = None
    """When the undoing falls due, once the decision was reversed."""
    applied_at: datetime | None = None
    applied_ref: str | None = None
    reversed_at: datetime | None = None
    reversal_ref: str | None = None

    @property
    def due_at(self) -> datetime | None:
        """When the confirmation awaited falls due; None when none is awaited."""
        if self.reverse_by is not None:
            return None if self.reversed_at is not None else self.reverse_by
        return None if self.applied_at is not None else self.apply_by

    def status(self, now: datetime) -> ConfirmationStatus:
        if self.reversed_at is not None:
            return ConfirmationStatus.REVERSED
        due = self.due_at
        if due is not None and due <= now:
            return ConfirmationStatus.OVERDUE
        return ConfirmationStatus.APPLIED if self.applied_at is not None else ConfirmationStatus.PENDING

    def confirmed(self, reversal: bool) -> bool:
        return (self.reversed_at if reversal else self.applied_at) is not None

    def applied(self, at: datetime, ref: str | None) -> Obligation:
        return replace(self, applied_at=at, applied_ref=ref)

    def undone(self, at: datetime, ref: str | None) -> Obligation:
        return replace(self, reversed_at=at, reversal_ref=ref)

    def reversed(self, at: datetime) -> Obligation:
        """The decision was reversed at `at`: the system now owes the undoing."""
        return replace(self, reverse_by=at + timedelta(minutes=self.within_minutes))

    def superseded(self) -> Obligation:
        """A later decision under the policy replaced this one: what it never applied no longer falls due."""
        return self if self.applied_at is not None else replace(self, apply_by=None)


def obligations_of(decision_id: UUID, rules: Iterable[ConfirmationRule], decided_at: datetime) -> list[Obligation]:
    """What a decision made at `decided_at` owes: one obligation per action and system its rules name."""
    return [
        Obligation(decision_id, rule.action, system, rule.within_minutes, decided_at + rule.within)
        for rule in rules for system in rule.systems
    ]


@dataclass(frozen=True)
class Confirmation:
    """A system's word that it applied (or, for a reversal, undid) an action of a decision at `applied_at`."""

    decision_id: UUID
    action: ActionType
    system: str
    applied_at: datetime
    external_ref: str | None = None
    reversal: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "action", parse_enum(ActionType, self.action, "action"))

    def validate(self) -> Confirmation:
        check_name(self.system, "system")
        object.__setattr__(self, "applied_at", check_time(self.applied_at, "appliedAt"))
        if self.external_ref is not None:
            check_identifier(self.external_ref, "externalRef")
        if not isinstance(self.reversal, bool):
            raise ValidationError("reversal must be true or false", "reversal")
        return self

    def check_within(self, since: datetime, now: datetime) -> None:
        """Refuses an `applied_at` before `since` (the decision, or its reversal) or after `now`, beyond clock skew."""
        if self.applied_at < since - CLOCK_SKEW:
            what = "reversal" if self.reversal else "decision"
            raise ValidationError(
                f"appliedAt {self.applied_at.isoformat()} lies before the {what} it confirms ({since.isoformat()})",
                "appliedAt",
            )
        if self.applied_at > now + CLOCK_SKEW:
            raise ValidationError(f"appliedAt {self.applied_at.isoformat()} lies in the future", "appliedAt")
