"""Typed domain errors: every expected failure is one of these."""

from __future__ import annotations


class DocketError(Exception):
    """Base of every expected failure; its message is safe to show a client."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(DocketError):
    """Raised when input is malformed or breaks a rule; `field` names the culprit."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFoundError(DocketError):
    """Raised when a named policy, domain, decision or other record does not exist."""


class ConflictError(DocketError):
    """Raised when a command contradicts what the ledger already holds."""


# What a missing record is called. A record outside a caller's domains answers with the same words,
# so that it cannot be told apart from one that does not exist.


def no_such_policy(domain: str, key: str) -> NotFoundError:
    return NotFoundError(f"domain {domain!r} has no policy {key!r}")


def no_such_case(subject_key: str) -> NotFoundError:
    return NotFoundError(f"no case for {subject_key}")


def no_such_queue(name: str) -> NotFoundError:
    return NotFoundError(f"no queue named {name!r}")


def no_such_decision(decision_id: object) -> NotFoundError:
    return NotFoundError(f"no decision {decision_id}")


def no_such_appeal(appeal_id: object) -> NotFoundError:
    return NotFoundError(f"no appeal {appeal_id}")


def no_such_batch(batch_id: object) -> NotFoundError:
    return NotFoundError(f"no batch {batch_id}")


def no_such_detection(detection_id: object, subject_key: str) -> NotFoundError:
    """Also the answer for a detection about another subject, which may lie in a domain the caller cannot see."""
    return NotFoundError(f"no detection {detection_id} about {subject_key}")


def no_such_notice(notice_id: object) -> NotFoundError:
    return NotFoundError(f"no notice {notice_id}")
