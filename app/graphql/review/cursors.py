"""Review queue cursors: opaque to clients, a place in the queue's order to Docket."""

from __future__ import annotations

import base64
import binascii
import json
import math
from datetime import datetime

from graphql import GraphQLError

from app.graphql.core.errors import bad_input
from projections.review_queue.rows import QueueKey

_CURSOR_TAG = "rq1"


_MAX_CURSOR = 1024


def queue_cursor(key: QueueKey) -> str:
    raw = json.dumps(
        [_CURSOR_TAG, key.severity_rank, key.max_confidence, key.oldest_detected_at.isoformat(), key.case_id,
         key.policy_key],
        separators=(",", ":"),
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def parse_queue_cursor(value: str | None) -> QueueKey | None:
    if value is None:
        return None
    if len(value) > _MAX_CURSOR:
        raise _bad_cursor()
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        tag, rank, confidence, oldest, case_id, policy_key = json.loads(raw)
        key = QueueKey(rank, confidence, datetime.fromisoformat(oldest), case_id, policy_key)
    except (binascii.Error, ValueError, TypeError):
        raise _bad_cursor() from None
    valid = (
        tag == _CURSOR_TAG
        and type(rank) is int and 0 <= rank <= 100
        and type(confidence) in (int, float) and math.isfinite(confidence)
        and key.oldest_detected_at.tzinfo is not None
        and isinstance(case_id, str) and isinstance(policy_key, str)
    )
    if not valid:
        raise _bad_cursor()
    return QueueKey(rank, float(confidence), key.oldest_detected_at, case_id, policy_key)


def _bad_cursor() -> GraphQLError:
    return bad_input("after must be a cursor this query returned", "after")
