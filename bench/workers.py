"""`docket serve --workers 1` against more workers, in one run: the account query's throughput and latency.

Run: /work/venv/bin/python -m bench.workers [--workers 1 2] [--seconds 20] [--connections 32] [--sqlite]

It needs `wrk` (apt-get install wrk): a client in C, so that the load costs the server's CPUs little. One run creates
its own database (bench_<random>, dropped at the end; with --sqlite a file in a temporary directory), loads the demo
scenario into it, and then for each number of workers starts `docket serve --workers N`, warms it up for a few
seconds and has wrk send `account(id: "user-ben")` (standing and strikes, read from the read models) over
`--connections` keep-alive connections for `--seconds`. Before each, the same wrk load goes to a bare default
strawberry app answering `{ hello }` (bench/bare.py, one uvicorn process): the yardstick. It prints requests/s, the
50th, 90th and 99th percentile latency and the server's CPU time per request (every process of it, from /proc) of
each, and fails if any answer was not 200 or carried errors.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx

from bench.cpu import tree_cpu_seconds
from bench.databases import DEFAULT_ADMIN_URL, run_database
from bench.servers import STARTUP, admin_server, clean_env, docket, free_port

ACCOUNT = ('{ account(id: "user-ben") { id standing { level strikePoints activeStrikes } '
           'strikes { id points policy } } }')
RECORD_DETECTION = (
    'mutation { recordDetection(input: {subject: {domain: "trust_safety", kind: "pin", id: "pin-%d"}, '
    'accountId: "acct-%d", policy: "spam", source: CLASSIFIER, externalId: "wrk-%d-%d-%d", confidence: 0.9, '
    'model: "spam-clf-v7", contentType: IMAGE, evidence: {score: 0.9, signals: ["link_farm"]}}) '
    '{ __typename ... on Detection { id } ... on ValidationError { message } } }'
)
"""A new detection each request (wrk's Lua fills in a subject, an account and a unique external id)."""
RECORD_WITH_VARIABLES = (
    "mutation Record($input: RecordDetectionInput!) { recordDetection(input: $input) "
    "{ __typename ... on Detection { id } ... on ValidationError { message } } }"
)
DETECTION_VARIABLES = {"input": {
    "subject": {"domain": "trust_safety", "kind": "pin", "id": "pin-%d"}, "accountId": "acct-%d", "policy": "spam",
    "source": "CLASSIFIER", "externalId": "wrk-%d-%d-%d", "confidence": 0.9, "model": "spam-clf-v7",
    "contentType": "IMAGE", "evidence": {"score": 0.9, "signals": ["link_farm"]},
}}
"""RECORD_DETECTION's values, sent as a client library sends them: one document, the detection in its variables."""
QUERIES = {"account": ACCOUNT, "detection": RECORD_DETECTION, "detection-variables": RECORD_WITH_VARIABLES}
WRITES = {RECORD_DETECTION, RECORD_WITH_VARIABLES}
HELLO = "{ hello }"
WARM_UP = 3
LATENCY = re.compile(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass(frozen=True)
class Figures:
    served: str
    """What answered: "bare" (strawberry's `{ hello }`) or the number of Docket's workers."""
    requests_per_second: float
    latency_ms: dict[str, float]
    """By percentile: "50", "90", "99"."""
    failed: int
    cpu_ms: float
    """The server's CPU milliseconds per request answered."""

    def row(self, bare: Figures | None) -> str:
        p = self.latency_ms
        ratio = f"{self.requests_per_second / bare.requests_per_second:.2f}x" if bare else ""
        return (f"| {self.served} | {self.requests_per_second:,.0f} | {ratio} | {p['50']:.1f} ms | {p['90']:.1f} ms "
                f"| {p['99']:.1f} ms | {self.cpu_ms:.2f} ms | {self.failed} |")


def script(path: Path, token: str, query: str = ACCOUNT) -> Path:
    """wrk's Lua script: every request the same POST of `query`; for a write (WRITES), each with its own detection:
    a subject and an account of 10,000, and an external id of the thread, the second it started and a count, written
    into the document (RECORD_DETECTION) or into its variables (RECORD_WITH_VARIABLES)."""
    body = json.dumps({"query": query})
    # The body as a format of those five numbers; `%q` quotes a literal document as a JSON string would.
    made = ("'{\"query\": ' .. string.format('%q', string.format(template, values())) .. '}'"
            if query == RECORD_DETECTION else "string.format(template, values())")
    template = query if query == RECORD_DETECTION else json.dumps({"query": query, "variables": DETECTION_VARIABLES})
    fresh = (
        "count = 0\nstarted = os.time()\nthreads = 0\n"
        "function setup(thread) threads = threads + 1; thread:set(\"id\", threads) end\n"
        f"template = {json.dumps(template)}\n"
        "function values() return count % 10000, (count * 7) % 10000, id, started, count end\n"
        "function request()\n"
        "  count = count + 1\n"
        f"  return wrk.format(nil, nil, nil, {made})\n"
        "end\n"
    ) if query in WRITES else ""
    refused = "status ~= 200 or body:find('\"errors\"', 1, true)"
    if fresh:
        refused += " or not body:find('\"Detection\"')"
    path.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(body)}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
        f"{fresh}"
        "shown = false\n"
        "function response(status, headers, body)\n"  # the first answer that is not 200 or has errors, to say why
        f"  if ({refused}) and not shown then\n"
        "    shown = true; print(\"failed: \" .. status .. \" \" .. body)\n"
        "  end\n"
        "end\n"
    )
    return path


def wrk(url: str, lua: Path, connections: int, seconds: float) -> str:
    done = subprocess.run(
        ["wrk", "--latency", "-t", "2", "-c", str(connections), "-d", f"{seconds:g}s", "-s", str(lua), url],
        capture_output=True, text=True, check=True, timeout=seconds + 60,
    )
    return done.stdout


def measure(workdir: Path, url: str, workers: int, connections: int, seconds: float, query: str) -> Figures:
    # Writes are measured without the projector, whose catch-up is bench.project's to measure.
    projecting = "0" if query in WRITES else "1"
    with admin_server(
        workdir, url, serve_args=("--workers", str(workers)), DOCKET_RUN_PROJECTIONS=projecting
    ) as (server, token):
        deadline = time.monotonic() + STARTUP
        answer = httpx.post(server.graphql_url, json={"query": ACCOUNT}, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
        lua = script(workdir / "load.lua", token, query)
        while len({httpx.get(f"{server.url}/healthz").json()["worker"] for _ in range(20)}) < workers:
            assert time.monotonic() < deadline, f"fewer than {workers} workers answered"
        return loaded(str(workers), server.process.pid, server.graphql_url, lua, connections, seconds)


@contextmanager
def bare_app(workdir: Path) -> Iterator[tuple[str, int]]:
    """Strawberry's own app answering `{ hello }` from one uvicorn process, as a new user would start it: its
    /graphql URL and process id once it answers; stopped at the end."""
    port = free_port()
    log = (workdir / "bare.stderr").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.bare:app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning"], stdout=log, stderr=log, cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        url = f"http://127.0.0.1:{port}/graphql"
        deadline = time.monotonic() + STARTUP
        while True:
            try:
                if httpx.post(url, json={"query": HELLO}).status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the bare strawberry app did not start"
                time.sleep(0.1)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


def measure_bare(workdir: Path, connections: int, seconds: float) -> Figures:
    """The yardstick: the bare app under wrk's load."""
    with bare_app(workdir) as (url, pid):
        return loaded("bare", pid, url, script(workdir / "hello.lua", "-", HELLO), connections, seconds)


def loaded(served: str, pid: int, url: str, lua: Path, connections: int, seconds: float) -> Figures:
    """Warms the server up, then puts wrk's load on it for `seconds`, counting the CPU time the server spends."""
    wrk(url, lua, connections, WARM_UP)
    cpu = tree_cpu_seconds(pid)
    output = wrk(url, lua, connections, seconds)
    cpu = tree_cpu_seconds(pid) - cpu
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    answered = re.search(r"^\s+(\d+) requests in", output, re.MULTILINE)
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    assert rate is not None and answered is not None, output
    latency = {p: float(value) * UNITS[unit] for p, value, unit in LATENCY.findall(output)}
    shown = [line for line in output.splitlines() if line.startswith("failed: ")]
    for line in shown:
        print(f"{served}: {line[:500]}", flush=True)
    return Figures(served, float(rate[1]), latency, max(int(failed[1]) if failed else 0, len(shown)),
                   cpu * 1000 / max(1, int(answered[1])))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="the numbers of workers (default 1 2)")
    parser.add_argument("--seconds", type=float, default=20, help="how long wrk runs against each (default 20)")
    parser.add_argument("--connections", type=int, default=32, help="wrk's keep-alive connections (default 32)")
    parser.add_argument("--sqlite", action="store_true", help="on a SQLite file (the default database)")
    parser.add_argument("--query", choices=sorted(QUERIES), default="account",
                        help="what each request asks: the account query, or recordDetection of a new detection, its "
                        "values in the document or in variables")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL, help="a PostgreSQL URL allowed to CREATE DATABASE")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (apt-get install wrk)")
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url, engine = run_database(stack, workdir, args.sqlite, args.admin_url)
        print(f"bench.workers: {args.query}, {args.connections} connections for {args.seconds:g}s each, {engine}, "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}", flush=True)
        print("| workers | requests/s | against bare | p50 | p90 | p99 | CPU a request | failed |\n"
              "|---|---|---|---|---|---|---|---|", flush=True)
        loaded = docket("demo", cwd=workdir, env=clean_env(DOCKET_DATABASE_URL=url), timeout=300)
        assert loaded.returncode == 0, loaded.stderr
        for run, workers in enumerate(args.workers):
            run_dir = workdir / f"run-{run}"
            run_dir.mkdir()
            bare = measure_bare(run_dir, args.connections, args.seconds)
            print(bare.row(None), flush=True)
            figures = measure(run_dir, url, workers, args.connections, args.seconds, QUERIES[args.query])
            print(figures.row(bare), flush=True)
            if figures.failed or bare.failed:
                return 1
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
