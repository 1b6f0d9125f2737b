"""`docket erase`: an account's personal data crypto-shredded from the command line, as `eraseAccountData` does."""

from __future__ import annotations

import sys

from app.cli.projections import migrated_runtime
from app.config.settings import Settings
from app.runtime.recovery import RecoveryRefused
from domain.account_data import LegalHoldError
from domain.errors import DocketError


def run_erase(settings: Settings, account_id: str, reason: str, actor: str) -> int:
    """0 once the account's key is deleted and the erasure recorded (or was already); 1 under a legal hold; 2 when
    the account is unknown or the request is refused."""
    try:
        with migrated_runtime(settings) as runtime:
            written = runtime.ledger.erase_account_data(account_id, reason, actor)
    except LegalHoldError as error:
        print(f"docket: {error.message}", file=sys.stderr)
        return 1
    except (DocketError, RecoveryRefused) as error:
        print(f"docket: {error}", file=sys.stderr)
        return 2
    print(f"erased the personal data of account {account_id!r} at {written.data.erased_at:%Y-%m-%dT%H:%M:%SZ} "
          f"(ledger position {written.position})")
    return 0
