"""A real `docket serve` app under uvicorn and headless Chromium from the system's packages, driven by Playwright.

Screenshots of the main screens go to DOCKET_SCREENSHOTS, else to the test's own output directory.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from app.auth.tokens import create_token
from app.config.settings import Settings
from app.http.asgi import create_app
from app.runtime.wiring import open_runtime
from tests.api.ledger_api import SETTLE

CHROMIUM = os.environ.get("DOCKET_CHROMIUM", "/usr/bin/chromium")


@dataclass
class Served:
    """The running server, its admin token, and where screenshots go."""

    url: str
    tokens_file: Path
    admin: str
    shots: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def principal(self, name: str, roles: list[str], domains: list[str] | None = None) -> str:
        self.tokens[name] = create_token(self.tokens_file, name, roles, domains or ["*"])
        return self.tokens[name]

    def graphql(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> Any:
        response = httpx.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}},
                              headers={"Authorization": f"Bearer {token or self.admin}"}, timeout=30)
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    def settle(self) -> None:
        head = self.graphql("{ health { head } }")["health"]["head"]
        self.graphql(SETTLE, {"p": head})


@pytest.fixture
def served(sqlite_url: str, tmp_path: Path) -> Iterator[Served]:
    tokens_file = tmp_path / "tokens.toml"
    admin = create_token(tokens_file, "alice", ["admin"], ["*"])
    settings = Settings(database_url=sqlite_url, tokens_file=tokens_file)
    open_runtime(settings).close()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    shots = Path(os.environ.get("DOCKET_SCREENSHOTS", tmp_path / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    try:
        yield Served(f"http://127.0.0.1:{port}", tokens_file, admin, shots)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture
def browser() -> Iterator[Any]:
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is required in CI and is not at {CHROMIUM} (apt-get install chromium)")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()
