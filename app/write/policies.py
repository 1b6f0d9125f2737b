"""The ledger's policy command: publish a policy's first version, or a new one."""

from __future__ import annotations

from dataclasses import dataclass

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
        """Publishes a policy's first version, or a new one; the same terms again change nothing."""

        def attempt() -> PolicyPublished:
            now = self.work.clock()
            policy = self.work.find_policy(domain, key)
            if policy is None:
                policy = Policy.publish(domain, key, terms, actor, now)
            else:
                policy.revise(terms, actor, now)
            return PolicyPublished(policy, self.work.store(policy))

        return self.work.retrying(attempt)
