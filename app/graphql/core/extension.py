"""Docket's limits, checks and caches, run at each stage of an operation by one strawberry extension."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from graphql import ASTValidationRule
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext, StreamExecutionResult

from app.graphql.core.access import check_roles
from app.graphql.core.coerced_lists import long_lists
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
        check_variables(context, later=long_lists(context.variables or {}))
        yield
        self.shapes.relocate(context)

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        self.streamed = True
        code_errors(result, self._request_id())
        yield

    def _request_id(self) -> str:
        return getattr(self.execution_context.context, "request_id", "-")


class _Stage:
    """One stage of an operation for the schema's one extension: its hook run to its yield, and on from there if the
    stage completes. What strawberry's runner does, less a context manager made for each hook and an exit stack for
    each stage, every time."""

    __slots__ = ("hook", "steps")

    def __init__(self, hook: Callable[[], Iterator[None]]) -> None:
        self.hook = hook

    def __enter__(self) -> None:
        self.steps = self.hook()
        next(self.steps)

    def __exit__(self, kind: type[BaseException] | None, _error: object, _traceback: object) -> None:
        # A stage that raised ends there, as a hook's own context manager would end it.
        if kind is None:
            next(self.steps, None)

    async def __aenter__(self) -> None:
        self.__enter__()

    async def __aexit__(self, kind: type[BaseException] | None, error: object, traceback: object) -> None:
        self.__exit__(kind, error, traceback)


class DocketRunner(SchemaExtensionsRunner):
    """Runs the schema's one extension, DocketExtension, through `_Stage`s."""

    def __init__(self, execution_context: ExecutionContext, extensions: list[SchemaExtension]) -> None:
        super().__init__(execution_context, extensions)
        (extension,) = extensions
        assert isinstance(extension, DocketExtension)
        self.extension = extension

    def operation(self) -> Any:
        return _Stage(self.extension.on_operation)

    def parsing(self) -> Any:
        return _Stage(self.extension.on_parse)

    def validation(self) -> Any:
        return _Stage(self.extension.on_validate)

    def executing(self) -> Any:
        return _Stage(self.extension.on_execute)

    def on_stream_result(self, result: StreamExecutionResult) -> Any:
        return _Stage(partial(self.extension.on_stream_result, result))
