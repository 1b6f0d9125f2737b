"""`ledgerIntegrity`: the hash chain's position and its latest signed checkpoint, read cheaply."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from app.auth.tokens import create_token
from app.config.settings import Settings
from app.http.asgi import create_app
from app.integrity.verify import sign_head
from app.runtime.wiring import open_runtime
from projections.ledger_chain import hashing
from tests.support import Api, MovableClock

INTEGRITY = """
{ ledgerIntegrity { chainPosition signatureValid latestCheckpoint { position chainHash signedAt keyId signature } } }
"""
KEY = "api test checkpoint key"


def integrity(settings: Settings, clock: MovableClock, token: str) -> Any:
    with TestClient(create_app(settings, clock=clock)) as client:
        return Api(client=client, token=token, clock=clock).data(INTEGRITY)["ledgerIntegrity"]


def test_ledger_integrity_reports_the_chain_and_its_latest_signed_checkpoint(
    database_url: str, clock: MovableClock, tmp_path: Path
) -> None:
    tokens_file = tmp_path / "tokens.toml"
    token = create_token(tokens_file, "auditor", ["auditor"], ["*"])
    settings = Settings(database_url=database_url, tokens_file=tokens_file, checkpoint_key=KEY)
    runtime = open_runtime(settings, clock=clock)  # migrated and seeded, nothing chained yet
    try:
        head = runtime.ledger.head()

        # The app catches up before it serves; a chain at rest with no checkpoint has its head signed at once.
        signed = integrity(settings, clock, token)
        mark = sign_head(runtime.projector, runtime.store)  # that same checkpoint: one per position
        assert mark is not None
    finally:
        runtime.close()

    assert signed["chainPosition"] == str(head)
    assert signed["signatureValid"] is True
    assert signed["latestCheckpoint"] == {
        "position": str(head), "chainHash": mark.chain_hash, "signedAt": mark.signed_at.isoformat(),
        "keyId": hashing.key_id(KEY.encode()), "signature": mark.signature,
    }

    elsewhere = integrity(replace(settings, checkpoint_key="another key"), clock, token)
    assert elsewhere["signatureValid"] is False
