"""Server time of the console's pages with a realistic backlog: the demo's data plus 10,000 queued cases.

    PYTHONPATH=$PWD python -m bench.console [--cases 10000] [--repeat 7]

Loads the demo into a fresh SQLite database in a temporary directory, records the extra detections (each on a case of
its own, routed to ts_general) and brings the read models up to date, then signs in to the console in-process and
reads each main page `--repeat` times, printing the median and worst of its Server-Timing (reads and render, as the
console measures them) against the 200 ms target.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
from datetime import timedelta
from pathlib import Path

from starlette.testclient import TestClient

from app.auth.tokens import create_token
from app.cli.demo import run_demo
from app.config.settings import Settings
from app.http.asgi import create_app
from app.runtime.wiring import open_runtime
from domain.detection import DetectionFacts
from domain.values import Content, ContentType, DetectionSource, Subject

TARGET_MS = 200.0
PAGES = ("/console/", "/console/queues/ts_general", "CASE", "/console/appeals", "/console/figures",
         "/console/account?id=user-ben", "/console/events", "/console/automation", "/console/integrity")


def load_backlog(settings: Settings, cases: int) -> None:
    runtime = open_runtime(settings)
    try:
        ledger = runtime.ledger
        for start in range(0, cases, 1000):
            batch = [
                DetectionFacts(
                    subject=Subject("trust_safety", "pin", f"bench-{i}"), account_id=f"bench-acct-{i % 997}",
                    policy_key="spam", source=DetectionSource.CLASSIFIER, external_id=f"bench-{i}",
                    confidence=0.5 + (i % 50) / 100, model="spam-clf-v7", content_type=ContentType.TEXT,
                    content=Content(uri=f"https://example.com/pin/bench-{i}", hash=f"sha256:b{i}", version="1"),
                    evidence={"score": 0.9}, detected_at=ledger.clock() - timedelta(minutes=i % 600),
                )
                for i in range(start, min(start + 1000, cases))
            ]
            ledger.record_detections(batch, actor="bench")
        runtime.projector.catch_up()
    finally:
        runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        tokens = Path(directory) / "tokens.toml"
        token = create_token(tokens, "alice", ["admin"], ["*"])
        settings = Settings(database_url=f"sqlite:///{directory}/bench.db", tokens_file=tokens)
        run_demo(settings)
        load_backlog(settings, args.cases)
        with TestClient(create_app(settings)) as client:
            form = client.get("/console/login").text
            csrf = re.search(r'name="csrf" value="([^"]+)"', form)
            assert csrf is not None
            client.post("/console/login", data={"csrf": csrf.group(1), "token": token})
            print(f"{args.cases:,} extra queued cases; median and worst of {args.repeat} reads; target {TARGET_MS} ms")
            for page in PAGES:
                path = "/console/case?domain=trust_safety&kind=pin&id=bench-42" if page == "CASE" else page
                times = []
                for _ in range(args.repeat):
                    response = client.get(path)
                    assert response.status_code == 200, (path, response.text[:300])
                    times.append(float(response.headers["server-timing"].split("dur=")[1]))
                median, worst = statistics.median(times), max(times)
                verdict = "ok" if median < TARGET_MS else "SLOW"
                print(f"  {path:55} {median:7.1f} ms  (worst {worst:6.1f})  {verdict}")


if __name__ == "__main__":
    main()
