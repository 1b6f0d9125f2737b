"""Validation once per document shape: a document that differs from one already found valid only in its literal
values is checked again by the rules that read values, not by all of them.

A pipeline that writes its values into the document (`recordDetection(input: {externalId: "e-17", ...})`) sends a new
document every call, which strawberry's ValidationCache, keyed on the document, never finds: each paid for all ~36
rules, most of a lone write's CPU. Most rules judge only what the tokens say with the literals' values set aside (the
fields, arguments, fragments, variables, directives, the names of enum values, `null` and booleans), so their verdict
on one such document is their verdict on every document of its shape.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Hashable, Iterator
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    NoSchemaIntrospectionCustomRule,
    TokenKind,
    validate,
)
from graphql.validation import (
    DeferStreamDirectiveLabel,
    DeferStreamDirectiveOnRootField,
    DeferStreamDirectiveOnValidOperationsRule,
    ExecutableDefinitionsRule,
    FieldsOnCorrectTypeRule,
    FragmentsOnCompositeTypesRule,
    KnownArgumentNamesRule,
    KnownDirectivesRule,
    KnownFragmentNamesRule,
    KnownOperationTypesRule,
    KnownTypeNamesRule,
    LoneAnonymousOperationRule,
    MaxIntrospectionDepthRule,
    NoFragmentCyclesRule,
    NoUndefinedVariablesRule,
    NoUnusedFragmentsRule,
    NoUnusedVariablesRule,
    OverlappingFieldsCanBeMergedRule,
    PossibleFragmentSpreadsRule,
    ProvidedRequiredArgumentsRule,
    ScalarLeafsRule,
    SingleFieldSubscriptionsRule,
    StreamDirectiveOnListField,
    UniqueArgumentNamesRule,
    UniqueDirectivesPerLocationRule,
    UniqueFragmentNamesRule,
    UniqueInputFieldNamesRule,
    UniqueOperationNamesRule,
    UniqueVariableNamesRule,
    ValuesOfCorrectTypeRule,
    VariablesAreInputTypesRule,
    VariablesInAllowedPositionRule,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

VALUE_RULES = frozenset({ValuesOfCorrectTypeRule, OverlappingFieldsCanBeMergedRule, DeferStreamDirectiveLabel})
"""graphql-core's rules that read literal values: scalars parsed from them, two fields of one response name compared by
their arguments' values, and @defer/@stream labels compared."""

STRUCTURAL_RULES: frozenset[type[ASTValidationRule]] = frozenset({
    ExecutableDefinitionsRule, KnownOperationTypesRule, UniqueOperationNamesRule, LoneAnonymousOperationRule,
    SingleFieldSubscriptionsRule, KnownTypeNamesRule, FragmentsOnCompositeTypesRule, VariablesAreInputTypesRule,
    ScalarLeafsRule, FieldsOnCorrectTypeRule, UniqueFragmentNamesRule, KnownFragmentNamesRule, NoUnusedFragmentsRule,
    PossibleFragmentSpreadsRule, NoFragmentCyclesRule, UniqueVariableNamesRule, NoUndefinedVariablesRule,
    NoUnusedVariablesRule, KnownDirectivesRule, UniqueDirectivesPerLocationRule, DeferStreamDirectiveOnRootField,
    DeferStreamDirectiveOnValidOperationsRule, StreamDirectiveOnListField, KnownArgumentNamesRule,
    UniqueArgumentNamesRule, ProvidedRequiredArgumentsRule, VariablesInAllowedPositionRule, UniqueInputFieldNamesRule,
    MaxIntrospectionDepthRule, NoSchemaIntrospectionCustomRule,
    # Strawberry's own, which it adds to every validation: each looks at a value's kind (null, a variable), not at it.
    MaybeNullValidationRule, OneOfInputValidationRule,
})
"""Rules whose verdict is the same for every document of one shape. A rule not named here (another library's, one of
Docket's, one a new graphql-core brings) runs on every document."""

LITERALS = frozenset({TokenKind.STRING, TokenKind.BLOCK_STRING, TokenKind.INT, TokenKind.FLOAT})

MAX_KEPT = 512
"""Documents and shapes kept each, the oldest forgotten first: a public endpoint's unique texts cannot grow them."""


def shape(document: DocumentNode) -> tuple[Hashable, ...] | None:
    """The document's tokens with each string and number literal's value left out: equal for two documents exactly when
    they differ only in those values (comments and white space aside). None for a document parsed without tokens."""
    token = None if document.loc is None else document.loc.start_token
    tokens: list[Hashable] = []
    while token is not None:
        kind = token.kind
        if kind is not TokenKind.COMMENT:
            tokens.append((kind, None if kind in LITERALS else token.value))
        token = token.next
    return tuple(tokens) or None


class Validations:
    """What validating documents found, shared by every request to one schema."""

    def __init__(self, structural: Collection[type[ASTValidationRule]] = STRUCTURAL_RULES,
                 max_kept: int = MAX_KEPT) -> None:
        self.structural = structural
        self.max_kept = max_kept
        self.documents: dict[Hashable, list[GraphQLError]] = {}
        """A document's errors by its text (and rules): a client sending one text again is answered from here."""
        self.valid_shapes: dict[Hashable, None] = {}
        """The shapes (and rules) of documents found valid by every rule."""
        self._lock = threading.Lock()

    def errors(self, schema: GraphQLSchema, text: str | None, document: DocumentNode,
               rules: tuple[type[ASTValidationRule], ...]) -> list[GraphQLError]:
        """The document's validation errors, as strawberry's validation (its two rules added to `rules`) finds them."""
        key = None if text is None else (text, rules)
        known = None if key is None else self.documents.get(key)
        if known is not None:
            return known
        form = shape(document)
        shaped = None if form is None else (form, rules)
        if shaped is not None and shaped in self.valid_shapes:
            # The structural rules passed it already: the errors are the value rules', in the order all would report.
            every = (*rules, MaybeNullValidationRule, OneOfInputValidationRule)
            errors = validate(schema, document, [r for r in every if r not in self.structural])
        else:
            errors = validate_document(schema, document, rules)
            if shaped is not None and not errors:
                self._keep(self.valid_shapes, shaped, None)
        if key is not None:
            self._keep(self.documents, key, errors)
        return errors

    def _keep(self, kept: dict[Hashable, Any], key: Hashable, value: Any) -> None:
        with self._lock:
            kept[key] = value
            if len(kept) > self.max_kept:
                del kept[next(iter(kept))]


class ShapeValidationCache(SchemaExtension):
    """Validates each operation through `validations`, in place of strawberry's ValidationCache."""

    def __init__(self, validations: Validations) -> None:
        super().__init__()
        self.validations = validations

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        context.pre_execution_errors = self.validations.errors(
            context.schema._schema, context.query, context.graphql_document, tuple(context.validation_rules)
        )
        yield
