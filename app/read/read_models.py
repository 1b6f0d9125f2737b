"""Every read model a Docket process keeps, in the order the projector feeds them."""

from __future__ import annotations

from collections.abc import Callable

from app.config.checkpoint_key import checkpoint_key
from app.config.clock import system_clock
from app.config.settings import Settings
from domain.base import Clock
from projections.account_standing.projection import AccountStandingProjection
from projections.action_confirmations.projection import ActionConfirmationsProjection
from projections.appeals.projection import AppealsProjection
from projections.audit_trail.projection import AuditTrailProjection
from projections.automation_quality.projection import AutomationQualityProjection
from projections.automation_rules.projection import AutomationRulesProjection
from projections.base import Projection
from projections.batch_progress.projection import BatchProgressProjection
from projections.case_status.projection import CaseStatusProjection
from projections.decisions_by_policy.projection import DecisionsByPolicyProjection
from projections.ledger_chain.projection import LedgerChainProjection
from projections.notices.projection import NoticesProjection
from projections.policy_catalog.projection import PolicyCatalogProjection
from projections.reports.projection import ReportsProjection
from projections.review_queue.projection import ReviewQueueProjection
from projections.shadow_agreement.projection import ShadowAgreementProjection
from projections.sor_submissions.projection import SorSubmissionsProjection
from projections.statements_of_reasons.projection import StatementsOfReasonsProjection
from projections.transparency.projection import TransparencyProjection
from projections.webhooks.projection import WebhooksProjection


def all_projections(key: Callable[[], bytes | None] = lambda: None, clock: Clock = system_clock) -> list[Projection]:
    """The read models, and the ledger chain (whose checkpoints `key` signs at `clock`'s time; None: unsigned)."""
    return [
        PolicyCatalogProjection(), CaseStatusProjection(), AccountStandingProjection(), AppealsProjection(),
        LedgerChainProjection(key=key, clock=clock),
        ReviewQueueProjection(), DecisionsByPolicyProjection(), AuditTrailProjection(), ReportsProjection(),
        BatchProgressProjection(), WebhooksProjection(), AutomationRulesProjection(),
        ActionConfirmationsProjection(), StatementsOfReasonsProjection(), SorSubmissionsProjection(),
        TransparencyProjection(), AutomationQualityProjection(), NoticesProjection(), ShadowAgreementProjection(),
    ]


def configured_projections(settings: Settings, clock: Clock = system_clock) -> list[Projection]:
    """The read models, the ledger chain signing with the configured checkpoint key (made on first use)."""
    return all_projections(lambda: checkpoint_key(settings, create=True), clock)
