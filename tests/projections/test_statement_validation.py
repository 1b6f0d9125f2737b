"""The statement validator holds every rule of the DSA Transparency Database's contract, field by field."""

from __future__ import annotations

from typing import Any

import pytest

from domain.dsa import EEA_COUNTRIES, KEYWORDS, LANGUAGES
from domain.values import DSA_CATEGORIES
from projections.statements_of_reasons.validation import statement_schema, violations

ABSENT = object()


def valid(**changes: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
        "end_date_visibility_restriction": None,
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": "Terms of service, spam",
        "incompatible_content_explanation": "Spam: do not post link farms.",
        "content_type": ["CONTENT_TYPE_IMAGE"],
        "category": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
        "territorial_scope": ["DE", "FR"],
        "content_date": "2026-03-01",
        "application_date": "2026-03-02",
        "decision_facts": "The pin was found to break the spam policy.",
        "source_type": "SOURCE_VOLUNTARY",
        "automated_detection": "Yes",
        "automated_decision": "AUTOMATED_DECISION_PARTIALLY",
        "puid": "docket-7f1c2a9e-0000-4000-8000-000000000001",
    }
    for field, value in changes.items():
        if value is ABSENT:
            statement.pop(field, None)
        else:
            statement[field] = value
    return statement


def fields_at_fault(statement: dict[str, Any]) -> set[str]:
    return {v.field for v in violations(statement)}


def test_a_complete_statement_breaks_no_rule() -> None:
    assert violations(valid()) == []


def test_a_statement_using_every_optional_field_breaks_no_rule() -> None:
    statement = valid(
        decision_visibility=["DECISION_VISIBILITY_OTHER", "DECISION_VISIBILITY_CONTENT_DEMOTED"],
        decision_visibility_other="The advertisement was rejected.",
        decision_monetary="DECISION_MONETARY_OTHER", decision_monetary_other="Demonetized.",
        end_date_monetary_restriction="2026-04-01",
        decision_provision="DECISION_PROVISION_PARTIAL_SUSPENSION", end_date_service_restriction="2026-03-09",
        decision_account="DECISION_ACCOUNT_SUSPENDED", end_date_account_restriction="2037-12-31",
        account_type="ACCOUNT_TYPE_BUSINESS", decision_ground_reference_url="https://example.com/terms#spam",
        incompatible_content_illegal="No", content_type=["CONTENT_TYPE_PRODUCT", "CONTENT_TYPE_OTHER"],
        content_type_other="A listing", category_addition=["STATEMENT_CATEGORY_CONSUMER_INFORMATION"],
        category_specification=["KEYWORD_PHISHING", "KEYWORD_OTHER"], category_specification_other="Link farms",
        content_language="EN", source_type="SOURCE_ARTICLE_16", source_identity="A notifier",
        content_id={"EAN-13": "4006381333931"},
    )
    assert violations(statement) == []


def test_an_illegal_content_statement_needs_its_legal_ground_and_explanation_only() -> None:
    illegal = valid(
        decision_ground="DECISION_GROUND_ILLEGAL_CONTENT", incompatible_content_ground=ABSENT,
        incompatible_content_explanation=ABSENT, illegal_content_legal_ground="Art. 5 Directive 2011/93/EU",
        illegal_content_explanation="Child sexual abuse material.",
    )
    assert violations(illegal) == []
    assert fields_at_fault(illegal | {"illegal_content_legal_ground": None}) == {"illegal_content_legal_ground"}
    assert fields_at_fault({k: v for k, v in illegal.items() if k != "illegal_content_explanation"}) == {
        "illegal_content_explanation"}
    assert fields_at_fault(illegal | {"incompatible_content_ground": "x"}) == {"incompatible_content_ground"}
    assert fields_at_fault(illegal | {"incompatible_content_illegal": "Yes"}) == {"incompatible_content_illegal"}


@pytest.mark.parametrize("field", [
    "decision_ground", "content_type", "category", "content_date", "application_date", "decision_facts",
    "source_type", "automated_detection", "automated_decision", "puid",
])
def test_a_required_field_missing_or_null_is_refused(field: str) -> None:
    assert field in fields_at_fault(valid(**{field: ABSENT}))
    assert field in fields_at_fault(valid(**{field: None}))


@pytest.mark.parametrize(("field", "value"), [
    ("decision_visibility", ["DECISION_VISIBILITY_CONTENT_HIDDEN"]),
    ("decision_visibility", "DECISION_VISIBILITY_CONTENT_REMOVED"),
    ("decision_monetary", "DECISION_MONETARY_FINE"),
    ("decision_provision", "DECISION_PROVISION_SUSPENSION"),
    ("decision_account", "DECISION_ACCOUNT_BANNED"),
    ("account_type", "ACCOUNT_TYPE_GOVERNMENT"),
    ("decision_ground", "DECISION_GROUND_OTHER"),
    ("content_type", ["CONTENT_TYPE_MEME"]),
    ("category", "STATEMENT_CATEGORY_SPAM"),
    ("category", ["STATEMENT_CATEGORY_SCAMS_AND_FRAUD"]),
    ("category_addition", ["STATEMENT_CATEGORY_SPAM"]),
    ("category_specification", ["KEYWORD_DANGEROUS_TOYS"]),
    ("territorial_scope", ["US"]),
    ("territorial_scope", ["EL"]),
    ("content_language", "en"),
    ("content_language", "XX"),
    ("source_type", "SOURCE_AUTHORITY"),
    ("automated_decision", "Yes"),
    ("automated_decision", "FULLY"),
])
def test_a_value_outside_its_enumeration_is_refused(field: str, value: Any) -> None:
    assert field in fields_at_fault(valid(**{field: value}))


@pytest.mark.parametrize("field", ["automated_detection", "incompatible_content_illegal"])
@pytest.mark.parametrize("value", ["yes", "YES", True, "AUTOMATED_DETECTION_YES", 1])
def test_yes_and_no_are_the_only_literals_taken(field: str, value: Any) -> None:
    assert field in fields_at_fault(valid(**{field: value}))


@pytest.mark.parametrize(("field", "limit"), [
    ("decision_facts", 5000), ("incompatible_content_ground", 500), ("incompatible_content_explanation", 2000),
    ("category_specification_other", 500), ("source_identity", 500), ("puid", 500),
])
def test_a_text_over_its_length_is_refused_and_at_its_length_taken(field: str, limit: int) -> None:
    changes = {"source_type": "SOURCE_ARTICLE_16"} if field == "source_identity" else {}
    assert field not in fields_at_fault(valid(**changes, **{field: "a" * limit}))
    assert field in fields_at_fault(valid(**changes, **{field: "a" * (limit + 1)}))


@pytest.mark.parametrize(("field", "limit", "changes"), [
    ("decision_visibility_other", 500, {"decision_visibility": ["DECISION_VISIBILITY_OTHER"]}),
    ("decision_monetary_other", 500, {"decision_monetary": "DECISION_MONETARY_OTHER"}),
    ("content_type_other", 500, {"content_type": ["CONTENT_TYPE_OTHER"]}),
    ("illegal_content_legal_ground", 500, {"decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
                                           "illegal_content_explanation": "x", "incompatible_content_ground": ABSENT,
                                           "incompatible_content_explanation": ABSENT}),
    ("illegal_content_explanation", 2000, {"decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
                                           "illegal_content_legal_ground": "x", "incompatible_content_ground": ABSENT,
                                           "incompatible_content_explanation": ABSENT}),
    ("decision_ground_reference_url", 500, {}),
])
def test_a_conditional_text_over_its_length_is_refused(field: str, limit: int, changes: dict[str, Any]) -> None:
    prefix = "https://example.com/" if field == "decision_ground_reference_url" else ""
    assert field not in fields_at_fault(valid(**changes, **{field: prefix + "a" * (limit - len(prefix))}))
    assert field in fields_at_fault(valid(**changes, **{field: prefix + "a" * (limit + 1 - len(prefix))}))


def test_at_least_one_of_the_four_decision_fields_is_required() -> None:
    assert fields_at_fault(valid(decision_visibility=ABSENT)) == {"decision_visibility"}
    assert fields_at_fault(valid(decision_visibility=[])) == {"decision_visibility"}
    for field, value in [("decision_monetary", "DECISION_MONETARY_SUSPENSION"),
                         ("decision_provision", "DECISION_PROVISION_TOTAL_TERMINATION"),
                         ("decision_account", "DECISION_ACCOUNT_TERMINATED")]:
        assert violations(valid(decision_visibility=None, **{field: value})) == []


@pytest.mark.parametrize(("field", "trigger"), [
    ("decision_visibility_other", {"decision_visibility": ["DECISION_VISIBILITY_OTHER"]}),
    ("decision_monetary_other", {"decision_monetary": "DECISION_MONETARY_OTHER"}),
    ("content_type_other", {"content_type": ["CONTENT_TYPE_TEXT", "CONTENT_TYPE_OTHER"]}),
])
def test_an_other_value_needs_its_explanation_and_only_it_has_one(field: str, trigger: dict[str, Any]) -> None:
    assert fields_at_fault(valid(**trigger)) == {field}
    assert violations(valid(**trigger, **{field: "Explained."})) == []
    assert fields_at_fault(valid(**{field: "Explained."})) == {field}


def test_incompatible_content_needs_its_contractual_ground_and_explanation() -> None:
    assert fields_at_fault(valid(incompatible_content_ground=ABSENT)) == {"incompatible_content_ground"}
    assert fields_at_fault(valid(incompatible_content_explanation="")) == {"incompatible_content_explanation"}
    assert fields_at_fault(valid(illegal_content_legal_ground="Art. 1")) == {"illegal_content_legal_ground"}


def test_a_voluntary_statement_names_no_source() -> None:
    assert fields_at_fault(valid(source_identity="Jane Doe")) == {"source_identity"}
    assert violations(valid(source_type="SOURCE_TRUSTED_FLAGGER", source_identity="Flagger NGO")) == []


@pytest.mark.parametrize(("field", "value"), [
    ("content_date", "1999-12-31"), ("content_date", "2038-01-02"), ("application_date", "2019-12-31"),
    ("application_date", "2038-01-02"), ("end_date_account_restriction", "2038-01-02"),
    ("end_date_visibility_restriction", "2026-03-01"), ("content_date", "2026-02-30"), ("content_date", "2026-3-1"),
    ("application_date", "2026-03-02T10:00:00Z"), ("end_date_monetary_restriction", "tomorrow"),
])
def test_dates_are_calendar_days_within_the_database_bounds(field: str, value: str) -> None:
    assert field in fields_at_fault(valid(**{field: value}))


def test_the_bounds_themselves_are_taken() -> None:
    statement = valid(content_date="2000-01-01", application_date="2020-01-01",
                      end_date_visibility_restriction="2038-01-01")
    assert violations(statement) == []


@pytest.mark.parametrize("value", ["", "docket 1", "docket/1", "dök-1", "a.b", 17])
def test_a_puid_is_letters_digits_hyphens_and_underscores(value: Any) -> None:
    assert "puid" in fields_at_fault(valid(puid=value))


def test_a_puid_of_letters_digits_hyphens_and_underscores_is_taken() -> None:
    assert violations(valid(puid="dec_01J-ABC_xyz-9")) == []


@pytest.mark.parametrize("content_id", [
    {"EAN-13": "400638133393"}, {"EAN-13": "40063813339311"}, {"EAN-13": "40063813339X1"},
    {"EAN-13": 4006381333931}, {"GTIN": "4006381333931"}, {}, "4006381333931",
])
def test_a_content_id_is_an_ean_13_of_thirteen_digits(content_id: Any) -> None:
    assert "content_id" in fields_at_fault(valid(content_id=content_id))


def test_content_id_ean_is_thirteen_digits_and_not_given_twice() -> None:
    assert violations(valid(content_id_ean="4006381333931")) == []
    assert fields_at_fault(valid(content_id_ean="400638133393")) == {"content_id_ean"}
    assert fields_at_fault(valid(content_id_ean="4006381333931", content_id={"EAN-13": "4006381333931"})) == {
        "content_id_ean"}


@pytest.mark.parametrize("url", ["example.com/terms", "ftp://example.com/terms", "https://", "javascript:alert(1)"])
def test_a_reference_url_is_a_web_address(url: str) -> None:
    assert fields_at_fault(valid(decision_ground_reference_url=url)) == {"decision_ground_reference_url"}


def test_an_unknown_field_is_refused_by_name() -> None:
    assert fields_at_fault(valid(decision_reason="spam")) == {"decision_reason"}


def test_a_statement_that_is_not_an_object_is_refused() -> None:
    assert violations(["not", "a", "statement"])  # type: ignore[arg-type]


def test_the_published_schema_names_the_values_the_domain_checks_input_against() -> None:
    properties = statement_schema()["properties"]
    assert set(properties["category"]["enum"]) == DSA_CATEGORIES
    assert set(properties["category_specification"]["items"]["enum"]) == KEYWORDS
    assert set(properties["content_language"]["enum"]) - {None} == LANGUAGES
    assert set(properties["territorial_scope"]["items"]["enum"]) == EEA_COUNTRIES
    assert len(LANGUAGES) == 184 and len(KEYWORDS) == 69 and len(EEA_COUNTRIES) == 30
