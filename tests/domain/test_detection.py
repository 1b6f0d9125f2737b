import json
from datetime import UTC, datetime
from enum import Enum

import pytest

from domain.account_data import ERASED
from domain.detection import ERASED_CONTENT, MAX_EVIDENCE_BYTES, Detection
from domain.errors import ConflictError, ValidationError
from domain.prompt import MAX_TEXT, ModelContent
from domain.values import Content, ContentType, DetectionSource, Subject
from tests.domain.factories import ACCOUNT, POLICY_KEY, SUBJECT, T0, at, facts


def test_recording_a_detection_records_its_facts_once() -> None:
    detection = Detection.record(facts(), 3, "svc:classifier", at(minutes=1))

    events = detection.collect_events()

    assert len(events) == 1
    recorded = events[0]
    assert isinstance(recorded, Detection.Recorded)
    assert recorded.facts == facts()
    assert recorded.policy_version == 3
    assert (recorded.actor, recorded.occurred_at, recorded.timestamp) == (
        "svc:classifier", at(minutes=1), at(minutes=1),
    )
    assert detection.facts == facts()
    assert detection.policy_version == 3
    assert detection.facts.subject == SUBJECT
    assert detection.facts.account_id == ACCOUNT


def test_detection_id_is_deterministic_from_source_and_external_id() -> None:
    first = Detection.record(facts(), 1, "svc:classifier", T0)
    retry = Detection.record(facts(confidence=0.5, detected_at=at(minutes=3)), 1, "svc:classifier", at(minutes=4))

    assert first.id == retry.id
    assert first.id == Detection.create_id(DetectionSource.CLASSIFIER, "clf-0001")
    assert first.id == Detection.create_id("CLASSIFIER", "clf-0001")


@pytest.mark.parametrize(
    "changes",
    [{"subject": Subject("trust_safety", "pin", "pin-2")}, {"account_id": "user-2"}, {"account_id": None},
     {"policy_key": "harassment"}],
    ids=["subject", "account", "no account", "policy"],
)
def test_a_retry_about_another_subject_account_or_policy_conflicts(changes: dict[str, object]) -> None:
    original = Detection.record(facts(), 1, "svc:classifier", T0)

    with pytest.raises(ConflictError) as raised:
        original.check_retry(facts(**changes))

    assert "'clf-0001' from CLASSIFIER was already recorded about another subject" in raised.value.message


def test_the_same_external_id_from_another_source_is_another_detection() -> None:
    classifier = Detection.record(facts(source=DetectionSource.CLASSIFIER), 1, "svc:intake", T0)
    report = Detection.record(facts(source=DetectionSource.USER_REPORT), 1, "svc:intake", T0)

    assert classifier.id != report.id


def test_another_external_id_from_the_same_source_is_another_detection() -> None:
    first = Detection.record(facts(external_id="clf-0001"), 1, "svc:classifier", T0)
    second = Detection.record(facts(external_id="clf-0002"), 1, "svc:classifier", T0)

    assert first.id != second.id


@pytest.mark.parametrize(
    ("source", "automated", "dsa_source_type"),
    [
        (DetectionSource.USER_REPORT, False, "SOURCE_ARTICLE_16"),
        (DetectionSource.TRUSTED_FLAGGER, False, "SOURCE_TRUSTED_FLAGGER"),
        (DetectionSource.AUTHORITY_ORDER, False, "SOURCE_TYPE_OTHER_NOTIFICATION"),
        (DetectionSource.CLASSIFIER, True, "SOURCE_VOLUNTARY"),
        (DetectionSource.HASH_MATCH, True, "SOURCE_VOLUNTARY"),
        (DetectionSource.LLM, True, "SOURCE_VOLUNTARY"),
        (DetectionSource.VLM, True, "SOURCE_VOLUNTARY"),
        (DetectionSource.RULE, True, "SOURCE_VOLUNTARY"),
        (DetectionSource.HUMAN_REVIEW, False, "SOURCE_VOLUNTARY"),
    ],
)
def test_source_decides_the_automated_flag_and_dsa_source_type(
    source: DetectionSource, automated: bool, dsa_source_type: str
) -> None:
    detection = Detection.record(facts(source=source), 1, "svc:intake", T0)

    recorded = detection.collect_events()[0]

    assert isinstance(recorded, Detection.Recorded)
    assert recorded.automated is automated
    assert recorded.dsa_source_type == dsa_source_type
    assert source.automated is automated
    assert source.dsa_source_type == dsa_source_type


def test_every_detection_source_is_mapped() -> None:
    assert {s.dsa_source_type for s in DetectionSource} <= {
        "SOURCE_ARTICLE_16",
        "SOURCE_TRUSTED_FLAGGER",
        "SOURCE_TYPE_OTHER_NOTIFICATION",
        "SOURCE_VOLUNTARY",
    }


def test_source_and_content_type_given_as_strings_become_enums() -> None:
    detection_facts = facts(source="TRUSTED_FLAGGER", content_type="IMAGE")

    assert detection_facts.source is DetectionSource.TRUSTED_FLAGGER
    assert detection_facts.content_type is ContentType.IMAGE


@pytest.mark.parametrize(
    ("changes", "field"), [({"source": "WEB_CRAWLER"}, "source"), ({"content_type": "HOLOGRAM"}, "contentType")]
)
def test_unknown_enum_values_raise_a_validation_error_naming_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        facts(**changes)

    assert raised.value.field == field


@pytest.mark.parametrize("confidence", [0, 0.0, 0.5, 1, 1.0])
def test_confidence_from_zero_to_one_is_accepted_as_a_float(confidence: float) -> None:
    detection = Detection.record(facts(confidence=confidence), 1, "svc:classifier", T0)

    assert detection.facts.confidence == confidence
    assert type(detection.facts.confidence) is float


@pytest.mark.parametrize("confidence", [-0.01, 1.01, 2, float("nan"), float("inf"), "0.5", None])
def test_confidence_outside_zero_to_one_is_rejected(confidence: object) -> None:
    with pytest.raises(ValidationError) as raised:
        Detection.record(facts(confidence=confidence), 1, "svc:classifier", T0)

    assert raised.value.field == "confidence"


@pytest.mark.parametrize(
    ("subject", "field"),
    [
        (Subject("Bad Domain", "pin", "pin-1"), "subject.domain"),
        (Subject("", "pin", "pin-1"), "subject.domain"),
        (Subject("trust_safety", "Pin", "pin-1"), "subject.kind"),
        (Subject("trust_safety", "pin", ""), "subject.id"),
        (Subject("trust_safety", "pin", "pin 1"), "subject.id"),
        (Subject("trust_safety", "pin", "pin-1\n"), "subject.id"),
        (Subject("trust_safety", "pin", "p" * 257), "subject.id"),
    ],
)
def test_a_malformed_subject_is_rejected_naming_the_part(subject: Subject, field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Detection.record(facts(subject=subject), 1, "svc:classifier", T0)

    assert raised.value.field == field


def test_a_subject_id_of_the_maximum_length_is_accepted() -> None:
    detection = Detection.record(facts(subject=Subject("trust_safety", "pin", "p" * 256)), 1, "svc:classifier", T0)

    assert detection.facts.subject.id == "p" * 256


def test_a_naive_detected_at_is_rejected() -> None:
    naive = datetime(2026, 3, 2, 9, 30)  # noqa: DTZ001 - naive on purpose
    with pytest.raises(ValidationError) as raised:
        Detection.record(facts(detected_at=naive), 1, "svc:classifier", T0)

    assert raised.value.field == "detectedAt"


@pytest.mark.parametrize("evidence", [["score", 0.9], "score=0.9", None, 0.9])
def test_evidence_that_is_not_a_json_object_is_rejected(evidence: object) -> None:
    with pytest.raises(ValidationError) as raised:
        Detection.record(facts(evidence=evidence), 1, "svc:classifier", T0)

    assert raised.value.field == "evidence"


def test_oversize_evidence_is_rejected() -> None:
    with pytest.raises(ValidationError) as raised:
        Detection.record(facts(evidence={"blob": "x" * MAX_EVIDENCE_BYTES}), 1, "svc:classifier", T0)

    assert raised.value.field == "evidence"


@pytest.mark.parametrize(
    "evidence",
    [
        {"_type_": "uuid_hex", "_data_": "6f1c2b1e5d0a4c559a538a7c1f6d9e21"},
        {"hits": [{"_type_": "not_a_type", "_data_": 1}]},
        {"a": {"b": {"_type_": "Strike", "_data_": {}, "extra": True}}},
    ],
)
def test_evidence_objects_shaped_like_stored_value_types_are_rejected(evidence: dict[str, object]) -> None:
    # The ledger stores value types as {"_type_": ..., "_data_": ...}: such evidence would read back
    # as something else, or not at all, and make the detection unloadable.
    with pytest.raises(ValidationError) as raised:
        Detection.record(facts(evidence=evidence), 1, "svc:classifier", T0)

    assert raised.value.field == "evidence"


def test_evidence_may_use_either_reserved_key_alone() -> None:
    evidence = {"_type_": "phishing", "nested": [{"_data_": [1, 2]}]}

    detection = Detection.record(facts(evidence=evidence), 1, "svc:classifier", T0)

    assert detection.facts.evidence == evidence


def test_evidence_just_under_the_limit_is_accepted() -> None:
    evidence = {"blob": "x" * (MAX_EVIDENCE_BYTES - 20)}

    detection = Detection.record(facts(evidence=evidence), 1, "svc:classifier", T0)

    assert detection.facts.evidence == evidence


class _Colour(Enum):
    RED = 1


@pytest.mark.parametrize(
    "value",
    [
        "\x7f", "\u00e9", "\U0001f600", 1e-05, -2.2250738585072014e-308, -(2**63), 2**64 - 1, 2**70, True, None,
        _Colour.RED, datetime(2026, 1, 1, tzinfo=UTC),
    ],
    ids=[
        "del", "accented", "astral", "tiny-float", "longest-float", "least-int", "largest-int", "big-int", "true",
        "null", "enum", "datetime",
    ],
)
def test_the_evidence_limit_is_jsons_length_whatever_the_values(value: object) -> None:
    # json writes DEL and non-ASCII as \u escapes, floats and integers at their length; the limit is json's length.
    just_over = MAX_EVIDENCE_BYTES // len(json.dumps(value, default=str)) + 1
    for count in (1, just_over // 2, just_over):
        evidence = {"values": [value] * count}
        fits = len(json.dumps(evidence, default=str)) <= MAX_EVIDENCE_BYTES
        if fits:
            assert Detection.record(facts(evidence=evidence), 1, "svc:classifier", T0).facts.evidence == evidence
        else:
            with pytest.raises(ValidationError):
                Detection.record(facts(evidence=evidence), 1, "svc:classifier", T0)


def test_evidence_of_characters_json_escapes_is_measured_as_json_writes_it() -> None:
    evidence = {"blob": "\x7f" * (MAX_EVIDENCE_BYTES // 6)}  # json writes each as six characters: \u007f

    with pytest.raises(ValidationError) as raised:
        Detection.record(facts(evidence=evidence), 1, "svc:classifier", T0)

    assert raised.value.field == "evidence"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"policy_key": "Spam Links"}, "policy"),
        ({"external_id": ""}, "externalId"),
        ({"external_id": "clf 0001"}, "externalId"),
        ({"account_id": "acct 1"}, "accountId"),
        ({"account_id": ""}, "accountId"),
        ({"model": "  "}, "model"),
        ({"model": "m" * 201}, "model"),
        ({"content": Content(uri="", hash="sha256:aaaa", version="1")}, "content.uri"),
        ({"content": Content(uri="https://example.test/p", hash="sha 256", version="1")}, "content.hash"),
        ({"content": Content(uri="https://example.test/p", hash="sha256:aaaa", version="")}, "content.version"),
    ],
)
def test_other_malformed_facts_are_rejected_naming_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Detection.record(facts(**changes), 1, "svc:classifier", T0)

    assert raised.value.field == field


def test_account_model_and_content_are_optional() -> None:
    detection = Detection.record(facts(account_id=None, model=None, content=None), 1, "svc:user-reports", T0)

    assert detection.facts.account_id is None
    assert detection.facts.model is None
    assert detection.facts.content is None
    assert detection.facts.policy_key == POLICY_KEY


CONTENT = ModelContent(text="Get 10k cheap followers now!!!", image_urls=("https://cdn.example/a.jpg",),
                       metadata={"lang": "en"})


def test_a_pipeline_detection_gives_its_model_content_to_the_rules() -> None:
    detection = Detection.record(facts(model_content=CONTENT), 1, "svc:classifier", T0)

    assert detection.facts.model_content == CONTENT
    assert detection.facts.to_judge == CONTENT


def test_a_detection_without_model_content_gives_the_rules_nothing() -> None:
    assert facts().to_judge is None


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (ModelContent(), "modelContent"),
        (ModelContent(text="  "), "modelContent"),
        (ModelContent(text="x", image_urls=("ftp://cdn.example/a.jpg",)), "modelContent.imageUrls"),
        (ModelContent(text="x", image_urls=("javascript:alert(1)",)), "modelContent.imageUrls"),
        (ModelContent(text="x" * (MAX_TEXT + 1)), "modelContent.text"),
        (ModelContent(text="x", metadata=["not", "an", "object"]), "modelContent.metadata"),  # type: ignore[arg-type]
    ],
)
def test_malformed_model_content_is_rejected_naming_its_field(content: ModelContent, field: str) -> None:
    with pytest.raises(ValidationError) as error:
        Detection.record(facts(model_content=content), 1, "svc:classifier", T0)

    assert error.value.field == field


@pytest.mark.parametrize("source", [DetectionSource.LLM, DetectionSource.VLM])
def test_a_models_verdict_cannot_carry_content_for_the_rules(source: DetectionSource) -> None:
    with pytest.raises(ValidationError) as error:
        facts(source=source, model_content=CONTENT).validate()

    assert error.value.field == "modelContent"
    assert "runs no rules" in error.value.message


def test_model_content_read_back_sealed_is_the_content_and_read_back_erased_is_for_no_rule() -> None:
    sealed = facts(model_content={"text": "hello", "image_urls": ["https://cdn.example/a.jpg"], "metadata": None})
    erased = facts(model_content=ERASED)

    assert sealed.to_judge == ModelContent(text="hello", image_urls=("https://cdn.example/a.jpg",))
    assert erased.model_content is ERASED_CONTENT
    assert erased.to_judge is None


def test_a_recorded_detection_is_the_aggregate_the_librarys_create_makes() -> None:
    ours = Detection.record(facts(), 3, "svc:classifier", at(minutes=1))
    source = DetectionSource.CLASSIFIER
    library = Detection._create(
        Detection.Recorded, id=ours.id, timestamp=at(minutes=1), actor="svc:classifier", occurred_at=at(minutes=1),
        facts=facts(), policy_version=3, automated=source.automated, dsa_source_type=source.dsa_source_type,
    )

    assert vars(ours) == vars(library)
    assert ours.collect_events() == library.collect_events()
