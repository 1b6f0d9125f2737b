"""The schema, with its limits and caches built once."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.printer import print_schema
from strawberry.tools import merge_types

from app.graphql.batch_query import BatchQuery
from app.graphql.mutations.bulk_decide import BulkDecideMutation
from app.graphql.mutations.decide import DecideMutation
from app.graphql.mutations.file_appeal import FileAppealMutation
from app.graphql.mutations.publish_policy import PublishPolicyMutation
from app.graphql.mutations.record_detection import RecordDetectionMutation
from app.graphql.mutations.record_detections import RecordDetectionsMutation
from app.graphql.mutations.resolve_appeal import ResolveAppealMutation
from app.graphql.mutations.reverse_batch import ReverseBatchMutation
from app.graphql.mutations.reverse_decision import ReverseDecisionMutation
from app.graphql.queries import Query as LedgerQuery

Mutation = merge_types(
    "Mutation",
    (
        PublishPolicyMutation,
        RecordDetectionMutation,
        RecordDetectionsMutation,
        DecideMutation,
        FileAppealMutation,
        ResolveAppealMutation,
        ReverseDecisionMutation,
        BulkDecideMutation,
        ReverseBatchMutation,
    ),
)
Query = merge_types("Query", (LedgerQuery, BatchQuery))

# Built once: rule classes made per request would defeat the validation cache.
LIMIT_RULES = [
    *QueryDepthLimiter(max_depth=12).validation_rules,
    *MaxAliasesLimiter(max_alias_count=30).validation_rules,
]


def is_unexpected(error: GraphQLError) -> bool:
    """Masks crashes; keeps validation errors and the typed errors raised on purpose."""
    original: Any = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    extensions=[
        lambda: AddValidationRules(LIMIT_RULES),
        lambda: MaxTokensLimiter(max_token_count=5000),
        lambda: MaskErrors(should_mask_error=is_unexpected),
        lambda: ParserCache(maxsize=512),
        lambda: ValidationCache(maxsize=512),
    ],
)


def sdl() -> str:
    """The schema as checked in at schema.graphql."""
    return print_schema(schema) + "\n"
