"""The ledger's policy command: publish a policy's first version, or a new one."""

from __future__ import annotations

from dataclasses import dataclass

from app.write.automation import rules_following
from app.write.unit_of_work import UnitOfWork
from domain.policy import Policy, PolicyTerms


@dataclass(frozen=True)
class PolicyPublished:
    policy: Policy
    position: int


@dataclass
class Policies:
    work: UnitOfWork

    def publish_policy(self, domain: str, key: str, terms: PolicyTerms, actor: str) -> PolicyPublished:
        """Publishes a policy's first version, or a new one; the same terms again change nothing. A new version drops
        the policy's AUTO rules to SHADOW, in the same transaction, until they are evaluated against it."""

        def attempt() -> PolicyPublished:
            now = self.work.clock()
            policy = self.work.find_policy(domain, key)
            if policy is None:
                policy = Policy.publish(domain, key, terms, actor, now)
                return PolicyPublished(policy, self.work.store(policy))
            policy.revise(terms, actor, now)
            return PolicyPublished(policy, self.work.store(policy, *rules_following(self.work, policy, actor)))

        return self.work.retrying(attempt)
