"""recordDetection(s) with modelContent: the content a pipeline gives the policy's automation rules to judge,
validated like autoAction's, stored sealed with the account's key and erased with the account."""

from __future__ import annotations

from typing import Any

from app.runtime.wiring import Runtime
from domain.detection import ERASED_CONTENT, Detection
from domain.prompt import ModelContent
from tests.api.ledger_api import RECORD_DETECTIONS, detection_input, events_after, head, record_detection
from tests.support import Api

TEXT = "Get 10k cheap followers now!!!"
IMAGE = "https://cdn.example/followers.jpg"
CONTENT: dict[str, Any] = {"text": TEXT, "imageUrls": [IMAGE], "metadata": {"lang": "en"}}


def runtime_of(api: Api) -> Runtime:
    return api.client.app.state.runtime  # type: ignore[attr-defined]


def stored_content(api: Api, after: str) -> list[ModelContent | None]:
    """The model content of every detection recorded after `after`, as a process reads it from the ledger."""
    ledger = runtime_of(api).ledger
    return [e.event.facts.model_content for e in ledger.read_events(int(after), 100)
            if isinstance(e.event, Detection.Recorded)]


def test_a_detection_keeps_the_content_it_gives_the_rules(api: Api) -> None:
    before = head(api)

    detection = record_detection(api, modelContent=CONTENT)

    assert detection["__typename"] == "Detection"
    assert stored_content(api, before) == [
        ModelContent(text=TEXT, image_urls=(IMAGE,), metadata={"lang": "en"})
    ]


def test_a_detection_without_model_content_keeps_none(api: Api) -> None:
    before = head(api)

    record_detection(api)

    assert stored_content(api, before) == [None]


def bad(**content: Any) -> dict[str, Any]:
    return {"text": "some text", **content}


def test_model_content_with_an_image_url_that_is_not_http_is_refused_and_writes_nothing(api: Api) -> None:
    before = head(api)

    result = record_detection(api, modelContent=bad(imageUrls=["file:///etc/passwd"]))

    assert result["__typename"] == "ValidationError"
    assert result["field"] == "modelContent.imageUrls"
    assert events_after(api, before) == []


def test_empty_model_content_is_refused(api: Api) -> None:
    result = record_detection(api, modelContent={"text": " ", "imageUrls": []})

    assert (result["__typename"], result["field"]) == ("ValidationError", "modelContent")


def test_model_content_whose_metadata_is_not_an_object_is_refused(api: Api) -> None:
    result = record_detection(api, modelContent=bad(metadata=[1, 2]))

    assert (result["__typename"], result["field"]) == ("ValidationError", "modelContent.metadata")


def test_a_models_verdict_with_model_content_is_refused(api: Api) -> None:
    result = record_detection(api, source="LLM", modelContent=CONTENT)

    assert (result["__typename"], result["field"]) == ("ValidationError", "modelContent")


def test_a_batch_with_one_bad_model_content_is_refused_naming_its_index_and_writes_nothing(api: Api) -> None:
    before = head(api)
    inputs = [detection_input(f"mc-{i}", modelContent=CONTENT) for i in range(3)]
    inputs[1]["modelContent"] = bad(imageUrls=["ftp://cdn.example/a.jpg"])

    result = api.data(RECORD_DETECTIONS, {"inputs": inputs})["recordDetections"]

    assert result["__typename"] == "ValidationError"
    assert result["field"] == "inputs[1].modelContent.imageUrls"
    assert events_after(api, before) == []


def test_model_content_is_erased_with_its_account(api: Api) -> None:
    before = head(api)
    record_detection(api, modelContent=CONTENT)

    runtime_of(api).ledger.erase_account_data("acct-1", "The user asked for erasure.", "dpo:eve")

    assert stored_content(api, before) == [ERASED_CONTENT]
