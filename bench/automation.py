"""Model calls through litellm at concurrency 8, 32 and 128 against the test model server answering after 200 ms,
beside the ideal throughput (concurrency / latency), and the client's CPU time per call.

Run: .venv/bin/python -m bench.automation [--latency 0.2] [--calls 512] [--concurrency 8,32,128]

The test model server (`app.automation.test_server`) runs in a process of its own, so that the CPU time measured
is this process's: building the spam policy's prompt, the litellm Router's call, reading the verdict. Each level
makes `--calls` calls (at least four rounds of its concurrency) after a warm-up round; issue 17's target is
>= 0.8x the ideal at every level.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from datetime import UTC, datetime

import httpx2 as httpx

from app.automation.models import CallSettings, Models
from app.write.catalog import load_catalog
from bench.servers import free_port
from domain.automation import ModelRoute
from domain.policy import Policy
from domain.prompt import ModelContent, build_prompt

TEXTS = ("Get 10k cheap followers now!!! a.example a.example", "My lemon cake recipe", "Click here to win a gift card")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--calls", type=int, default=512)
    parser.add_argument("--concurrency", default="8,32,128")
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "app.automation.test_server", "--port", str(port), "--latency", str(args.latency)],
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    try:
        _wait(port)
        print(f"test model server answering after {args.latency * 1000:.0f} ms; {os.cpu_count()} CPUs")
        print("| concurrency | calls | calls/s | ideal | ratio | p50 ms | p95 ms | CPU ms/call |")
        print("|---|---|---|---|---|---|---|---|")
        for level in (int(c) for c in args.concurrency.split(",")):
            calls = max(args.calls, 4 * level)
            rate, p50, p95, cpu = asyncio.run(_measure(port, level, calls))
            ideal = level / args.latency
            print(f"| {level} | {calls} | {rate:,.0f} | {ideal:,.0f} | {rate / ideal:.2f}x | {p50:.0f} | {p95:.0f} "
                  f"| {cpu:.2f} |")
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("the test model server did not start")


async def _measure(port: int, concurrency: int, calls: int) -> tuple[float, float, float, float]:
    """Calls/s, latency p50 and p95 (ms) and client CPU ms per call, `concurrency` calls in flight at a time."""
    domain, key, terms = next(entry for entry in load_catalog() if entry[1] == "spam")
    policy = Policy.publish(domain, key, terms, "bench", datetime.now(UTC))
    assert terms.guidance is not None
    criteria = terms.guidance.criterion_ids
    models = Models(CallSettings(timeout=30, retries=0), env={"BENCH_KEY": "sk-bench"})
    route = ModelRoute("openai/bench-moderator", api_base=f"http://127.0.0.1:{port}/v1", api_key_env="BENCH_KEY")
    latencies: list[float] = []

    async def one(n: int) -> None:
        prompt = build_prompt(policy, ModelContent(text=f"{TEXTS[n % len(TEXTS)]} #{n}"))
        call = await models.classify(route, prompt, key, criteria)
        assert not hasattr(call.classification, "reason"), call.classification
        latencies.append(call.latency_ms)

    async def worker(start: int, stride: int, count: int) -> None:
        for n in range(start, count, stride):
            await one(n)

    await asyncio.gather(*(worker(i, concurrency, concurrency) for i in range(concurrency)))  # warm-up round
    latencies.clear()
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker(i, concurrency, calls) for i in range(concurrency)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    latencies.sort()
    return calls / wall, latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.95)], cpu * 1000 / calls


if __name__ == "__main__":
    main()
