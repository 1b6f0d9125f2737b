"""Policy: the written rule a decision applies, published in versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from domain.base import DocketAggregate, natural_id
from domain.confirmation import ConfirmationRule, check_rules
from domain.dsa import MAX_OTHER, check_keywords, check_url
from domain.errors import ConflictError, ValidationError
from domain.guidance import PolicyGuidance
from domain.notice_wording import NoticeTemplate, check_templates
from domain.values import (
    DSA_CATEGORIES,
    ActionType,
    DsaGround,
    Severity,
    check_name,
    check_text,
    parse_enum,
)

MAX_STRIKE_POINTS = 100


@dataclass(frozen=True)
class PolicyTerms:
    """What one version of a policy says: its text, weight, allowed actions and DSA mapping."""

    title: str
    text: str
    severity: Severity
    strike_points: int
    allowed_actions: tuple[ActionType, ...]
    dsa_category: str
    dsa_ground: DsaGround
    zero_tolerance: bool = False
    guidance: PolicyGuidance | None = None
    """The policy in the sections a model reads it in; without it, no automation rule can run on the policy."""
    never_automated: tuple[ActionType, ...] = ()
    """Actions automation may never take under this policy (a human decides them)."""
    confirmations: tuple[ConfirmationRule, ...] = ()
    """Which systems must confirm that they applied (and undid) which of its actions, and how soon."""
    dsa_keywords: tuple[str, ...] = ()
    """The DSA `category_specification` keywords of what the policy forbids."""
    legal_ground: str | None = None
    """For illegal content: the law it breaks (`illegal_content_legal_ground`)."""
    reference_url: str | None = None
    """Where the policy, or the law, is published (`decision_ground_reference_url`)."""
    notice_templates: tuple[NoticeTemplate, ...] = ()
    """The policy's own wording of its notices, per kind and language; the default wording covers the rest."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "dsa_keywords", tuple(self.dsa_keywords))
        object.__setattr__(self, "severity", parse_enum(Severity, self.severity, "severity"))
        object.__setattr__(self, "dsa_ground", parse_enum(DsaGround, self.dsa_ground, "dsaGround"))
        actions = tuple(parse_enum(ActionType, a, "allowedActions") for a in self.allowed_actions)
        object.__setattr__(self, "allowed_actions", actions)
        forbidden = tuple(parse_enum(ActionType, a, "neverAutomated") for a in self.never_automated)
        object.__setattr__(self, "never_automated", forbidden)
        object.__setattr__(self, "confirmations", tuple(self.confirmations))
        object.__setattr__(self, "notice_templates", tuple(self.notice_templates))

    def validate(self) -> PolicyTerms:
        check_text(self.title, "title", 200)
        check_text(self.text, "text")
        actions = self.allowed_actions
        if not isinstance(self.strike_points, int) or not 0 <= self.strike_points <= MAX_STRIKE_POINTS:
            raise ValidationError(f"strikePoints must be between 0 and {MAX_STRIKE_POINTS}", "strikePoints")
        if not actions:
            raise ValidationError("allowedActions must name at least one action", "allowedActions")
        if len(set(actions)) != len(actions):
            raise ValidationError("allowedActions must not repeat", "allowedActions")
        if self.dsa_category not in DSA_CATEGORIES:
            raise ValidationError(
                f"dsaCategory must be a STATEMENT_CATEGORY_* key of the DSA Transparency Database, "
                f"not {self.dsa_category!r}",
                "dsaCategory",
            )
        if not isinstance(self.zero_tolerance, bool):
            raise ValidationError("zeroTolerance must be true or false", "zeroTolerance")
        if self.guidance is not None:
            self.guidance.validate()
        if len(set(self.never_automated)) != len(self.never_automated):
            raise ValidationError("neverAutomated must not repeat", "neverAutomated")
        check_rules(self.confirmations, actions)
        check_keywords(self.dsa_keywords, "dsaKeywords")
        if self.legal_ground is not None:
            check_text(self.legal_ground, "legalGround", MAX_OTHER)
            if self.dsa_ground is not DsaGround.ILLEGAL_CONTENT:
                raise ValidationError("legalGround is for policies on illegal content (dsaGround ILLEGAL_CONTENT)",
                                      "legalGround")
        if self.reference_url is not None:
            check_url(self.reference_url, "referenceUrl")
        check_templates(self.notice_templates)
        return self

    @property
    def automatable_actions(self) -> tuple[ActionType, ...]:
        """The allowed actions automation may take."""
        return tuple(a for a in self.allowed_actions if a not in self.never_automated)


class Policy(DocketAggregate):
    """A domain's rule, identified by domain and key; versions only increase."""

    if TYPE_CHECKING:
        domain: str
        key: str
        terms: PolicyTerms
        policy_version: int
        retired: bool
        published_at: datetime
        published_by: str

    @staticmethod
    def create_id(domain: str, key: str) -> UUID:
        return natural_id("policy", domain, key)

    class Published(DocketAggregate.Created):
        domain: str
        key: str
        terms: PolicyTerms

        def apply(self, policy: Policy) -> None:
            policy.domain = self.domain
            policy.key = self.key
            policy.terms = self.terms
            policy.policy_version = 1
            policy.retired = False
            policy.published_at = self.occurred_at
            policy.published_by = self.actor

    class Revised(DocketAggregate.Event):
        policy_version: int
        terms: PolicyTerms

        def apply(self, policy: Policy) -> None:
            policy.terms = self.terms
            policy.policy_version = self.policy_version
            policy.retired = False
            policy.published_at = self.occurred_at
            policy.published_by = self.actor

    class Retired(DocketAggregate.Event):
        reason: str

        def apply(self, policy: Policy) -> None:
            policy.retired = True

    @classmethod
    def publish(cls, domain: str, key: str, terms: PolicyTerms, actor: str, at: datetime) -> Policy:
        check_name(domain, "domain")
        check_name(key, "key")
        terms.validate()
        return cls._start(cls.Published, cls.create_id(domain, key), actor, at, domain=domain, key=key, terms=terms)

    def revise(self, terms: PolicyTerms, actor: str, at: datetime) -> None:
        """Publishes a new version; publishing the current terms again changes nothing."""
        terms.validate()
        if terms == self.terms and not self.retired:
            return
        self._record(self.Revised, actor, at, policy_version=self.policy_version + 1, terms=terms)

    def retire(self, reason: str, actor: str, at: datetime) -> None:
        check_text(reason, "reason")
        if self.retired:
            raise ConflictError(f"policy {self.domain}/{self.key} is already retired")
        self._record(self.Retired, actor, at, reason=reason)

    def check_allows(self, actions: tuple[ActionType, ...]) -> None:
        """Raises unless the policy is live and allows every one of `actions`."""
        if self.retired:
            raise ConflictError(f"policy {self.domain}/{self.key} is retired and takes no new decisions")
        for action in actions:
            if action not in self.terms.allowed_actions:
                allowed = ", ".join(self.terms.allowed_actions)
                raise ValidationError(
                    f"policy {self.domain}/{self.key} does not allow {action}; it allows {allowed}", "actions"
                )
