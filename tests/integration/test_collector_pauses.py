"""A serving process freezes the heap it built at startup and collects its youngest generation less often."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from app.auth.tokens import create_token
from app.runtime.heap import THRESHOLDS
from bench.servers import clean_env

STARTED = """  # a new process: what the collector holds once a served app has started
import gc, json
from starlette.testclient import TestClient
from app.http.asgi import serve_app
with TestClient(serve_app()):
    print(json.dumps([gc.get_freeze_count(), list(gc.get_threshold())]))
"""


def test_a_served_app_freezes_its_startup_heap_and_tunes_the_collector(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.toml"
    create_token(tokens, "admin", ["admin"], ["*"])
    env = clean_env(DOCKET_DATABASE_URL=f"sqlite:///{tmp_path / 'docket.db'}", DOCKET_TOKENS_FILE=str(tokens))

    started = subprocess.run([sys.executable, "-c", STARTED], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=120, check=True)

    frozen, thresholds = json.loads(started.stdout.splitlines()[-1])
    assert frozen > 50_000  # the schema, the pools, the libraries: ~86,000 objects
    assert tuple(thresholds) == THRESHOLDS and thresholds[0] > 700
