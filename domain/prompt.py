"""Policy as prompt: the published policy in the system message, the content in the user message, and their hash."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from domain.errors import ValidationError
from domain.guidance import PolicyGuidance
from domain.model_verdict import VERDICT_SCHEMA
from domain.policy import Policy

MAX_TEXT = 20_000
MAX_IMAGES = 8
MAX_METADATA_BYTES = 8 * 1024
_IMAGE_URL = re.compile(r"^https?://[^\s/?#]+\S*$")


@dataclass(frozen=True)
class ModelContent:
    """What a model judges: text, image URLs (for a VLM) and metadata."""

    text: str | None = None
    image_urls: tuple[str, ...] = ()
    metadata: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "image_urls", tuple(self.image_urls))

    def validate(self, field: str = "content") -> ModelContent:
        """Checks the content; errors name its fields under `field`, the input that holds it."""
        if not (self.text and self.text.strip()) and not self.image_urls:
            raise ValidationError(f"{field} must hold text or at least one image URL", field)
        if self.text is not None and len(self.text) > MAX_TEXT:
            raise ValidationError(f"{field}.text must be at most {MAX_TEXT} characters", f"{field}.text")
        if len(self.image_urls) > MAX_IMAGES:
            raise ValidationError(f"{field}.imageUrls holds at most {MAX_IMAGES} URLs", f"{field}.imageUrls")
        for url in self.image_urls:
            if not isinstance(url, str) or len(url) > 2048 or not _IMAGE_URL.match(url):
                raise ValidationError(f"image URL {str(url)[:80]!r} is not an http(s) URL", f"{field}.imageUrls")
        if self.metadata is not None:
            if not isinstance(self.metadata, dict):
                raise ValidationError(f"{field}.metadata must be a JSON object", f"{field}.metadata")
            if len(json.dumps(self.metadata, default=str)) > MAX_METADATA_BYTES:
                raise ValidationError(
                    f"{field}.metadata must be at most {MAX_METADATA_BYTES} bytes of JSON", f"{field}.metadata"
                )
        return self


@dataclass(frozen=True)
class Prompt:
    """The messages sent to the model, with the policy version they were built from and their hashes."""

    messages: tuple[dict[str, Any], ...]
    policy_version: int
    prompt_version: str
    """A hash of the system message: the same for every content judged against one policy version."""
    prompt_hash: str
    """A hash of every message: what exactly the model was asked."""


def build_prompt(policy: Policy, content: ModelContent) -> Prompt:
    """The prompt for judging `content` against `policy` as now published, which must carry guidance."""
    guidance = policy.terms.guidance
    if guidance is None:
        raise ValidationError(f"policy {policy.domain}/{policy.key} has no guidance for a model to read", "policy")
    system = system_message(policy, guidance)
    parts: list[dict[str, Any]] = [{"type": "text", "text": user_text(content)}]
    parts += [{"type": "image_url", "image_url": {"url": url}} for url in content.image_urls]
    messages = ({"role": "system", "content": system}, {"role": "user", "content": parts})
    return Prompt(
        messages=messages,
        policy_version=policy.policy_version,
        prompt_version=_sha256(system)[:16],
        prompt_hash=_sha256(json.dumps(messages, sort_keys=True, ensure_ascii=False)),
    )


def system_message(policy: Policy, guidance: PolicyGuidance) -> str:
    """The policy in sections: instructions, definitions, what violates, what is safe, examples, answer format."""
    terms = policy.terms
    lines = [
        f"# Policy: {terms.title}",
        f"Policy key: {policy.key}",
        f"Domain: {policy.domain}",
        f"Version: {policy.policy_version}",
        "",
        "## Instructions",
        guidance.instructions,
        "",
        "## Definitions",
        guidance.definitions,
        "",
        "## What violates",
        terms.text,
        *(f"- {c.id}: {c.text}" for c in guidance.violates),
        "",
        "## What is safe",
        *(f"- {text}" for text in guidance.safe),
        "",
        "## Examples",
    ]
    for example in guidance.examples:
        answer = {
            "violation": int(example.violation), "policy_category": policy.key if example.violation else "none",
            "rule_ids": list(example.rule_ids), "confidence": 0.95, "rationale": example.rationale,
        }
        lines += [f"Content: {example.content}", f"Answer: {json.dumps(answer, ensure_ascii=False)}", ""]
    lines += [
        "## Answer format",
        "Answer with exactly one JSON object meeting this schema, and nothing else:",
        json.dumps(VERDICT_SCHEMA, sort_keys=True),
    ]
    return "\n".join(lines)


def user_text(content: ModelContent) -> str:
    text = content.text if content.text else "(no text; judge the images)"
    lines = ["Content to review:", text]
    if content.metadata:
        lines += ["", "Metadata:", json.dumps(content.metadata, sort_keys=True, ensure_ascii=False, default=str)]
    if content.image_urls:
        lines += ["", f"Images attached: {len(content.image_urls)}"]
    return "\n".join(lines)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
