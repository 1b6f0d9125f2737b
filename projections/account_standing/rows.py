"""Rows of the account standing read model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.standing import Penalty, Standing, Strike


@dataclass(frozen=True)
class AccountRow:
    account_id: str
    first_seen_at: datetime
    strikes: tuple[Strike, ...]
    """Every strike issued by the moment asked about, counted or not."""
    penalties: tuple[Penalty, ...]
    """Every penalty imposed by the moment asked about, in force or not."""
    standing: Standing
