"""The ledger's automation commands: configure a policy's rules, change their modes, record their evaluations, and
keep the accounts automation never acts on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from app.write.unit_of_work import UnitOfWork
from domain.automation import (
    AgreementFigures,
    AutomationMode,
    AutomationRule,
    EvaluationFigures,
    ItemVerdict,
    RuleSettings,
)
from domain.errors import NotFoundError
from domain.indexes import PolicyRules
from domain.policy import Policy
from domain.protection import Protection


@dataclass(frozen=True)
class RuleWritten:
    rule: AutomationRule
    position: int


@dataclass(frozen=True)
class ProtectionWritten:
    protection: Protection
    position: int


@dataclass(frozen=True)
class PolicyAutomation:
    """What running a policy's rules on content about an account needs: the policy as now published, its active
    rules, and the account's protection, if it has one."""

    policy: Policy
    rules: list[AutomationRule]
    protection: Protection | None


def no_such_rule(rule_id: object) -> NotFoundError:
    return NotFoundError(f"no automation rule {rule_id}")


@dataclass
class Automation:
    work: UnitOfWork

    def configure_automation(self, domain: str, policy_key: str, settings: RuleSettings, actor: str) -> RuleWritten:
        """Configures the policy's rule for the settings' model (OFF), or changes an existing one's settings."""

        def attempt() -> RuleWritten:
            now = self.work.clock()
            policy = self.work.get_policy(domain, policy_key)
            rule_id = AutomationRule.create_id(domain, policy_key, settings.route.model)
            rule = self.work.find(AutomationRule, rule_id)
            index = self.work.find(PolicyRules, PolicyRules.create_id(domain, policy_key))
            if rule is None:
                rule = AutomationRule.configure(policy, settings, actor, now)
            else:
                rule.reconfigure(policy, settings, actor, now)
            if index is None:
                index = PolicyRules.start(domain, policy_key, rule.id, actor, now)
            else:
                index.add(rule.id, actor, now)
            return RuleWritten(rule, self.work.store(index, rule))

        return self.work.retrying(attempt)

    def set_automation_mode(
        self, rule_id: UUID, mode: AutomationMode, reason: str, actor: str,
        agreements: Sequence[AgreementFigures] = (),
    ) -> RuleWritten:
        """Changes a rule's mode; AUTO only on sufficient evidence of the policy version now published: its latest
        evaluation, and its shadow agreement with humans on that version, among `agreements` (measured by the
        caller: the write side reads no read model)."""

        def attempt() -> RuleWritten:
            rule = self.get_rule(rule_id)
            policy = self.work.get_policy(rule.domain, rule.policy_key)
            agreement = next((a for a in agreements if a.policy_version == policy.policy_version), None)
            rule.set_mode(mode, reason, policy, actor, self.work.clock(), agreement)
            return RuleWritten(rule, self.work.store(rule))

        return self.work.retrying(attempt)

    def record_evaluation(
        self, rule_id: UUID, figures: EvaluationFigures, items: tuple[ItemVerdict, ...], actor: str
    ) -> RuleWritten:
        def attempt() -> RuleWritten:
            rule = self.get_rule(rule_id)
            rule.record_evaluation(figures, items, actor, self.work.clock())
            return RuleWritten(rule, self.work.store(rule))

        return self.work.retrying(attempt)

    def get_rule(self, rule_id: UUID) -> AutomationRule:
        aggregate = self.work.aggregate(rule_id)
        if not isinstance(aggregate, AutomationRule):
            raise no_such_rule(rule_id)
        return aggregate

    def policy_automation(self, domain: str, policy_key: str, account_id: str | None) -> PolicyAutomation:
        """The policy, its rules that are not OFF, and the account's protection."""
        policy = self.work.get_policy(domain, policy_key)
        index = self.work.find(PolicyRules, PolicyRules.create_id(domain, policy_key))
        ids = [] if index is None else index.rule_ids
        loaded = self.work.load_all(AutomationRule, ids)
        rules = [loaded[i] for i in ids if i in loaded and loaded[i].active]  # in the order they were configured
        protection = None if account_id is None else self.work.find(Protection, Protection.create_id(account_id))
        return PolicyAutomation(policy, rules, protection)

    def protect_account(self, account_id: str, reason: str, actor: str) -> ProtectionWritten:
        """Protects an account from automated decisions; again changes nothing."""

        def attempt() -> ProtectionWritten:
            now = self.work.clock()
            protection = self.work.find(Protection, Protection.create_id(account_id))
            if protection is None:
                protection = Protection.protect_new(account_id, reason, actor, now)
            else:
                protection.protect(reason, actor, now)
            return ProtectionWritten(protection, self.work.store(protection))

        return self.work.retrying(attempt)

    def unprotect_account(self, account_id: str, reason: str, actor: str) -> ProtectionWritten:
        """Lifts an account's protection; an account never protected is a NotFoundError."""

        def attempt() -> ProtectionWritten:
            protection = self.work.find(Protection, Protection.create_id(account_id))
            if protection is None:
                raise NotFoundError(f"account {account_id!r} was never protected")
            protection.unprotect(reason, actor, self.work.clock())
            return ProtectionWritten(protection, self.work.store(protection))

        return self.work.retrying(attempt)


def rules_following(work: UnitOfWork, policy: Policy, actor: str) -> list[AutomationRule]:
    """The policy's rules, each AUTO rule whose evidence is of another version than the policy's dropped to SHADOW;
    to save with the policy."""
    index = work.find(PolicyRules, PolicyRules.create_id(policy.domain, policy.key))
    rules = [] if index is None else list(work.load_all(AutomationRule, index.rule_ids).values())
    for rule in rules:
        rule.follow_policy(policy, actor, work.clock())
    return rules
