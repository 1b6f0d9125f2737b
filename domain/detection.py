"""Detection: one signal that a subject may break a policy, recorded once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.account_data import ERASED
from domain.base import DocketAggregate, natural_id
from domain.errors import ConflictError, ValidationError
from domain.prompt import ModelContent
from domain.values import (
    Content,
    ContentType,
    DetectionSource,
    Subject,
    check_identifier,
    check_name,
    check_text,
    check_time,
    parse_enum,
)

MAX_EVIDENCE_BYTES = 64 * 1024
RESERVED_EVIDENCE_KEYS = frozenset({"_type_", "_data_"})
"""An object with both keys reads back from the ledger as a stored value type, not as itself."""
MODEL_SOURCES = frozenset({DetectionSource.LLM, DetectionSource.VLM})
"""The sources of models' verdicts: a verdict never runs rules itself, or one rule's verdict would set off another."""
ERASED_CONTENT = ModelContent(text=ERASED)
"""What a detection's model content reads as once its account's data is erased (its sealed fields are gone)."""
_EVIDENCE_JSON = json.JSONEncoder(default=str)
"""What measures evidence: `json.dumps(evidence, default=str)`, without making an encoder each call."""
_LONGEST_NUMBER = 24
"""Characters of the longest number `json` writes of a float (`-2.2250738585072014e-308`) or a 64-bit integer."""


@dataclass(frozen=True)
class DetectionFacts:
    """What a detector saw: the subject, the policy it points at and its evidence."""

    subject: Subject
    account_id: str | None
    policy_key: str
    source: DetectionSource
    external_id: str
    confidence: float
    model: str | None
    content_type: ContentType
    content: Content | None
    evidence: dict[str, Any]
    detected_at: datetime
    for_review: bool = True
    """Whether it asks for a human's review; a rule in SHADOW records verdicts that ask nothing."""
    model_content: ModelContent | None = None
    """What a pipeline asks the policy's automation rules to judge (`docket automate` runs them); personal data."""

    def __post_init__(self) -> None:
        # What is already a member (as GraphQL's enums give it) or a ModelContent is kept with no call and no set,
        # though `parse_enum` and `_model_content` would hand it back: ~0.75 us of ~2.3 a facts, made each detection.
        if type(self.source) is not DetectionSource:
            object.__setattr__(self, "source", parse_enum(DetectionSource, self.source, "source"))
        if type(self.content_type) is not ContentType:
            object.__setattr__(self, "content_type", parse_enum(ContentType, self.content_type, "contentType"))
        if self.model_content is not None and type(self.model_content) is not ModelContent:
            object.__setattr__(self, "model_content", _model_content(self.model_content))

    @property
    def to_judge(self) -> ModelContent | None:
        """The content the policy's active rules are to judge: a pipeline's, unless erased; None for a verdict."""
        content = self.model_content
        if content is None or content is ERASED_CONTENT or self.source in MODEL_SOURCES:
            return None
        return content

    def validate(self) -> DetectionFacts:
        if self.__dict__.get("_valid"):  # a batch validates each input before its policy checks, and record() again
            return self
        self.subject.validate()
        if self.content is not None:
            self.content.validate()
        if self.model_content is not None:
            if self.source in MODEL_SOURCES:
                raise ValidationError(
                    "modelContent is for the policy's rules to judge, and a detection from an LLM or VLM is a "
                    "model's verdict already: it runs no rules", "modelContent",
                )
            self.model_content.validate("modelContent")
        if self.account_id is not None:
            check_identifier(self.account_id, "accountId")
        check_name(self.policy_key, "policy")
        check_identifier(self.external_id, "externalId")
        if not isinstance(self.confidence, (int, float)) or not 0.0 <= self.confidence <= 1.0:
            raise ValidationError("confidence must be between 0 and 1", "confidence")
        object.__setattr__(self, "confidence", float(self.confidence))
        if self.model is not None:
            check_text(self.model, "model", 200)
        if not isinstance(self.evidence, dict):
            raise ValidationError("evidence must be a JSON object", "evidence")
        reserved = _reserved_keys_if_small(self.evidence)
        if reserved is None:  # json measures what the bound cannot vouch for
            if len(_EVIDENCE_JSON.encode(self.evidence)) > MAX_EVIDENCE_BYTES:
                raise ValidationError(f"evidence must be at most {MAX_EVIDENCE_BYTES} bytes of JSON", "evidence")
            reserved = _uses_reserved_keys(self.evidence)
        if reserved:
            raise ValidationError("evidence objects must not have both the keys _type_ and _data_", "evidence")
        object.__setattr__(self, "detected_at", check_time(self.detected_at, "detectedAt"))
        object.__setattr__(self, "_valid", True)  # not a field: neither stored nor compared
        return self


def _model_content(stored: object) -> ModelContent | None:
    """Model content as given, or as the ledger reads it back: sealed, its fields; erased, ERASED_CONTENT."""
    if stored is None or isinstance(stored, ModelContent):
        return stored
    if isinstance(stored, dict):
        return ModelContent(**stored)
    return ERASED_CONTENT  # an erased seal reads as ERASED, not as an object


def _reserved_keys_if_small(evidence: Any) -> bool | None:
    """Whether an object in the evidence has both reserved keys, for evidence that a bound of its JSON's length (of
    `json.dumps(evidence, default=str)`) keeps within MAX_EVIDENCE_BYTES; None past the limit by the bound, or for
    values not JSON's own: `json` measures those (and refuses a cycle, whose bound grows past the limit).

    Writing the evidence only to measure it was a third of a detection's validation. `json` writes a character of text
    in at most 6 (`\\u007f`), or 12 past the Basic Multilingual Plane (a surrogate pair).
    """
    bound, reserved = 0, False
    pending = [evidence]
    while pending:
        value = pending.pop()
        kind = type(value)
        if kind is str:
            bound += len(value) * (6 if value.isascii() else 12) + 2
        elif kind is dict:
            reserved = reserved or value.keys() >= RESERVED_EVIDENCE_KEYS
            for key in value:  # each key quoted, then ": " and ", "
                if type(key) is not str:
                    return None
                bound += len(key) * (6 if key.isascii() else 12) + 6
            bound += 2
            pending.extend(value.values())
        elif kind is list or kind is tuple:
            bound += 2 + 2 * len(value)
            pending.extend(value)
        elif kind is float or (kind is int and value.bit_length() <= 64):
            bound += _LONGEST_NUMBER
        elif kind is bool or value is None:
            bound += 5
        else:
            return None
        if bound > MAX_EVIDENCE_BYTES:
            return None
    return reserved


def _uses_reserved_keys(evidence: Any) -> bool:
    pending = [evidence]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            if value.keys() >= RESERVED_EVIDENCE_KEYS:
                return True
            pending.extend(value.values())
        elif isinstance(value, (list, tuple)):
            pending.extend(value)
    return False


class Detection(DocketAggregate):
    """A recorded signal; its id is its source and external id, so a retry finds the original."""

    if TYPE_CHECKING:
        facts: DetectionFacts
        policy_version: int
        recorded_at: datetime
        recorded_by: str

    @staticmethod
    def create_id(source: str, external_id: str) -> UUID:
        return natural_id("detection", source, external_id)

    class Recorded(DocketAggregate.Created):
        facts: DetectionFacts
        policy_version: int
        automated: bool
        dsa_source_type: str

        def apply(self, detection: Detection) -> None:
            detection.facts = self.facts
            detection.policy_version = self.policy_version
            detection.recorded_at = self.occurred_at
            detection.recorded_by = self.actor

    @classmethod
    def record(cls, facts: DetectionFacts, policy_version: int, actor: str, at: datetime) -> Detection:
        facts.validate()
        source = facts.source  # a member already: the facts parse it as they are made
        return cls._start(
            cls.Recorded,
            cls.create_id(source, facts.external_id),
            actor,
            at,
            facts=facts,
            policy_version=policy_version,
            automated=source.automated,
            dsa_source_type=source.dsa_source_type,
        )

    def check_retry(self, facts: DetectionFacts) -> None:
        """A retry of this detection names its subject, account and policy; its other facts are the original's.

        The same key about another subject, account or policy is another signal, which must not be
        lost by answering it with this one.
        """
        if (facts.subject, facts.account_id, facts.policy_key) != (
            self.facts.subject, self.facts.account_id, self.facts.policy_key
        ):
            raise ConflictError(
                f"externalId {facts.external_id!r} from {facts.source.value} was already recorded "
                "about another subject, account or policy; a retry must name the same ones"
            )
