"""The schema, with its limits and caches built once."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

import strawberry
from graphql import DocumentNode, GraphQLError, GraphQLSchema, NoSchemaIntrospectionCustomRule, get_operation_ast
from graphql.execution import Executor
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter, SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.printer import print_schema
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from app.graphql.audit.queries import AuditQuery
from app.graphql.audit.subscriptions import Subscription
from app.graphql.automation.auto_action import AutoActionMutation
from app.graphql.automation.auto_actions import AutoActionsMutation
from app.graphql.automation.configure_automation import ConfigureAutomationMutation
from app.graphql.automation.protect_account import ProtectAccountMutation
from app.graphql.automation.queries import AutomationQuery
from app.graphql.automation.set_automation_mode import SetAutomationModeMutation
from app.graphql.batches.bulk_decide import BulkDecideMutation
from app.graphql.batches.queries import BatchQuery
from app.graphql.batches.reverse_batch import ReverseBatchMutation
from app.graphql.compliance.confirm_notice_delivered import ConfirmNoticeDeliveredMutation
from app.graphql.compliance.notices import NoticeQueries
from app.graphql.compliance.queries import ComplianceQuery
from app.graphql.compliance.set_account_language import SetAccountLanguageMutation
from app.graphql.compliance.transparency import TransparencyQuery
from app.graphql.core.coerced_lists import coerce_long_lists, long_lists
from app.graphql.core.error_codes import log_unexpected
from app.graphql.core.extension import DocketExtension, DocketRunner
from app.graphql.core.literal_templates import Templates
from app.graphql.core.multiplexed import Asked, Multiplexed
from app.graphql.core.planned_inputs import plan_inputs
from app.graphql.core.text_arguments import StorableLiterals, check_storable
from app.graphql.core.times import DATE_TIME
from app.graphql.core.validation_shapes import STRUCTURAL_RULES, Validations
from app.graphql.erasure.mutations import ErasureMutation
from app.graphql.ledger.confirm_action_applied import ConfirmActionAppliedMutation
from app.graphql.ledger.decide import DecideMutation
from app.graphql.ledger.dismiss_case import DismissCaseMutation
from app.graphql.ledger.file_appeal import FileAppealMutation
from app.graphql.ledger.publish_policy import PublishPolicyMutation
from app.graphql.ledger.queries import LedgerQuery
from app.graphql.ledger.record_detection import RecordDetectionMutation
from app.graphql.ledger.record_detections import RecordDetectionsMutation
from app.graphql.ledger.resolve_appeal import ResolveAppealMutation
from app.graphql.ledger.reverse_decision import ReverseDecisionMutation
from app.graphql.review.add_case_note import AddCaseNoteMutation
from app.graphql.review.claim_next import ClaimNextMutation
from app.graphql.review.create_queue import CreateQueueMutation
from app.graphql.review.escalate_case import EscalateCaseMutation
from app.graphql.review.queries import ReviewQuery
from app.graphql.review.release_claim import ReleaseClaimMutation
from app.graphql.review.renew_claim import RenewClaimMutation
from app.graphql.review.set_case_priority import SetCasePriorityMutation
from app.graphql.review.set_routing_rules import SetRoutingRulesMutation
from app.graphql.review.skip_case import SkipCaseMutation
from app.graphql.review.submit_report import SubmitReportMutation
from app.graphql.review.suspend_reporter import SuspendReporterMutation
from app.graphql.review.update_queue import UpdateQueueMutation
from app.graphql.review.warn_reporter import WarnReporterMutation
from app.graphql.webhooks.change_webhook import ChangeWebhookMutation
from app.graphql.webhooks.create_webhook import CreateWebhookMutation
from app.graphql.webhooks.queries import WebhookQuery
from app.graphql.webhooks.redeliver import RedeliverMutation

REVIEW_MUTATIONS = (
    SubmitReportMutation, CreateQueueMutation, UpdateQueueMutation, SetRoutingRulesMutation, ClaimNextMutation,
    RenewClaimMutation, ReleaseClaimMutation, SkipCaseMutation, DismissCaseMutation, EscalateCaseMutation,
    AddCaseNoteMutation, SetCasePriorityMutation, WarnReporterMutation, SuspendReporterMutation,
)

Mutation = merge_types(
    "Mutation",
    (
        PublishPolicyMutation,
        RecordDetectionMutation,
        RecordDetectionsMutation,
        DecideMutation,
        FileAppealMutation,
        ResolveAppealMutation,
        *REVIEW_MUTATIONS,
        ReverseDecisionMutation,
        BulkDecideMutation,
        ReverseBatchMutation,
        CreateWebhookMutation,
        ChangeWebhookMutation,
        RedeliverMutation,
        ConfigureAutomationMutation,
        SetAutomationModeMutation,
        AutoActionMutation,
        AutoActionsMutation,
        ProtectAccountMutation,
        ConfirmActionAppliedMutation,
        ErasureMutation,
        SetAccountLanguageMutation,
        ConfirmNoticeDeliveredMutation,
    ),
)
Query = merge_types(
    "Query",
    (LedgerQuery, ReviewQuery, BatchQuery, AuditQuery, WebhookQuery, AutomationQuery, ComplianceQuery,
     TransparencyQuery, NoticeQueries),
)

# Built once: rule classes made per request would defeat the validation cache.
COUNTING_LIMITS = [
    *QueryDepthLimiter(max_depth=12).validation_rules,
    *MaxAliasesLimiter(max_alias_count=30).validation_rules,
]
"""Limits that count a document's fields and aliases: structural, in ShapeCache's terms."""
LIMIT_RULES = [*COUNTING_LIMITS, StorableLiterals]
MAX_TOKENS = 5000


class DocketExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, except that each subscription event memoizes what it executes in a memo of its own, and
    an event the process's `ledgerEvents` subscribers share is executed once for all who ask alike (`Multiplexed`)."""

    multiplexing: tuple[Multiplexed[Any], Asked | None] | None = None
    """Set on a subscription's executor on a WebSocket: where its events' shared results are, and what it asks."""

    @classmethod
    def build(
        cls,
        schema: GraphQLSchema,
        document: DocumentNode,
        root_value: Any = None,
        context_value: Any = None,
        raw_variable_values: dict[str, Any] | None = None,
        operation_name: str | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> list[GraphQLError] | Executor:
        """graphql-core's, except that variables holding long lists (recordDetections' inputs) are coerced by plans
        made once per type, which check their text as `check_variables` does the others': graphql-core coerces them as
        empty lists, the plans put in their values. Where a plan cannot vouch for a value, its variables are checked
        and graphql-core alone coerces the variables again, answering its own errors."""
        raw = raw_variable_values or {}
        long = long_lists(raw)
        if long:
            placeheld = {**raw, **dict.fromkeys(long, ())}
            executor = super().build(
                schema, document, root_value, context_value, placeheld, operation_name, *args, **kwargs
            )
            if not isinstance(executor, list) and coerce_long_lists(executor.variable_values, raw, long):
                return executor
            operation = get_operation_ast(document, operation_name)
            if operation is not None:  # else graphql-core says why not
                check_storable(schema, operation, raw, long)
        return super().build(
            schema, document, root_value, context_value, raw_variable_values, operation_name, *args, **kwargs
        )

    def build_per_event_executor(self, payload: Any) -> Executor:
        multiplexed = getattr(self.context_value, "multiplexed", None)
        if self.multiplexing is None and multiplexed is not None:
            asked = Asked.of(self.operation, self.variable_values, self.context_value.principal)
            self.multiplexing = multiplexed, asked
        executor = super().build_per_event_executor(payload)
        # graphql-core 3.3.2 shares one memo among a subscription's events, under the id of a list made for each
        # event: a subscription kept an entry for every event it sent, and every full garbage collection, which
        # stops the whole process, took longer with each.
        executor._relevant_sub_fields = {}
        return executor

    def execute_operation(self, serially: bool | None = None) -> Any:
        if self.multiplexing is None or self.root_value is None:
            return super().execute_operation(serially)
        multiplexed, asked = self.multiplexing
        return multiplexed.result(
            self.root_value, asked, lambda: super(DocketExecutor, self).execute_operation(serially)
        )


class DocketSchema(strawberry.Schema):
    def create_extensions_runner(self, execution_context: ExecutionContext,
                                 extensions: list[SchemaExtension]) -> SchemaExtensionsRunner:
        return DocketRunner(execution_context, extensions)

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Logs crashes (never expected errors) with the request's id, before DocketExtension masks them."""
        context = None if execution_context is None else execution_context.context
        log_unexpected(errors, getattr(context, "request_id", "-"))


@cache
def build_schema(introspection: bool = True) -> strawberry.Schema:
    """The schema with its limits, caches and checks; one per introspection setting, built once."""
    rules = (*LIMIT_RULES, *(() if introspection else (NoSchemaIntrospectionCustomRule,)))
    validations = Validations(structural={*STRUCTURAL_RULES, *COUNTING_LIMITS})
    templates = Templates()
    schema = DocketSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        execution_context_class=DocketExecutor,
        config=StrawberryConfig(scalar_map={datetime: DATE_TIME}),
        extensions=[lambda: DocketExtension(rules, MAX_TOKENS, validations, templates)],
    )
    plan_inputs(schema)
    return schema


def sdl() -> str:
    """The schema as checked in at schema.graphql."""
    return print_schema(build_schema()) + "\n"
