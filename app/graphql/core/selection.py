"""The fields a query selects under the field being resolved, whatever fragments they come through: so that a field
reads with its own rows what its nested fields will show, and nothing they will not."""

from __future__ import annotations

from collections.abc import Iterable

from strawberry.types.nodes import SelectedField, Selection

from app.graphql.core.context import Info


class Selected:
    """The fields selected under a field, by name. A field under @skip or @include counts as selected: what is read
    may be more than is shown, never less."""

    def __init__(self, selections: Iterable[Selection]) -> None:
        self._fields: dict[str, list[SelectedField]] = {}
        pending = list(selections)
        while pending:
            selection = pending.pop()
            if isinstance(selection, SelectedField):
                self._fields.setdefault(selection.name, []).append(selection)
            else:
                pending.extend(selection.selections)  # a fragment's or inline fragment's fields

    @classmethod
    def of(cls, info: Info) -> Selected:
        """The fields selected under the field `info` resolves."""
        return cls(s for field in info.selected_fields for s in field.selections)

    def __contains__(self, name: str) -> bool:
        return name in self._fields

    def under(self, name: str) -> Selected:
        """The fields selected under the field `name`, wherever it is selected."""
        return Selected(s for field in self._fields.get(name, ()) for s in field.selections)
