"""Stored topics are data: renaming or moving an event class must be a deliberate, visible change."""

import importlib
import pkgutil

import pytest
from eventsourcing.domain import DomainEvent
from eventsourcing.utils import get_topic, resolve_topic

import domain
from domain.account import Account
from domain.account_data import AccountData
from domain.appeal import Appeal
from domain.automation import AutomationRule
from domain.automation_caps import AutomationTally
from domain.base import DocketAggregate
from domain.batch import Batch
from domain.breaker import QaSample, RuleMonitor
from domain.case import Case
from domain.detection import Detection
from domain.indexes import DecisionIndex, IndexBackfill, PolicyRules, SubjectIndex
from domain.notice import Notice
from domain.policy import Policy
from domain.projection import Projection
from domain.protection import Protection
from domain.queue import Queue
from domain.report import Report
from domain.reporter import Reporter
from domain.routing import Routing
from domain.submission import StatementSubmission
from domain.webhook import Webhook
from tests.domain.factories import declared_event

PINNED: dict[type, str] = {
    Webhook.Created: "domain.webhook:Webhook.Created",
    Webhook.SecretRotated: "domain.webhook:Webhook.SecretRotated",
    Webhook.Disabled: "domain.webhook:Webhook.Disabled",
    Webhook.Enabled: "domain.webhook:Webhook.Enabled",
    Policy.Published: "domain.policy:Policy.Published",
    Policy.Revised: "domain.policy:Policy.Revised",
    Policy.Retired: "domain.policy:Policy.Retired",
    Detection.Recorded: "domain.detection:Detection.Recorded",
    Case.Opened: "domain.case:Case.Opened",
    Case.Decided: "domain.case:Case.Decided",
    Account.Registered: "domain.account:Account.Registered",
    Account.StrikeIssued: "domain.account:Account.StrikeIssued",
    Account.StrikeRemoved: "domain.account:Account.StrikeRemoved",
    Account.PenaltyImposed: "domain.account:Account.PenaltyImposed",
    Account.PenaltyLifted: "domain.account:Account.PenaltyLifted",
    Case.ActionsReversed: "domain.case:Case.ActionsReversed",
    Appeal.Filed: "domain.appeal:Appeal.Filed",
    Appeal.Upheld: "domain.appeal:Appeal.Upheld",
    Appeal.Overturned: "domain.appeal:Appeal.Overturned",
    Case.Reported: "domain.case:Case.Reported",
    Case.Claimed: "domain.case:Case.Claimed",
    Case.ClaimRenewed: "domain.case:Case.ClaimRenewed",
    Case.Released: "domain.case:Case.Released",
    Case.Escalated: "domain.case:Case.Escalated",
    Case.NoteAdded: "domain.case:Case.NoteAdded",
    Case.Prioritized: "domain.case:Case.Prioritized",
    Case.ActionApplied: "domain.case:Case.ActionApplied",
    Case.ActionReversalApplied: "domain.case:Case.ActionReversalApplied",
    Report.Submitted: "domain.report:Report.Submitted",
    Report.Closed: "domain.report:Report.Closed",
    Reporter.Registered: "domain.reporter:Reporter.Registered",
    Reporter.Warned: "domain.reporter:Reporter.Warned",
    Reporter.Suspended: "domain.reporter:Reporter.Suspended",
    Queue.Created: "domain.queue:Queue.Created",
    Queue.Updated: "domain.queue:Queue.Updated",
    Routing.Created: "domain.routing:Routing.Created",
    Routing.Changed: "domain.routing:Routing.Changed",
    Batch.Started: "domain.batch:Batch.Started",
    Batch.SubjectsDecided: "domain.batch:Batch.SubjectsDecided",
    Batch.Completed: "domain.batch:Batch.Completed",
    Batch.ReversalStarted: "domain.batch:Batch.ReversalStarted",
    Batch.SubjectsReversed: "domain.batch:Batch.SubjectsReversed",
    Batch.Reversed: "domain.batch:Batch.Reversed",
    Projection.Registered: "domain.projection:Projection.Registered",
    Projection.EventSkipped: "domain.projection:Projection.EventSkipped",
    DecisionIndex.Recorded: "domain.indexes:DecisionIndex.Recorded",
    SubjectIndex.Started: "domain.indexes:SubjectIndex.Started",
    SubjectIndex.Detected: "domain.indexes:SubjectIndex.Detected",
    IndexBackfill.Completed: "domain.indexes:IndexBackfill.Completed",
    PolicyRules.Started: "domain.indexes:PolicyRules.Started",
    PolicyRules.RuleAdded: "domain.indexes:PolicyRules.RuleAdded",
    AutomationTally.Started: "domain.automation_caps:AutomationTally.Started",
    AutomationTally.Counted: "domain.automation_caps:AutomationTally.Counted",
    AutomationRule.Configured: "domain.automation:AutomationRule.Configured",
    AutomationRule.Reconfigured: "domain.automation:AutomationRule.Reconfigured",
    AutomationRule.ModeChanged: "domain.automation:AutomationRule.ModeChanged",
    AutomationRule.Evaluated: "domain.automation:AutomationRule.Evaluated",
    AutomationRule.Demoted: "domain.automation:AutomationRule.Demoted",
    Protection.Protected: "domain.protection:Protection.Protected",
    Protection.Reprotected: "domain.protection:Protection.Reprotected",
    Protection.Unprotected: "domain.protection:Protection.Unprotected",
    StatementSubmission.Sent: "domain.submission:StatementSubmission.Sent",
    StatementSubmission.Resent: "domain.submission:StatementSubmission.Resent",
    StatementSubmission.Accepted: "domain.submission:StatementSubmission.Accepted",
    StatementSubmission.FoundStored: "domain.submission:StatementSubmission.FoundStored",
    StatementSubmission.Rejected: "domain.submission:StatementSubmission.Rejected",
    StatementSubmission.Failed: "domain.submission:StatementSubmission.Failed",
    AccountData.Registered: "domain.account_data:AccountData.Registered",
    AccountData.Erased: "domain.account_data:AccountData.Erased",
    AccountData.LegalHoldPlaced: "domain.account_data:AccountData.LegalHoldPlaced",
    AccountData.LegalHoldLifted: "domain.account_data:AccountData.LegalHoldLifted",
    AutomationRule.Tripped: "domain.automation:AutomationRule.Tripped",
    QaSample.Drawn: "domain.breaker:QaSample.Drawn",
    RuleMonitor.Started: "domain.breaker:RuleMonitor.Started",
    RuleMonitor.Judged: "domain.breaker:RuleMonitor.Judged",
    RuleMonitor.ProviderFailed: "domain.breaker:RuleMonitor.ProviderFailed",
    Account.LanguageSet: "domain.account:Account.LanguageSet",
    Notice.Issued: "domain.notice:Notice.Issued",
    Notice.Delivered: "domain.notice:Notice.Delivered",
}


@pytest.mark.parametrize(("event_class", "topic"), PINNED.items(), ids=list(PINNED.values()))
def test_event_topic_is_pinned(event_class: type, topic: str) -> None:
    assert get_topic(event_class) == topic
    assert resolve_topic(topic) is event_class


def test_every_domain_event_has_a_pinned_topic() -> None:
    """A new event class must be added to PINNED, so that its topic is pinned from its first day."""
    for module in pkgutil.iter_modules(domain.__path__):
        importlib.import_module(f"domain.{module.name}")
    aggregates, pending = [], [DocketAggregate]
    while pending:
        subclasses = pending.pop().__subclasses__()
        aggregates.extend(subclasses)
        pending.extend(subclasses)
    found = set()
    for aggregate in aggregates:
        for name, value in vars(aggregate).items():
            if isinstance(value, type) and issubclass(value, DomainEvent) and declared_event(name, value):
                found.add(value)

    assert found == set(PINNED)
