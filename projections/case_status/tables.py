"""The case status read model's tables, as its batches read and write them."""

from __future__ import annotations

from projections.batch import Table

CONTENT = ("content_uri", "content_hash", "content_version")
"""The columns of a pinned content, in the order `content_columns` gives them."""
_UNDER_POLICY = ("case_id", "domain", "account_id", "policy_key", "policy_version")
"""What detections and decisions both hold: their case, and the policy (at a version) they are under."""

CASES = Table(
    "cases",
    key=("case_id",),
    columns=(
        "case_id", "domain", "subject_kind", "subject_id", "account_id", "status", "opened_at", "updated_at",
        "last_position", "opened_position",
    ),
    times=("opened_at", "updated_at"),
)
CASE_POLICIES = Table(
    "case_policies",
    key=("case_id", "policy_key"),
    columns=("case_id", "policy_key", "detections", "live_decision_id", "live_outcome"),
)
DETECTIONS = Table(
    "detections",
    key=("detection_id",),
    columns=(
        "detection_id", *_UNDER_POLICY, "source", "external_id", "confidence", "model", "content_type", *CONTENT,
        "automated", "detected_at", "recorded_at", "recorded_by", "position", "evidence",
    ),
    times=("detected_at", "recorded_at"),
    flags=("automated",),
)
DECISIONS = Table(
    "decisions",
    key=("decision_id",),
    columns=(
        "decision_id", *_UNDER_POLICY, "outcome", "actions", "detection_ids", *CONTENT, "rationale", "automation",
        "dsa_category", "dsa_ground", "live", "superseded_by", "strike_id", "decided_at", "decided_by", "position",
        "reversed_at", "reversal_reason", "batch_id",
    ),
    times=("decided_at", "reversed_at"),
    flags=("live",),
)
