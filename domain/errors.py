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
