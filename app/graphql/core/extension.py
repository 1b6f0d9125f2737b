"""Docket's limits, checks and caches, run at each stage of an operation by one strawberry extension."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import ASTValidationRule
from strawberry.extensions import SchemaExtension
from strawberry.types import StreamExecutionResult

from app.graphql.core.access import check_roles
from app.graphql.core.error_codes import code_errors
from app.graphql.core.literal_templates import Templates
from app.graphql.core.operation_choice import require_named_operation
from app.graphql.core.text_arguments import check_variables
from app.graphql.core.validation_shapes import ShapeCache, Validations


class DocketExtension(SchemaExtension):
    """Every operation's limits (validation rules, tokens), parse and validation caches (ShapeCache), checks before it
    runs (a named operation, roles, storable variables) and coded errors, in the order each needs.

    One extension, not one for each: strawberry wraps each hook of each extension in a context manager made anew for
    every operation (and every subscription event), which for seven cost ~10% of a serving process's CPU.
    """

    def __init__(self, rules: tuple[type[ASTValidationRule], ...], max_tokens: int, validations: Validations,
                 templates: Templates) -> None:
        super().__init__()
        self.rules = rules
        self.max_tokens = max_tokens
        self.shapes = ShapeCache(validations, templates)
        self.streamed = False
        """Whether results went out one by one (a subscription's), each coded as it went."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = context.validation_rules + self.rules
        context.parse_options["max_tokens"] = self.max_tokens
        yield
        if not self.streamed:
            code_errors(context.result, self._request_id())

    def on_parse(self) -> Iterator[None]:
        self.shapes.parse(self.execution_context)
        yield

    def on_validate(self) -> Iterator[None]:
        self.shapes.validate(self.execution_context)
        require_named_operation(self.execution_context)
        yield

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        check_roles(context)
        check_variables(context)
        yield
        self.shapes.relocate(context)

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        self.streamed = True
        code_errors(result, self._request_id())
        yield

    def _request_id(self) -> str:
        return getattr(self.execution_context.context, "request_id", "-")

