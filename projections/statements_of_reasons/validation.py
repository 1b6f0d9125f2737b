"""Every rule the DSA Transparency Database applies to a statement: per field by the published JSON Schema
(`statement.schema.json`), across fields here."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from domain.dsa import check_url
from domain.errors import ValidationError as DocketValidationError

SCHEMA_FILE = "statement.schema.json"

DECISION_FIELDS = ("decision_visibility", "decision_monetary", "decision_provision", "decision_account")
END_DATES = (
    "end_date_visibility_restriction", "end_date_monetary_restriction", "end_date_service_restriction",
    "end_date_account_restriction",
)
DATE_BOUNDS = {
    "content_date": (date(2000, 1, 1), date(2038, 1, 1)),
    "application_date": (date(2020, 1, 1), date(2038, 1, 1)),
    **{field: (None, date(2038, 1, 1)) for field in END_DATES},
}
_ILLEGAL = ("illegal_content_legal_ground", "illegal_content_explanation")
_INCOMPATIBLE = ("incompatible_content_ground", "incompatible_content_explanation")


@dataclass(frozen=True)
class Violation:
    """One broken rule: the field it is about and what is wrong."""

    field: str
    message: str


def statement_schema() -> dict[str, Any]:
    """The published JSON Schema of one statement."""
    return dict(_schema())


def violations(statement: Mapping[str, Any]) -> list[Violation]:
    """Every rule of the contract the statement breaks, per field then across fields; none when it would be taken."""
    found = [_violation(error, statement) for error in _validator().iter_errors(statement)]
    if isinstance(statement, Mapping):
        found += _across_fields(statement)
    return sorted(set(found), key=lambda v: (v.field, v.message))


@cache
def _schema() -> dict[str, Any]:
    text = resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator() -> Draft202012Validator:
    schema = _schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _violation(error: ValidationError, statement: Any) -> Violation:
    if error.path:  # named by the statement's field, as the API keys its errors
        return Violation(str(error.path[0]), error.message)
    if error.validator == "required" and isinstance(statement, Mapping):
        missing = [f for f in _schema()["required"] if f not in statement]
        return Violation(missing[0] if missing else "", error.message)
    if error.validator == "additionalProperties" and isinstance(statement, Mapping):
        extra = sorted(set(statement) - set(_schema()["properties"]))
        return Violation(extra[0] if extra else "", error.message)
    return Violation("", error.message)


def _present(statement: Mapping[str, Any], field: str) -> bool:
    """Whether a field is given: null, absent and an empty list or text all count as not given, as the API's."""
    return statement.get(field) not in (None, "", [], {})


def _across_fields(s: Mapping[str, Any]) -> Iterator[Violation]:
    if not any(_present(s, f) for f in DECISION_FIELDS):
        yield Violation("decision_visibility", f"at least one of {', '.join(DECISION_FIELDS)} is required")
    visibility = s.get("decision_visibility")
    yield from _iff(s, "decision_visibility_other",
                    isinstance(visibility, list) and "DECISION_VISIBILITY_OTHER" in visibility,
                    "decision_visibility includes DECISION_VISIBILITY_OTHER")
    yield from _iff(s, "decision_monetary_other", s.get("decision_monetary") == "DECISION_MONETARY_OTHER",
                    "decision_monetary is DECISION_MONETARY_OTHER")
    content_type = s.get("content_type")
    yield from _iff(s, "content_type_other", isinstance(content_type, list) and "CONTENT_TYPE_OTHER" in content_type,
                    "content_type includes CONTENT_TYPE_OTHER")
    illegal = s.get("decision_ground") == "DECISION_GROUND_ILLEGAL_CONTENT"
    incompatible = s.get("decision_ground") == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    for field in _ILLEGAL:
        yield from _iff(s, field, illegal, "decision_ground is DECISION_GROUND_ILLEGAL_CONTENT")
    for field in _INCOMPATIBLE:
        yield from _iff(s, field, incompatible, "decision_ground is DECISION_GROUND_INCOMPATIBLE_CONTENT")
    if _present(s, "incompatible_content_illegal") and not incompatible:
        yield Violation("incompatible_content_illegal",
                        "only a statement on DECISION_GROUND_INCOMPATIBLE_CONTENT may say whether it is also illegal")
    if _present(s, "source_identity") and s.get("source_type") == "SOURCE_VOLUNTARY":
        yield Violation("source_identity", "must be absent when source_type is SOURCE_VOLUNTARY")
    if _present(s, "content_id") and _present(s, "content_id_ean"):
        yield Violation("content_id_ean", "give the EAN-13 in content_id or in content_id_ean, not both")
    url = s.get("decision_ground_reference_url")
    if isinstance(url, str) and url:
        try:
            check_url(url, "decision_ground_reference_url")
        except DocketValidationError as error:
            yield Violation("decision_ground_reference_url", error.message)
    yield from _dates(s)


def _iff(s: Mapping[str, Any], field: str, condition: bool, reason: str) -> Iterator[Violation]:
    """A conditionally required field: required when `condition` holds, and then only."""
    if condition and not _present(s, field):
        yield Violation(field, f"is required when {reason}")
    elif not condition and _present(s, field):
        yield Violation(field, f"must be absent unless {reason}")


def _dates(s: Mapping[str, Any]) -> Iterator[Violation]:
    days: dict[str, date] = {}
    for field, (earliest, latest) in DATE_BOUNDS.items():
        value = s.get(field)
        if not isinstance(value, str) or not value:
            continue
        try:
            day = date.fromisoformat(value)
        except ValueError:
            yield Violation(field, f"{value!r} is not a date (YYYY-MM-DD)")
            continue
        days[field] = day
        if earliest is not None and day < earliest:
            yield Violation(field, f"must not be before {earliest.isoformat()}")
        if day > latest:
            yield Violation(field, f"must not be after {latest.isoformat()}")
    applied = days.get("application_date")
    for field in END_DATES:
        if applied is not None and field in days and days[field] < applied:
            yield Violation(field, "must not be before application_date")
