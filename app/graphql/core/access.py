"""Who may run what: one table of the roles allowed each root field, checked before anything executes; and /metrics."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    SelectionSetNode,
    get_operation_ast,
)
from strawberry.types import ExecutionContext

from app.auth.tokens import Principal

READERS = frozenset({"admin", "policy_admin", "reviewer", "auditor"})
"""The people who look at cases and accounts; `service` reads only what a pipeline needs."""

REVIEWERS = frozenset({"admin", "reviewer"})
POLICY_ADMINS = frozenset({"admin", "policy_admin"})
SERVICES = frozenset({"admin", "service"})
ADMINS = frozenset({"admin"})
"""Webhooks send events of every domain to the outside world: only an admin sets them up."""
OPERATORS = frozenset({"admin", "auditor"})

ALLOWED: dict[str, frozenset[str]] = {
    # Reads.
    "Query.policies": READERS | {"service"},
    "Query.account": READERS | {"service"},
    "Query.case": READERS | {"service"},
    "Query.decision": READERS | {"service"},
    "Query.appeal": READERS | {"service"},
    "Query.appeals": READERS,
    "Query.reviewQueue": READERS,
    "Query.auditTrail": frozenset({"admin", "reviewer", "auditor"}),
    "Query.events": frozenset({"admin", "auditor"}),
    "Query.ledgerIntegrity": frozenset({"admin", "auditor"}),
    "Query.health": READERS | {"service"},
    "Query.queues": READERS,
    "Query.queue": READERS,
    "Query.queueEntries": READERS,
    "Query.routing": READERS,
    "Query.cases": READERS,
    "Query.reporter": READERS,
    "Query.queueFigures": READERS,
    "Query.reviewerFigures": READERS,
    "Query.batch": READERS,
    "Query.webhooks": OPERATORS,
    "Query.webhook": OPERATORS,
    "Query.webhookDeliveries": OPERATORS,
    "Query.automationRules": READERS,
    "Query.automationImpact": READERS,
    "Query.unconfirmedActions": READERS | {"service"},
    "Query.statementsOfReasons": frozenset({"admin", "auditor"}),
    "Query.transparencyReport": frozenset({"admin", "auditor", "policy_admin"}),
    "Query.notices": frozenset({"admin", "auditor", "service"}),
    # Writes.
    "Mutation.publishPolicy": POLICY_ADMINS,
    "Mutation.recordDetection": SERVICES,
    "Mutation.recordDetections": SERVICES,
    "Mutation.decide": REVIEWERS,
    "Mutation.fileAppeal": SERVICES,
    "Mutation.resolveAppeal": REVIEWERS,
    "Mutation.submitReport": SERVICES,
    "Mutation.createQueue": POLICY_ADMINS,
    "Mutation.updateQueue": POLICY_ADMINS,
    "Mutation.setRoutingRules": POLICY_ADMINS,
    "Mutation.claimNext": REVIEWERS,
    "Mutation.renewClaim": REVIEWERS,
    "Mutation.releaseClaim": REVIEWERS,
    "Mutation.skipCase": REVIEWERS,
    "Mutation.dismissCase": REVIEWERS,
    "Mutation.escalateCase": REVIEWERS,
    "Mutation.addCaseNote": REVIEWERS,
    "Mutation.setCasePriority": REVIEWERS,
    "Mutation.warnReporter": POLICY_ADMINS,
    "Mutation.suspendReporter": POLICY_ADMINS,
    "Mutation.reverseDecision": REVIEWERS,
    "Mutation.bulkDecide": REVIEWERS,
    "Mutation.eraseAccountData": ADMINS,
    "Mutation.placeLegalHold": ADMINS,
    "Mutation.liftLegalHold": ADMINS,
    "Mutation.reverseBatch": REVIEWERS,
    "Mutation.createWebhook": ADMINS,
    "Mutation.rotateWebhookSecret": ADMINS,
    "Mutation.disableWebhook": ADMINS,
    "Mutation.enableWebhook": ADMINS,
    "Mutation.redeliver": ADMINS,
    "Mutation.configureAutomation": POLICY_ADMINS,
    "Mutation.setAutomationMode": POLICY_ADMINS,
    "Mutation.autoAction": SERVICES,
    "Mutation.autoActions": SERVICES,
    "Mutation.protectAccount": POLICY_ADMINS,
    "Mutation.unprotectAccount": POLICY_ADMINS,
    "Mutation.confirmActionApplied": SERVICES,
    "Mutation.setAccountLanguage": SERVICES,
    "Mutation.confirmNoticeDelivered": SERVICES,
    # Subscriptions.
    "Subscription.ledgerEvents": frozenset({"admin", "auditor", "subscriber"}),
}
"""Every root field and the roles that may run it; a field missing here is denied to everyone but admin."""

ALWAYS_ALLOWED = frozenset({"__typename", "__schema", "__type"})

METRICS_READERS = frozenset({"admin", "auditor", "metrics"})
"""Who may scrape /metrics; `metrics` may do nothing else, so a Prometheus token can neither read cases nor write."""


def allowed(principal: Principal, field: str) -> bool:
    if principal.is_admin:
        return True
    return not principal.roles.isdisjoint(ALLOWED.get(field, frozenset()))


def reads_metrics(principal: Principal) -> bool:
    """/metrics names every queue and reviewer of every domain: only for principals who see every domain."""
    return principal.scope is None and not principal.roles.isdisjoint(METRICS_READERS)


def forbidden(fields: list[str]) -> GraphQLError:
    return GraphQLError(
        f"your role may not run {', '.join(fields)}; nothing was executed",
        extensions={"code": "FORBIDDEN", "fields": fields},
    )


def check_roles(context: ExecutionContext) -> None:
    """Refuses the whole operation, before it runs, when any of its root fields is not the caller's to run."""
    operation = context.operation_type.value.capitalize()
    principal: Principal = context.context.principal
    document = context.graphql_document
    assert document is not None
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    selected = get_operation_ast(document, context.operation_name)
    assert selected is not None
    denied = sorted({
        f"{operation}.{name}" for name in _root_fields(selected.selection_set, fragments)
        if name not in ALWAYS_ALLOWED and not allowed(principal, f"{operation}.{name}")
    })
    if denied:
        # Raised, not returned as a result: the one way that stops a subscription as well.
        raise forbidden(denied)


def _root_fields(selections: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]) -> Iterator[str]:
    """The field names an operation selects at its root, through fragments."""
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            yield selection.name.value
        elif isinstance(selection, InlineFragmentNode):
            yield from _root_fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            yield from _root_fields(fragments[selection.name.value].selection_set, fragments)
