"""Real `docket` processes on loopback, shared by the benchmarks and the tests that need a live server."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx

from app.auth.tokens import create_token

DOCKET = str(Path(sys.executable).with_name("docket"))
STARTUP = 90.0
"""Seconds a `docket serve` may take to answer: importing the app takes over 30 on this 2-CPU machine at load 9."""


def clean_env(**settings: str) -> dict[str, str]:
    """The environment of an operator's shell: none of the caller's DOCKET_* settings leak in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKET_")}
    return {**env, **settings}


def docket(*args: str, cwd: Path, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DOCKET, *args], check=False, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    process: subprocess.Popen[str]
    url: str
    lines: queue.Queue[str | None]
    stderr_path: Path

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    def read_match(self, pattern: re.Pattern[str], deadline: float) -> re.Match[str]:
        """Reads stdout until a line matches; fails if the process ends or the deadline passes first."""
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"docket serve printed no line matching {pattern.pattern!r} in time"
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            assert line is not None, f"docket serve exited ({self.process.poll()}) before printing such a line"
            match = pattern.match(line)
            if match:
                return match

    def wait_until_healthy(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (
                f"docket serve exited with {self.process.returncode}: {self.stderr_path.read_text()[-2000:]}"
            )
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError("docket serve did not become healthy in time")

    def printed(self) -> str:
        """Everything printed on stdout so far (the reader thread keeps draining it)."""
        seen: list[str] = []
        while True:
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                return "".join(seen)
            if line is not None:
                seen.append(line)


@contextmanager
def serving(cwd: Path, env: dict[str, str], *args: str) -> Iterator[Server]:
    """`docket serve` on a free loopback port, with `args` (e.g. `--workers 2`); always stopped, and killed if it
    will not stop."""
    port = free_port()
    stderr_path = cwd / f"serve-{port}.stderr"
    stderr = stderr_path.open("w")
    process = subprocess.Popen(
        [DOCKET, "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True,
        start_new_session=True,  # a group of its own: its workers go with it if it must be killed
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def drain() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        yield Server(process, f"http://127.0.0.1:{port}", lines, stderr_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)
        reader.join(timeout=5)
        assert process.stdout is not None
        process.stdout.close()
        stderr.close()


@contextmanager
def worker(url: str, cwd: Path, *args: str, command: str = "project", **settings: str
           ) -> Iterator[subprocess.Popen[str]]:
    """`docket project` (or another worker `command`) in the background, its stderr in `<command>-*.stderr` in `cwd`;
    killed at the end if still running."""
    log = (cwd / f"{command}-{uuid.uuid4().hex[:6]}.stderr").open("w")
    process = subprocess.Popen([DOCKET, command, *args], cwd=cwd, env=clean_env(DOCKET_DATABASE_URL=url, **settings),
                               stdout=subprocess.DEVNULL, stderr=log, text=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=15)
        log.close()


@contextmanager
def admin_server(
    workdir: Path, database_url: str, *, demo: bool = False, serve_args: Sequence[str] = (), **settings: str
) -> Iterator[tuple[Server, str]]:
    """A migrated database (with `demo`: holding the demo scenario) served by `docket serve` (with `serve_args`),
    healthy, and an admin token for it."""
    tokens_file = workdir / "tokens.toml"
    token = create_token(tokens_file, "admin", ["admin"], ["*"])
    env = clean_env(DOCKET_DATABASE_URL=database_url, DOCKET_TOKENS_FILE=str(tokens_file), **settings)
    for command in ("migrate", "demo") if demo else ("migrate",):
        done = docket(command, cwd=workdir, env=env)
        assert done.returncode == 0, f"docket {command}: {done.stderr}"
    with serving(workdir, env, *serve_args) as server:
        server.wait_until_healthy(time.monotonic() + STARTUP)
        yield server, token
