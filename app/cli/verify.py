"""`docket verify`: checks every stored event against the ledger chain and its signed checkpoints, and says so."""

from __future__ import annotations

import sys
from typing import TextIO

from app.config.checkpoint_key import NoCheckpointKey, checkpoint_key
from app.config.settings import Settings
from app.integrity.verify import Report, sign_head, verify
from app.read.migrations import pending
from app.read.store import open_read_store
from app.runtime.wiring import open_runtime
from projections.ledger_chain import hashing
from projections.ledger_chain.rows import CheckpointRow


def run_verify(settings: Settings, sign: bool = False, expect: str | None = None, out: TextIO = sys.stdout) -> int:
    """`docket verify`: 0 when the store is as chained and signed, 1 when tampered, 2 when it cannot tell.

    Cannot tell: no checkpoint's signature was checked (the chain alone does not show events rewritten
    together with their chain rows), or the store is not there or not migrated.
    """
    expected = None
    if expect is not None:
        position, _, chain_sha = expect.partition(":")
        if not (position.isascii() and position.isdigit()) or len(chain_sha) != 64 or not _is_hex(chain_sha):
            print("docket: --expect takes POSITION:CHAIN_HASH, as `docket verify` prints a checkpoint", file=sys.stderr)
            return 2
        expected = (int(position), chain_sha.lower())
    database = settings.database
    if database.sqlite_path is not None and not database.sqlite_path.exists():
        print(f"docket: there is no database at {database.sqlite_path}", file=sys.stderr)
        return 2
    store = open_read_store(database)
    try:
        unready = any(m.name == "ledger_chain" for m in pending(store))
    finally:
        store.close()
    if unready:
        print("docket: the ledger chain's tables do not exist yet; run `docket migrate`", file=sys.stderr)
        return 2
    runtime = open_runtime(settings, prepare=False)
    try:
        key = checkpoint_key(settings, create=sign)
        try:
            report = verify(runtime.ledger, runtime.store, key, expected)
        except NoCheckpointKey as error:
            print(f"docket: {error}", file=sys.stderr)
            return 2
        _print(report, out)
        if not report.clean:
            return 1
        if sign:
            if key is None:
                print("docket: set DOCKET_CHECKPOINT_KEY to sign a checkpoint", file=sys.stderr)
                return 2
            mark = sign_head(runtime.projector, runtime.store)
            if mark is None:
                print("nothing to sign: the ledger is empty", file=out)
            else:
                print(f"signed checkpoint   {_checkpoint_text(mark)}", file=out)
        return 2 if report.signatures_unchecked else 0
    finally:
        runtime.close()


def _print(report: Report, out: TextIO) -> None:
    finding = report.finding
    unchecked = report.signatures_unchecked
    chained = f"chain checked for {report.events_verified} events"
    if finding is not None:
        print(f"TAMPERED at position {finding.position}: {finding.kind}", file=out)
        print(f"  {finding.detail}", file=out)
    elif unchecked is not None:
        print(f"NOT fully verified: {chained}; signatures NOT checked: {unchecked}", file=out)
        print("  the chain alone does not show events rewritten together with their chain rows", file=out)
    else:
        marks = report.checkpoints_verified
        unsigned = report.events_verified - report.events_signed
        covering = "them all" if not unsigned else f"all but the {unsigned} chained since the newest"
        plural = "s" if marks > 1 else ""
        print(f"verified: {chained}; signatures checked: {marks} checkpoint{plural}, covering {covering}", file=out)
    lines = [
        ("events verified", f"{report.events_verified}" + ("" if finding is None else " (before the finding)")),
        ("ledger head", str(report.head)),
        ("chain position", str(report.chain_position)),
    ]
    if finding is None:
        lines.append(("not yet chained", f"{report.not_yet_chained}"
                      + (" (stored after the chain's position; not tampering)" if report.not_yet_chained else "")))
    lines.append(("latest checkpoint", "none verified" if report.latest_checkpoint is None
                  else _checkpoint_text(report.latest_checkpoint)))
    lines.append(("checkpoints checked", str(report.checkpoints_verified)))
    if report.key_id is not None:
        lines.append(("checkpoint key", report.key_id))
    for label, value in lines:
        print(f"  {label:<20}{value}", file=out)


def _checkpoint_text(mark: CheckpointRow) -> str:
    return (f"position {mark.position}, chain hash {mark.chain_hash}, signed {hashing.signing_time(mark.signed_at)} "
            f"by key {mark.key_id} (expect it later with --expect {mark.position}:{mark.chain_hash})")


def _is_hex(text: str) -> bool:
    try:
        bytes.fromhex(text)
    except ValueError:
        return False
    return True
