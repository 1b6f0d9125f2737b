"""Policy as prompt: the published version in sections in the system message, the content in the user message."""

import pytest

from domain.errors import ValidationError
from domain.prompt import ModelContent, build_prompt
from tests.domain.factories import automatable_policy, published_policy


def test_the_system_message_holds_the_policy_in_its_sections_and_the_answer_schema() -> None:
    prompt = build_prompt(automatable_policy(), ModelContent(text="Buy followers"))

    system = prompt.messages[0]
    assert system["role"] == "system"
    text = system["content"]
    sections = ["## Instructions", "## Definitions", "## What violates", "## What is safe", "## Examples",
                "## Answer format"]
    assert [text.index(s) for s in sections] == sorted(text.index(s) for s in sections)
    assert "Policy key: spam" in text and "Version: 1" in text
    assert "- SP1: Link farms" in text
    assert text.count("Content: ") == 4
    assert '"violation"' in text and '"rationale"' in text


def test_the_user_message_holds_text_metadata_and_images_as_image_url_parts() -> None:
    content = ModelContent(
        text="Look at this", image_urls=("https://cdn.example/a.png", "http://cdn.example/b.jpg"),
        metadata={"board": "deals"},
    )

    user = build_prompt(automatable_policy(), content).messages[1]

    assert user["role"] == "user"
    text, *images = user["content"]
    assert text["type"] == "text" and "Look at this" in text["text"] and '"board": "deals"' in text["text"]
    assert images == [
        {"type": "image_url", "image_url": {"url": "https://cdn.example/a.png"}},
        {"type": "image_url", "image_url": {"url": "http://cdn.example/b.jpg"}},
    ]


def test_the_prompt_records_its_policy_version_and_hashes() -> None:
    policy = automatable_policy()
    one = build_prompt(policy, ModelContent(text="a"))
    two = build_prompt(policy, ModelContent(text="b"))

    assert one.policy_version == 1
    assert one.prompt_version == two.prompt_version
    assert one.prompt_hash != two.prompt_hash
    assert one.prompt_hash == build_prompt(policy, ModelContent(text="a")).prompt_hash


def test_a_policy_without_guidance_makes_no_prompt() -> None:
    with pytest.raises(ValidationError):
        build_prompt(published_policy(), ModelContent(text="a"))


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (ModelContent(), "content"),
        (ModelContent(text="  "), "content"),
        (ModelContent(text="x", image_urls=("file:///etc/passwd",)), "content.imageUrls"),
        (ModelContent(image_urls=("javascript:alert(1)",)), "content.imageUrls"),
        (ModelContent(text="x", image_urls=("data:image/png;base64,AAAA",)), "content.imageUrls"),
        (ModelContent(text="x" * 20_001), "content.text"),
    ],
)
def test_content_without_text_or_images_or_with_a_non_http_image_is_refused(content: ModelContent, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        content.validate()
    assert refused.value.field == field
