"""Validation once per document shape: a document that differs from one already found valid only in its literal
values is checked again by the rules that read values, not by all of them.

A pipeline that writes its values into the document (`recordDetection(input: {externalId: "e-17", ...})`) sends a new
document every call, which strawberry's ValidationCache, keyed on the document, never finds: each paid for all ~36
rules, most of a lone write's CPU. Most rules judge only what the tokens say with the literals' values set aside (the
fields, arguments, fragments, variables, directives, the names of enum values, `null` and booleans), so their verdict
on one such document is their verdict on every document of its shape.

The value rules, run again, cost most of that still (graphql-core's walk of every node with the types beside it), so a
valid shape also keeps where they look (`Literals`): each value written in the document with the input type it must
have, and each string. A document of that shape whose values all pass those checks, looked at directly, is valid; one
whose values do not is validated by the value rules, whose errors are the answer.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInputType,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    Node,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    ValueNode,
    VariableNode,
    Visitor,
    parse,
    validate,
    visit,
)
from graphql.utilities.validate_input_value import validate_input_literal
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
from strawberry.schema.schema import validate_document
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule
from strawberry.types import ExecutionContext

from app.graphql.core.literal_templates import MAX_KEPT, Kept, Path, Template, Templates, node_at, shape
from app.graphql.core.text_arguments import StorableLiterals, text_problem

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

_UNKNOWN = object()
"""What `Validations.valid_shapes` answers for a shape not found valid (None there means the value rules are run)."""

LOOKED_AT: frozenset[type[ASTValidationRule]] = frozenset({*VALUE_RULES, StorableLiterals})
"""The rules that read values whose checks `Literals` makes; a shape validated by any other such rule has its value
rules run each time."""

@dataclass(frozen=True)
class Literals:
    """Where the value rules look in any document of one valid shape: each value written in it, with the input type it
    must have (ValuesOfCorrectTypeRule's checks), and each string (StorableLiterals')."""

    typed: tuple[tuple[Path, GraphQLInputType], ...]
    strings: tuple[Path, ...]

    @classmethod
    def of(cls, schema: GraphQLSchema, document: DocumentNode) -> Literals | None:
        """Where they look in this valid document; None when the value rules could also find a document of its shape
        wrong by comparing values (two fields of one response name, @defer or @stream labels)."""
        if not _compares_nothing(document):
            return None
        type_info = TypeInfo(schema)
        found = _Found(type_info)
        visit(document, TypeInfoVisitor(type_info, found))
        return cls(tuple(found.typed), tuple(found.strings))

    def pass_in(self, document: DocumentNode) -> bool:
        """Whether each of the values of a document of this shape passes the checks the value rules make of it."""
        failed: list[GraphQLError] = []
        for path, type_ in self.typed:
            validate_input_literal(node_at(document, path), type_, lambda error, _path: failed.append(error))
            if failed:
                return False
        return all(text_problem(node_at(document, path).value) is None for path in self.strings)


class _Found(Visitor):
    """Records, in one walk with the types beside it, where a document's values and strings are."""

    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.typed: list[tuple[Path, GraphQLInputType]] = []
        self.strings: list[Path] = []
        self.depth = 0
        """How many values the walk is inside: ValuesOfCorrectTypeRule checks the outermost whole."""

    def enter(self, node: Node, _key: Any, _parent: Any, path: Sequence[str | int], _ancestors: Any) -> None:
        if not isinstance(node, ValueNode):
            return
        if isinstance(node, StringValueNode):
            self.strings.append(tuple(path))
        if not self.depth and not isinstance(node, VariableNode):
            # As the rule asks: TypeInfo has stepped into a list already, so a list's type is the parent input type.
            info = self.type_info
            type_ = info.get_parent_input_type() if isinstance(node, ListValueNode) else info.get_input_type()
            if type_ is not None:
                self.typed.append((tuple(path), type_))
        self.depth += 1

    def leave(self, node: Node, *_: Any) -> None:
        if isinstance(node, ValueNode):
            self.depth -= 1


def _compares_nothing(document: DocumentNode) -> bool:
    """Whether no selection asks two fields of one response name (inline fragments' fields counted where they stand) and
    no fragment is spread or deferred, nothing streamed: OverlappingFieldsCanBeMergedRule and DeferStreamDirectiveLabel
    then have no values to compare."""
    pending = [d.selection_set for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    while pending:
        names: set[str] = set()
        selections = list(pending.pop().selections)
        while selections:
            selection = selections.pop()
            if isinstance(selection, FragmentSpreadNode) or any(
                d.name.value in ("defer", "stream") for d in selection.directives or ()
            ):
                return False
            if isinstance(selection, InlineFragmentNode):
                selections.extend(selection.selection_set.selections)
            elif isinstance(selection, FieldNode):
                name = (selection.alias or selection.name).value
                if name in names:
                    return False
                names.add(name)
                if selection.selection_set is not None:
                    pending.append(selection.selection_set)
    return True


class Validations:
    """What validating documents found, shared by every request to one schema."""

    def __init__(self, structural: Collection[type[ASTValidationRule]] = STRUCTURAL_RULES,
                 max_kept: int = MAX_KEPT) -> None:
        self.structural = structural
        self.documents = Kept(max_kept)
        """A document's errors by its text (and rules): a client sending one text again is answered from here."""
        self.valid_shapes = Kept(max_kept)
        """The shapes (and rules) of documents found valid by every rule, with where the value rules look in them (None:
        the value rules are run)."""

    def errors(self, schema: GraphQLSchema, text: str | None, document: DocumentNode,
               rules: tuple[type[ASTValidationRule], ...], template: Template | None = None) -> list[GraphQLError]:
        """The document's validation errors, as strawberry's validation (its two rules added to `rules`) finds them;
        `template` is the one the document was made from, if it was, whose shape is the document's."""
        key = None if text is None else (text, rules)
        known = None if key is None else self.documents.get(key)
        if known is not None:
            return known
        form = shape(document) if template is None else template.shape
        shaped = None if form is None else (form, rules)
        every = (*rules, MaybeNullValidationRule, OneOfInputValidationRule)
        valued = [r for r in every if r not in self.structural]
        found = _UNKNOWN if shaped is None else self.valid_shapes.get(shaped, _UNKNOWN)
        if found is not _UNKNOWN:
            # The structural rules passed it already: the errors are the value rules', in the order all would report.
            passed = isinstance(found, Literals) and found.pass_in(document)
            errors = [] if passed else validate(schema, document, valued)
        else:
            errors = validate_document(schema, document, rules)
            if shaped is not None and not errors:
                looked = Literals.of(schema, document) if set(valued) <= LOOKED_AT else None
                self.valid_shapes.keep(shaped, looked)
        if key is not None:
            self.documents.keep(key, errors)
        return errors


class ShapeCache:
    """Parses an operation through `templates` and validates it through `validations`, in place of strawberry's
    ParserCache and ValidationCache; a document made from a template that errs is answered as its own parse is.
    One an operation, called by the schema's extension at each stage."""

    def __init__(self, validations: Validations, templates: Templates) -> None:
        self.validations = validations
        self.templates = templates
        self.template: Template | None = None
        """The template this operation's document was made from, if it was: its nodes are located in another text."""

    def parse(self, context: ExecutionContext) -> None:
        assert context.query is not None
        context.graphql_document, self.template = self.templates.document(context.query, context.parse_options)

    def validate(self, context: ExecutionContext) -> None:
        document = context.graphql_document
        assert document is not None
        schema, rules = context.schema._schema, tuple(context.validation_rules)
        # A made document's errors are not kept under its text: their locations are another text's.
        made = self.template is not None
        errors = self.validations.errors(schema, None if made else context.query, document, rules, self.template)
        if errors and made:
            context.graphql_document = _parsed(context)
            self.template = None
            errors = self.validations.errors(schema, context.query, context.graphql_document, rules)
        context.pre_execution_errors = errors

    def relocate(self, context: ExecutionContext) -> None:
        """Points the errors of an executed operation at the text the client sent, not the template's."""
        result = context.result
        if self.template is not None and isinstance(result, ExecutionResult) and result.errors:
            document = context.graphql_document
            assert document is not None
            result.errors[:] = Template.relocated(result.errors, document, _parsed(context))


def _parsed(context: ExecutionContext) -> DocumentNode:
    assert context.query is not None
    return parse(context.query, **context.parse_options)
