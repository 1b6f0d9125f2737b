"""Model calls through litellm at concurrency 8, 32 and 128 against the test model server answering after 200 ms,
beside the ideal throughput (concurrency / latency), and the client's CPU time per call.

Run: .venv/bin/python -m bench.automation [--latency 0.2] [--calls 512] [--concurrency 8,32,128] [--processes 1]

The test model server (`app.automation.test_server`) runs in a process of its own, so that the CPU time measured
is the client's: building the spam policy's prompt, the litellm Router's call, reading the verdict and its cost
(the route carries a price, as a rule's model does when litellm's table knows it or the rule names one). Each level
makes `--calls` calls (at least four rounds of its concurrency) after a warm-up round; with `--processes N` that many
client processes share the calls and the concurrency, as `docket serve`'s workers share concurrent requests, and the
CPU time is theirs together. Issue 17's target is >= 0.8x the ideal at every level.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
import httpx2 as httpx

from app.automation.models import CallSettings, Models
from app.write.catalog import load_catalog
from bench.servers import free_port
from domain.automation import ModelRoute
from domain.model_verdict import read_verdict
from domain.policy import Policy
from domain.prompt import ModelContent, Prompt, build_prompt

PRICE = (1.5e-7, 6e-7)
"""US dollars per input and output token (gpt-4o-mini's list price, 2026)."""
TEXTS = ("Get 10k cheap followers now!!! a.example a.example", "My lemon cake recipe", "Click here to win a gift card")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--calls", type=int, default=512)
    parser.add_argument("--concurrency", default="8,32,128")
    parser.add_argument("--processes", type=int, default=1, help="client processes sharing calls and concurrency")
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "app.automation.test_server", "--port", str(port), "--latency", str(args.latency)],
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    try:
        _wait(port)
        print(f"test model server answering after {args.latency * 1000:.0f} ms; {os.cpu_count()} CPUs; "
              f"{args.processes} client process(es); load average {_load()}")
        print("| concurrency | client | calls | calls/s | ideal | ratio | p50 ms | p95 ms | CPU ms/call |")
        print("|---|---|---|---|---|---|---|---|---|")
        for level in (int(c) for c in args.concurrency.split(",")):
            calls = max(args.calls, 4 * level)
            for plain in (False, True):
                rate, p50, p95, cpu = _spread(port, level, calls, args.processes, plain)
                ideal = level / args.latency
                print(f"| {level} | {'plain aiohttp' if plain else 'Models.classify'} | {calls} | {rate:,.0f} "
                      f"| {ideal:,.0f} | {rate / ideal:.2f}x | {p50:.0f} | {p95:.0f} | {cpu:.2f} |")
        print(f"load average at the end {_load()}")
    finally:
        server.terminate()
        server.wait(timeout=10)


def _load() -> str:
    return ", ".join(f"{n:.1f}" for n in os.getloadavg())


def _wait(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("the test model server did not start")


def _spread(
    port: int, concurrency: int, calls: int, processes: int, plain: bool
) -> tuple[float, float, float, float]:
    """Calls/s, latency p50 and p95 (ms) and client CPU ms per call, the calls and concurrency shared by `processes`
    client processes that start measuring together (this one alone when 1); `plain`: by the plain client."""
    if processes == 1:
        parts = [asyncio.run(_measure(port, concurrency, calls, lambda: None, plain))]
    else:
        context = multiprocessing.get_context("spawn")
        barrier, results = context.Barrier(processes), context.Queue()
        share = (port, concurrency // processes, calls // processes, barrier, results, plain)
        children = [context.Process(target=_child, args=share) for _ in range(processes)]
        for child in children:
            child.start()
        parts = [results.get(timeout=600) for _ in children]
        for child in children:
            child.join(timeout=30)
    wall = max(end for _, end, _, _ in parts) - min(start for start, _, _, _ in parts)
    latencies = sorted(ms for *_, some in parts for ms in some)
    made = len(latencies)
    cpu = sum(seconds for _, _, seconds, _ in parts)
    return made / wall, latencies[made // 2], latencies[int(made * 0.95)], cpu * 1000 / made


def _child(port: int, concurrency: int, calls: int, barrier: Any, results: Any, plain: bool) -> None:
    results.put(asyncio.run(_measure(port, concurrency, calls, barrier.wait, plain)))


async def _measure(
    port: int, concurrency: int, calls: int, ready: Callable[[], object], plain: bool = False
) -> tuple[float, float, float, list[float]]:
    """When the timed calls started and ended (monotonic seconds), their CPU seconds and latencies (ms), `concurrency`
    calls in flight at a time, after a warm-up round and `ready()`; `plain`: by the plain client, not litellm."""
    domain, key, terms = next(entry for entry in load_catalog() if entry[1] == "spam")
    policy = Policy.publish(domain, key, terms, "bench", datetime.now(UTC))
    assert terms.guidance is not None
    criteria = terms.guidance.criterion_ids
    models = Models(CallSettings(timeout=30, retries=0), env={"BENCH_KEY": "sk-bench"})
    route = ModelRoute("openai/bench-moderator", api_base=f"http://127.0.0.1:{port}/v1", api_key_env="BENCH_KEY",
                       input_cost_per_token=PRICE[0], output_cost_per_token=PRICE[1])
    latencies: list[float] = []
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) if plain else None

    async def one(n: int) -> None:
        prompt = build_prompt(policy, ModelContent(text=f"{TEXTS[n % len(TEXTS)]} #{n}"))
        if session is not None:
            latencies.append(await _plain_call(session, f"{route.api_base}/chat/completions", prompt, key, criteria))
            return
        call = await models.classify(route, prompt, key, criteria)
        assert not hasattr(call.classification, "reason") and call.cost, call
        latencies.append(call.latency_ms)

    async def worker(start: int, stride: int, count: int) -> None:
        for n in range(start, count, stride):
            await one(n)

    await asyncio.gather(*(worker(i, concurrency, concurrency) for i in range(concurrency)))  # warm-up round
    latencies.clear()
    ready()
    cpu, start = time.process_time(), time.monotonic()
    await asyncio.gather(*(worker(i, concurrency, calls) for i in range(concurrency)))
    end, cpu = time.monotonic(), time.process_time() - cpu
    if session is not None:
        await session.close()
    return start, end, cpu, latencies


async def _plain_call(
    session: aiohttp.ClientSession, url: str, prompt: Prompt, key: str, criteria: frozenset[str]
) -> float:
    """One call as a plain client makes it, its verdict read as `Models.classify` reads it; its latency (ms)."""
    started = time.perf_counter()
    body = {"model": "bench-moderator", "messages": list(prompt.messages), "temperature": 0,
            "response_format": {"type": "json_object"}}
    async with session.post(url, json=body, headers={"Authorization": "Bearer sk-bench"}) as response:
        answer = await response.json()
    verdict = read_verdict(answer["choices"][0]["message"]["content"], key, criteria)
    assert not hasattr(verdict, "reason"), verdict
    return (time.perf_counter() - started) * 1000


if __name__ == "__main__":
    main()
