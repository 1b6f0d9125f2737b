"""Load and faults: concurrent clients of a live `docket serve` on PostgreSQL, with PostgreSQL restarted midway.

Run: /work/venv/bin/python -m bench.load_faults [--seconds 60] [--clients 32] [--stop-at 20] [--down 5] [--sqlite]
     [--bare 10]

First, for `--bare` seconds, as many client threads ask a bare strawberry app for `{ hello }`: issue 15's yardstick
under the same clients, whose Python takes a share of the CPUs. Then one run creates its own database
(bench_<random>), migrates it, starts `docket serve` on a loopback port and drives it with client threads doing a mix
of reads and writes for `--seconds`. At `--stop-at` it stops the PostgreSQL cluster, and starts it again `--down`
seconds later (this disturbs anything else using that server). A client retries a request answered 503 (or
NOT_YET_CONSISTENT), unchanged, with its idempotency key, until it is acknowledged; anything else is an error.
Afterwards it checks the ledger holds every acknowledged write exactly once, and that /readyz is 200 again, prints the
figures and exits non-zero on any error. With --sqlite the same load runs on a SQLite file and nothing is stopped;
then, as with --no-restart, any 503 fails the run.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2 as httpx

from bench.cpu import main_threads_cpu_seconds, tree_cpu_seconds
from bench.databases import DEFAULT_ADMIN_URL, run_database
from bench.servers import STARTUP, Server, admin_server, worker
from bench.workers import HELLO, bare_app

RETRY_PAUSE = 0.2
TIMEOUT = 15.0

RECORD = """mutation($input: RecordDetectionInput!) { recordDetection(input: $input) {
  __typename ... on Detection { id position } ... on ValidationError { message field }
  ... on NotFoundError { message } ... on ConflictError { message } } }"""
DECIDE = """mutation($input: DecideInput!) { decide(input: $input) {
  __typename ... on Decision { id position } ... on ValidationError { message field }
  ... on NotFoundError { message } ... on ConflictError { message } } }"""
ACCOUNT = """query($id: String!) { account(id: $id) { standing { level strikePoints } strikes { id } } }"""
CASE = """query($subject: SubjectInput!, $min: String) { case(subject: $subject, minPosition: $min) {
  status detections { externalId } decisions { id live } } }"""
EVENTS = """query($first: Int!) { events(first: $first) { edges { cursor node { type aggregateId } } } }"""
RECORDED = """query($after: String, $min: String) { events(after: $after, first: 500, minPosition: $min,
  filter: {eventTypes: ["Detection.Recorded", "Case.Decided"]}) {
  edges { node { type aggregateId data } } pageInfo { hasNextPage endCursor } } }"""


@dataclass(frozen=True)
class Attempt:
    """One HTTP exchange: when it started and ended (seconds since the load began) and how it was judged."""

    operation: str
    started: float
    ended: float
    outcome: str
    """ok, unavailable (503), lagging (NOT_YET_CONSISTENT), error, or abandoned (never acknowledged in time)."""
    detail: str = ""


@dataclass
class Run:
    """What every client saw and wrote, shared between the client threads."""

    began: float
    attempts: list[Attempt] = field(default_factory=list)
    detections: dict[str, str] = field(default_factory=dict)
    """Acknowledged recordDetection: external id -> detection id."""
    decisions: dict[str, str] = field(default_factory=dict)
    """Acknowledged decide: idempotency key -> decision id."""
    head: int = 0
    """The highest position of an acknowledged write."""
    lags: list[tuple[float, int]] = field(default_factory=list)
    """(when, events) the slowest read model was behind the ledger, sampled from /readyz while it answered 200."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        return time.monotonic() - self.began

    def add(self, attempt: Attempt) -> None:
        with self.lock:
            self.attempts.append(attempt)

    def acknowledged(self, writes: dict[str, str], key: str, written: dict[str, str]) -> None:
        with self.lock:
            writes[key] = written["id"]
            self.head = max(self.head, int(written["position"]))


def judge(response: httpx.Response, field_name: str, expected: str | None) -> tuple[str, str, Any]:
    """The outcome of one response, why, and the field's value when it is ok."""
    try:
        body = response.json()
    except ValueError:
        return "error", f"HTTP {response.status_code}, not JSON: {response.text[:300]}", None
    errors = body.get("errors") or []
    codes = {(e.get("extensions") or {}).get("code") for e in errors}
    if response.status_code == 503:
        if codes == {"UNAVAILABLE"}:
            return "unavailable", "", None
        return "error", f"503 without code UNAVAILABLE: {response.text[:300]}", None
    if response.status_code != 200:
        return "error", f"HTTP {response.status_code}: {response.text[:300]}", None
    if codes == {"NOT_YET_CONSISTENT"}:
        return "lagging", "", None
    if errors:
        return "error", f"errors {errors}"[:400], None
    value = body["data"][field_name]
    if expected is not None and (value or {}).get("__typename") != expected:
        return "error", f"{field_name} answered {value}"[:400], None
    return "ok", "", value


class Client(threading.Thread):
    """Mixed traffic on subjects of its own; every request is retried unchanged until it is acknowledged."""

    def __init__(self, number: int, server: Server, token: str, run: Run, until: float, give_up: float) -> None:
        super().__init__(name=f"client-{number}", daemon=True)
        self.number = number
        self.url = server.graphql_url
        self.headers = {"Authorization": f"Bearer {token}"}
        self.run_state = run
        self.until = until
        self.give_up = give_up
        self.random = random.Random(number)
        self.written: list[tuple[str, str, str]] = []
        """(subject id, account id, detection id) of this client's acknowledged detections."""
        self.last_position: str | None = None

    def run(self) -> None:
        with httpx.Client(timeout=TIMEOUT) as http:
            n = 0
            while self.run_state.now() < self.until:
                self.step(http, n)
                n += 1

    def step(self, http: httpx.Client, n: int) -> None:
        roll = self.random.random()
        if roll < 0.35 or not self.written:
            self.record(http, n)
        elif roll < 0.50:
            self.decide(http, n)
        elif roll < 0.70:
            _, account, _ = self.random.choice(self.written)
            self.call(http, "account", ACCOUNT, {"id": account}, None)
        elif roll < 0.85:
            subject, _, _ = self.random.choice(self.written)
            self.call(http, "case", CASE, {"subject": self.subject(subject), "min": self.last_position}, None)
        else:
            self.call(http, "events", EVENTS, {"first": 20}, None)

    def subject(self, subject_id: str) -> dict[str, str]:
        return {"domain": "trust_safety", "kind": "pin", "id": subject_id}

    def record(self, http: httpx.Client, n: int) -> None:
        external_id = f"load-{self.number}-{n}"
        subject_id = f"pin-{self.number}-{n % 40}"
        account = f"acct-{self.number}-{n % 8}"
        detection = self.call(http, "recordDetection", RECORD, {"input": {
            "subject": self.subject(subject_id), "accountId": account, "policy": "spam", "source": "CLASSIFIER",
            "externalId": external_id, "confidence": 0.9, "contentType": "IMAGE",
        }}, "Detection")
        if detection is not None:
            self.written.append((subject_id, account, detection["id"]))
            self.last_position = detection["position"]
            self.run_state.acknowledged(self.run_state.detections, external_id, detection)

    def decide(self, http: httpx.Client, n: int) -> None:
        subject_id, account, detection_id = self.random.choice(self.written)
        key = f"load-decide-{self.number}-{n}"
        violating = self.random.random() < 0.5
        decision = self.call(http, "decide", DECIDE, {"input": {
            "subject": self.subject(subject_id), "accountId": account, "policy": "spam",
            "outcome": "VIOLATING" if violating else "NOT_VIOLATING",
            "actions": [{"type": "DEMOTE"}] if violating else [], "detectionIds": [detection_id],
            "rationale": "load test", "idempotencyKey": key,
        }}, "Decision")
        if decision is not None:
            self.last_position = decision["position"]
            self.run_state.acknowledged(self.run_state.decisions, key, decision)

    def call(self, http: httpx.Client, operation: str, query: str, variables: dict[str, Any],
             expected: str | None) -> Any:
        """Sends until acknowledged (or the run gives up); returns the field named `operation`."""
        while self.run_state.now() < self.give_up:
            started = self.run_state.now()
            try:
                response = http.post(self.url, json={"query": query, "variables": variables}, headers=self.headers)
                outcome, detail, value = judge(response, operation, expected)
            except httpx.HTTPError as error:
                outcome, detail, value = "error", f"{type(error).__name__}: {error}", None
            self.run_state.add(Attempt(operation, started, self.run_state.now(), outcome, detail))
            if outcome == "ok":
                return value
            time.sleep(RETRY_PAUSE)
        self.run_state.add(Attempt(operation, self.run_state.now(), self.run_state.now(), "abandoned"))
        return None


@dataclass(frozen=True)
class Bare:
    rate: float
    """Requests/s."""
    cpu_ms: float
    """The app's CPU milliseconds a request."""
    p50_ms: float
    p99_ms: float
    """Its answers' latency: what a request that waits for nothing of Docket's takes under these clients."""


def measure_bare(workdir: Path, clients: int, seconds: float) -> Bare:
    """Issue 15's yardstick in this run: a bare strawberry app answering `{ hello }` under as many client threads as
    the load has, for `seconds`. The clients' Python takes a share of the machine's CPUs, so its rate is the one they
    allow, where bench.workers' wrk allows more."""
    answered: list[list[float]] = [[] for _ in range(clients)]
    with bare_app(workdir) as (url, pid):
        until = time.monotonic() + seconds
        cpu = tree_cpu_seconds(pid)

        def ask(number: int) -> None:
            with httpx.Client(timeout=TIMEOUT) as http:
                while (started := time.monotonic()) < until:
                    if http.post(url, json={"query": HELLO}).status_code == 200:
                        answered[number].append(time.monotonic() - started)

        threads = [threading.Thread(target=ask, args=(n,), daemon=True) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        cpu = tree_cpu_seconds(pid) - cpu
    times = [t for own in answered for t in own]
    return Bare(len(times) / seconds, cpu * 1000 / max(1, len(times)), percentile(times, 50) * 1000,
                percentile(times, 99) * 1000)


def wait_projecting(workdir: Path) -> None:
    """Until the `docket project` worker says it projects (it imports the app first: seconds on a loaded machine)."""
    deadline = time.monotonic() + STARTUP
    while not any("projecting" in log.read_text() for log in workdir.glob("project-*.stderr")):
        assert time.monotonic() < deadline, "the docket project worker did not start in time"
        time.sleep(0.2)


def restart_postgres(run: Run, at: float, down: float, marks: dict[str, float]) -> None:
    """Stops the PostgreSQL cluster at `at`, starts it again `down` seconds later."""
    version = max(os.listdir("/etc/postgresql"))

    def cluster(*action: str) -> None:
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", *action],
                       check=True, capture_output=True)

    time.sleep(max(0.0, at - run.now()))
    marks["stop"] = run.now()
    try:
        cluster("stop", "-m", "fast")
        time.sleep(down)
    finally:  # never leave the shared server down
        marks["start"] = run.now()
        cluster("start")
        marks["started"] = run.now()


def ledger_writes(
    server: Server, token: str, min_position: str
) -> tuple[Counter[str], Counter[str], dict[str, str], dict[str, str]]:
    """Every Detection.Recorded and Case.Decided of this run in the ledger, counted by external id and key."""
    recorded: Counter[str] = Counter()
    decided: Counter[str] = Counter()
    detection_ids: dict[str, str] = {}
    decision_ids: dict[str, str] = {}
    after = None
    deadline = time.monotonic() + 60
    while True:
        response = httpx.post(server.graphql_url, headers={"Authorization": f"Bearer {token}"}, timeout=60,
                              json={"query": RECORDED, "variables": {"after": after, "min": min_position}})
        body = response.json()
        if "errors" in body:
            assert time.monotonic() < deadline, f"the ledger could not be read: {body['errors']}"
            time.sleep(1)
            continue
        page = body["data"]["events"]
        for edge in page["edges"]:
            node = edge["node"]
            if node["type"] == "Detection.Recorded":
                external_id = node["data"]["facts"]["external_id"]
                recorded[external_id] += 1
                detection_ids[external_id] = node["aggregateId"]
            else:
                key = node["data"]["decision"]["idempotency_key"] or ""
                decided[key] += 1
                decision_ids[key] = node["data"]["decision"]["decision_id"]
        if not page["pageInfo"]["hasNextPage"]:
            return recorded, decided, detection_ids, decision_ids
        after = page["pageInfo"]["endCursor"]


def sample_lag(server: Server, run: Run, until: float) -> None:
    """Reads /readyz once a second: how far the slowest read model is behind the ledger under this load."""
    with httpx.Client(timeout=5) as http:
        while run.now() < until:
            try:
                response = http.get(f"{server.url}/readyz")
                if response.status_code == 200:
                    lag = max(p["lag"] for p in response.json()["projections"].values())
                    run.lags.append((run.now(), lag))
            except httpx.HTTPError:
                pass
            time.sleep(1)


def wait_ready(server: Server, seconds: float) -> float | None:
    """Seconds until /readyz answered 200, or None if it never did."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            if httpx.get(f"{server.url}/readyz", timeout=5).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return None


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)

    def check(self, ok: bool, problem: str) -> None:
        if not ok:
            self.problems.append(problem)


def print_latencies(ok: list[Attempt], window: tuple[float, float]) -> None:
    """p50 and p99 of the acknowledged requests that did not overlap the outage window, and per operation."""
    steady = [a for a in ok if a.ended < window[0] or a.started > window[1]]
    if not steady:
        return
    for operation in ["all operations", *sorted({a.operation for a in steady})]:
        times = [a.ended - a.started for a in steady if operation in (a.operation, "all operations")]
        print(f"    {operation:<16} p50 {percentile(times, 50) * 1000:7.1f} ms, "
              f"p99 {percentile(times, 99) * 1000:7.1f} ms, mean {statistics.fmean(times) * 1000:7.1f} ms "
              f"({len(times)} requests)")


def summarise(
    run: Run, seconds: float, marks: dict[str, float], report: Report, outage: bool, bare: Bare | None,
    cpu: tuple[float, float],
) -> None:
    attempts = sorted(run.attempts, key=lambda a: a.started)
    outcomes = Counter(a.outcome for a in attempts)
    unavailable = [a for a in attempts if a.outcome == "unavailable"]
    first_503 = min((a.ended for a in unavailable), default=None)
    recovered = None
    if first_503 is not None:
        recovered = min((a.ended for a in attempts if a.outcome == "ok" and a.started > first_503), default=None)
    window = (marks.get("stop", 0.0), recovered if recovered is not None else marks.get("started", 0.0))
    ok = [a for a in attempts if a.outcome == "ok"]
    by_operation = Counter(a.operation for a in ok)
    acknowledged = len(ok)
    print(f"attempts: {dict(outcomes)}; acknowledged by operation: {dict(by_operation)}")
    against = f", {acknowledged / seconds / bare.rate:.2f}x bare strawberry's {bare.rate:,.0f}/s" if bare else ""
    print(f"throughput: {acknowledged / seconds:,.0f} acknowledged requests/s over {seconds:.0f}s "
          f"({len(attempts) / seconds:,.0f} attempts/s){against}")
    served, loops = (spent * 1000 / max(1, len(attempts)) for spent in cpu)
    print(f"the server's CPU an attempt: {served:.2f} ms, {loops:.2f} ms of it its workers' event loops"
          f"{f' (bare strawberry: {bare.cpu_ms:.2f} ms a request)' if bare else ''}; latency outside the outage:")
    print_latencies(ok, window)
    if marks:
        print(f"PostgreSQL stopped at {marks['stop']:.1f}s, started at {marks['start']:.1f}s "
              f"(ready at {marks['started']:.1f}s)")
    if first_503 is None:
        print("clients saw no 503")
    else:
        last_503 = max(a.ended for a in unavailable)
        seen = f"{recovered - first_503:.1f}s" if recovered is not None else "never recovered"
        print(f"outage as clients saw it: first 503 at {first_503:.1f}s, last at {last_503:.1f}s, first success "
              f"after the first 503 at {recovered if recovered is not None else float('nan'):.1f}s: {seen}; "
              f"{len(unavailable)} answers 503, in {statistics.median(a.ended - a.started for a in unavailable):.2f}s "
              f"(median)")
    lagging = [a.ended for a in attempts if a.outcome == "lagging"]
    if lagging:
        print(f"NOT_YET_CONSISTENT (retried): {len(lagging)}, between {min(lagging):.1f}s and {max(lagging):.1f}s")
    lags = [lag for at, lag in run.lags if at < window[0] or at > window[1]]
    if lags:
        print(f"read models behind the ledger outside the outage (/readyz each second): median "
              f"{statistics.median(lags):.0f} events, max {max(lags)}")
    errors = [a for a in attempts if a.outcome == "error"]
    for detail, count in Counter(f"{a.operation}: {a.detail}" for a in errors).most_common(8):
        print(f"    error x{count} {detail}")
    report.check(not errors, f"{len(errors)} errors")
    report.check(not outcomes["abandoned"], f"{outcomes['abandoned']} requests never acknowledged")
    report.check(recovered is not None or first_503 is None, "no request succeeded after the first 503")
    report.check(first_503 is not None or not outage, "no client saw a 503 while PostgreSQL was down")
    report.check(first_503 is None or outage, f"{len(unavailable)} answers 503 while the database was up")


def verify(server: Server, token: str, run: Run, report: Report) -> None:
    ready = wait_ready(server, 60)
    report.check(ready is not None, "/readyz did not answer 200 again within 60s")
    print(f"/readyz 200 again after the load: {'yes' if ready is not None else 'NO'}")
    recorded, decided, detection_ids, decision_ids = ledger_writes(server, token, str(run.head))
    ours_recorded = {k: v for k, v in recorded.items() if k.startswith("load-")}
    ours_decided = {k: v for k, v in decided.items() if k.startswith("load-")}
    lost_detections = [k for k, i in run.detections.items() if detection_ids.get(k) != i]
    lost_decisions = [k for k, i in run.decisions.items() if decision_ids.get(k) != i]
    duplicated = [k for k, n in {**ours_recorded, **ours_decided}.items() if n != 1]
    print(f"acknowledged: {len(run.detections)} detections, {len(run.decisions)} decisions; in the ledger: "
          f"{len(ours_recorded)} detections, {len(ours_decided)} decisions; lost {len(lost_detections)} + "
          f"{len(lost_decisions)}; written more than once {len(duplicated)}")
    report.check(not lost_detections, f"acknowledged detections missing from the ledger: {lost_detections[:5]}")
    report.check(not lost_decisions, f"acknowledged decisions missing from the ledger: {lost_decisions[:5]}")
    report.check(not duplicated, f"idempotent writes stored more than once: {duplicated[:5]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60, help="how long the clients run (default 60)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    parser.add_argument("--stop-at", type=float, default=20, help="when to stop PostgreSQL (default 20s in)")
    parser.add_argument("--down", type=float, default=5, help="how long PostgreSQL stays down (default 5s)")
    parser.add_argument("--no-restart", action="store_true", help="load only; leave PostgreSQL alone")
    parser.add_argument("--sqlite", action="store_true", help="load only, on a SQLite file (the default database)")
    parser.add_argument("--worker", action="store_true",
                        help="run the read models in a `docket project` process instead of in the server")
    parser.add_argument("--bare", type=float, default=10, metavar="SECONDS",
                        help="first, bare strawberry under the same clients for this long, the yardstick (0: not)")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL, help="a PostgreSQL URL allowed to CREATE DATABASE")
    args = parser.parse_args(argv)
    if args.sqlite and args.worker:
        parser.error("--worker needs PostgreSQL")
    outage = not (args.no_restart or args.sqlite)

    report = Report()
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        bare = measure_bare(workdir, args.clients, args.bare) if args.bare > 0 else None
        if bare is not None:
            print(f"bare strawberry `{{ hello }}`, {args.clients} clients for {args.bare:.0f}s: {bare.rate:,.0f} "
                  f"requests/s, {bare.cpu_ms:.2f} ms of its CPU a request; p50 {bare.p50_ms:.1f} ms, "
                  f"p99 {bare.p99_ms:.1f} ms", flush=True)
        url, engine = run_database(stack, workdir, args.sqlite, args.admin_url)
        print(f"bench.load_faults: {args.clients} clients for {args.seconds:.0f}s, {engine} "
              f"{f'stopped at {args.stop_at:.0f}s for {args.down:.0f}s' if outage else 'left alone'}, "
              f"read models {'in a docket project worker' if args.worker else 'in the server'}, "
              f"load average {os.getloadavg()[0]:.2f}", flush=True)
        run_projections = "0" if args.worker else "1"
        server, token = stack.enter_context(admin_server(workdir, url, DOCKET_RUN_PROJECTIONS=run_projections))
        projector = stack.enter_context(worker(url, workdir)) if args.worker else None
        if projector is not None:
            wait_projecting(workdir)
        pid = server.process.pid
        cpu = tree_cpu_seconds(pid), main_threads_cpu_seconds(pid)
        run = Run(began=time.monotonic())
        clients = [Client(i, server, token, run, args.seconds, args.seconds + 120) for i in range(args.clients)]
        marks: dict[str, float] = {}
        for client in clients:
            client.start()
        threading.Thread(target=sample_lag, args=(server, run, args.seconds), daemon=True).start()
        if outage:
            restart_postgres(run, args.stop_at, args.down, marks)
        for client in clients:
            client.join()
        cpu = tree_cpu_seconds(pid) - cpu[0], main_threads_cpu_seconds(pid) - cpu[1]
        summarise(run, run.now(), marks, report, outage=outage, bare=bare, cpu=cpu)
        verify(server, token, run, report)
        if projector is not None:
            report.check(projector.poll() is None, f"the docket project worker exited ({projector.returncode})")
            projector.terminate()
            projector.wait(timeout=30)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    for problem in report.problems:
        print(f"FAILED: {problem}")
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
