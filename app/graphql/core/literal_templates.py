"""A document that differs from one parsed before only in its string and number literals, made from that parse with
its own literals put in, without lexing or parsing it.

A pipeline that writes its values into the document sends a new text every call, which a parser cache keyed on the
text never finds; graphql-core's lexer and parser, in Python, were then the largest cost of a lone literal write.
Here a regular expression sets a text's literals aside (`split`): what is left, its skeleton, is equal for two texts
exactly when they differ only in those literals' values. The first text of a skeleton is parsed, and kept as its
`Template` when the literals the expression found are the ones graphql-core's lexer read, at the same places; a text
of that skeleton is then the template's document with copies of the nodes down to each literal, its new values in.

The expression is narrower than the lexer, never wider: a string with an escape other than the simple ones, a block
string, or anything it does not match stays in the skeleton, which then matches no template and is parsed. A text that
parses is made of its skeleton's tokens around literals of the kinds the skeleton marks, each read by the lexer as the
expression reads it, so the made document is the one parsing would give; its nodes' locations are the first text's,
so an error that names a node is located again in the parsed text (`Template.relocated`).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    FloatValueNode,
    GraphQLError,
    IntValueNode,
    Node,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    TokenKind,
    parse,
)

_LITERAL = re.compile(
    r"#[^\n\r]*"  # a comment: kept in the skeleton whole, so that nothing in it is taken for a literal
    r'|"(?:[^"\\\x00-\x08\x0a-\x1f\ud800-\udfff]|\\["\\/bfnrt])*"'
    r"|(?<![\w.])-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?(?![\w.])"
)
"""A comment, a string of printable characters and simple escapes, or a number standing alone, as the lexer reads
them."""

_MARKS = {'"': "\x00s", "i": "\x00i", "f": "\x00f"}
"""What stands for a literal of each kind in a skeleton: NUL, which no text that parses holds."""

Path = tuple[str | int, ...]
Shape = tuple[Hashable, ...] | None

LITERALS = frozenset({TokenKind.STRING, TokenKind.BLOCK_STRING, TokenKind.INT, TokenKind.FLOAT})

MAX_KEPT = 512
"""Texts and skeletons kept each, the oldest forgotten first: a public endpoint's unique texts cannot grow them."""


class Kept:
    """A bounded map shared by every request, forgetting its oldest entry first."""

    def __init__(self, max_kept: int = MAX_KEPT) -> None:
        self.max_kept = max_kept
        self.entries: dict[Hashable, Any] = {}
        self._lock = threading.Lock()

    def __contains__(self, key: Hashable) -> bool:
        return key in self.entries

    def get(self, key: Hashable, default: Any = None) -> Any:
        return self.entries.get(key, default)

    def keep(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self.entries[key] = value
            if len(self.entries) > self.max_kept:
                del self.entries[next(iter(self.entries))]


class Templates:
    """The documents parsed by text, and the templates by skeleton, shared by every request to one schema."""

    def __init__(self, max_kept: int = MAX_KEPT) -> None:
        self.texts = Kept(max_kept)
        self.skeletons = Kept(max_kept)
        """A skeleton's template, or None when its first text could not be one."""

    def document(self, text: str, options: Mapping[str, Any]) -> tuple[DocumentNode, Template | None]:
        """The text's document (parsed as `options` say), and the template it was made from, if it was."""
        known = (text, *sorted(options.items()))
        parsed = self.texts.get(known)
        if parsed is not None:
            return parsed, None
        pieces = split(text)
        key = None if pieces is None else (pieces.skeleton, *sorted(options.items()))
        template = None if key is None else self.skeletons.get(key)
        if template is not None and pieces is not None:
            made = template.filled(pieces.literals)
            if made is not None:
                return made, template
        document = parse(text, **options)
        if key is not None and pieces is not None and key not in self.skeletons:
            self.skeletons.keep(key, Template.of(document, pieces))
        self.texts.keep(known, document)
        return document, None


def shape(document: DocumentNode) -> Shape:
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


@dataclass(frozen=True)
class Split:
    """A text with its literals set aside."""

    skeleton: str
    literals: list[str]
    """Each literal's text, in order."""
    starts: list[int]
    """Where each begins in the text."""


def split(text: str) -> Split | None:
    """The text's skeleton and literals; None for a text holding a block string, which the expression does not read."""
    if '"""' in text:
        return None
    literals: list[str] = []
    starts: list[int] = []

    def mark(match: re.Match[str]) -> str:
        literal = match.group()
        if literal[0] == "#":
            return literal
        literals.append(literal)
        starts.append(match.start())
        return _mark(literal)

    return Split(_LITERAL.sub(mark, text), literals, starts)


@dataclass(frozen=True)
class Template:
    """A parsed document of one skeleton, and where its literals are in it."""

    document: DocumentNode
    shape: Shape
    """The document's `shape`, which every document made from it has: their tokens are the template's."""
    paths: tuple[Path, ...]
    """Each literal's node, in the text's order."""
    nodes: tuple[StringValueNode | IntValueNode | FloatValueNode, ...]
    steps: dict[Any, Any]
    """The paths as a tree: a step to the next tree, or to the index of a literal at its end."""

    @classmethod
    def of(cls, document: DocumentNode, text: Split) -> Template | None:
        """The document's template, if the literals its parse holds are those `text` found, at the same places, and no
        operation of it is a subscription or defers or streams: their errors come later, outside `relocated`, and
        subscribers share results by their operation's source text (`Asked`), which a made document's nodes do not
        hold."""
        if not all(
            isinstance(d, OperationDefinitionNode) and d.operation is not OperationType.SUBSCRIPTION
            for d in document.definitions
        ):
            return None
        found: list[tuple[Path, StringValueNode | IntValueNode | FloatValueNode]] = []
        for path, node in _walk(document, ()):
            if isinstance(node, DirectiveNode) and node.name.value in ("defer", "stream"):
                return None
            if isinstance(node, StringValueNode | IntValueNode | FloatValueNode):
                found.append((path, node))
        found.sort(key=lambda entry: entry[1].loc.start if entry[1].loc else -1)
        if len(found) != len(text.literals):
            return None
        for (_, node), literal, start in zip(found, text.literals, text.starts, strict=True):
            if (type(node) is not _KINDS[_mark(literal)] or node.loc is None or node.loc.start != start
                    or node.loc.end != start + len(literal) or getattr(node, "block", False)):
                return None
        steps: dict[Any, Any] = {}
        for index, (path, _) in enumerate(found):
            tree = steps
            for step in path[:-1]:
                tree = tree.setdefault(step, {})
            tree[path[-1]] = index
        return cls(document, shape(document), tuple(p for p, _ in found), tuple(n for _, n in found), steps)

    def filled(self, literals: list[str]) -> DocumentNode | None:
        """The document with these literals in place of the template's; None if a string's escapes cannot be read."""
        try:
            values = [_node(template, literal) for template, literal in zip(self.nodes, literals, strict=True)]
        except ValueError:
            return None
        made = _rebuilt(self.document, self.steps, values)
        assert isinstance(made, DocumentNode)
        return made

    @staticmethod
    def relocated(errors: list[GraphQLError], made: DocumentNode, parsed: DocumentNode) -> list[GraphQLError]:
        """`errors` met on a made document, their nodes those at the same places in the text's own parse."""
        paths = {id(node): path for path, node in _walk(made, ())}
        located = []
        for error in errors:
            if not error.nodes or not all(id(n) in paths for n in error.nodes):
                located.append(error)
                continue
            nodes = [node_at(parsed, paths[id(n)]) for n in error.nodes]
            located.append(GraphQLError(
                error.message, nodes, path=error.path, original_error=error.original_error,
                extensions=error.extensions,
            ))
        return located


def _mark(literal: str) -> str:
    if literal[0] == '"':
        return _MARKS['"']
    return _MARKS["f" if "." in literal or "e" in literal or "E" in literal else "i"]


_KINDS = {_MARKS['"']: StringValueNode, _MARKS["i"]: IntValueNode, _MARKS["f"]: FloatValueNode}


def _node(template: StringValueNode | IntValueNode | FloatValueNode, literal: str) -> Node:
    """The value node of `literal`, where the template's stands."""
    if isinstance(template, StringValueNode):
        # The expression lets through only the escapes JSON reads alike: \" \\ \/ \b \f \n \r \t.
        return _copied(template, {"value": literal[1:-1] if "\\" not in literal else json.loads(literal)})
    return _copied(template, {"value": literal})


def _rebuilt(node: Any, steps: Any, values: list[Node]) -> Any:
    """`node` with the literals at the ends of `steps` replaced, each node on the way a copy."""
    if isinstance(steps, int):
        return values[steps]
    if isinstance(node, tuple):
        items = list(node)
        for index, inner in steps.items():
            items[index] = _rebuilt(items[index], inner, values)
        return tuple(items)
    return _copied(node, {name: _rebuilt(getattr(node, name), inner, values) for name, inner in steps.items()})


def _copied(node: Node, changes: dict[str, Any]) -> Any:
    """`dataclasses.replace(node, **changes)`, without its keyword-argument `__init__`, which sets each field of a
    frozen node through `object.__setattr__`: graphql-core's nodes are dataclasses whose `__dict__` holds exactly their
    fields, with no `__post_init__`, so a copy of that dict with the changes in is the node `replace` makes."""
    made = object.__new__(type(node))
    made.__dict__.update(node.__dict__, **changes)
    return made


def _walk(node: Node, path: Path) -> Iterator[tuple[Path, Node]]:
    """Every node under `node` (itself first) and its path from it."""
    yield path, node
    for key in node.keys:
        if key == "loc":
            continue
        child = getattr(node, key)
        if isinstance(child, Node):
            yield from _walk(child, (*path, key))
        elif isinstance(child, tuple):
            for index, item in enumerate(child):
                if isinstance(item, Node):
                    yield from _walk(item, (*path, key, index))


def node_at(node: Any, path: Path) -> Any:
    """The node at `path` under `node`."""
    for step in path:
        node = node[step] if isinstance(step, int) else getattr(node, step)
    return node
