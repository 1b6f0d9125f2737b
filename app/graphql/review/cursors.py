"""Review queue cursors: opaque to clients, a place in the queue's order to Docket."""

from __future__ import annotations

import math
from datetime import datetime

from app.graphql.core.cursors import bad_cursor, decode_cursor, encode_cursor
from projections.review_queue.rows import QueueKey

_CURSOR_TAG = "rq1"


def queue_cursor(key: QueueKey) -> str:
    return encode_cursor(
        _CURSOR_TAG,
        [key.severity_rank, key.max_confidence, key.oldest_detected_at.isoformat(), key.case_id, key.policy_key],
    )


def parse_queue_cursor(value: str | None) -> QueueKey | None:
    if value is None:
        return None
    rank, confidence, oldest, case_id, policy_key = decode_cursor(_CURSOR_TAG, value, 5)
    try:
        oldest_detected_at = datetime.fromisoformat(oldest)
    except (ValueError, TypeError):
        raise bad_cursor() from None
    valid = (
        type(rank) is int and 0 <= rank <= 100
        and type(confidence) in (int, float) and math.isfinite(confidence)
        and oldest_detected_at.tzinfo is not None
        and isinstance(case_id, str) and isinstance(policy_key, str)
    )
    if not valid:
        raise bad_cursor()
    return QueueKey(rank, float(confidence), oldest_detected_at, case_id, policy_key)
