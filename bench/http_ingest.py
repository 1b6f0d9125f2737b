"""Detections sent to a live `docket serve` through recordDetections, as pipelines send them, and the CPU it took."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx

from bench.servers import admin_server
from domain.detection import DetectionFacts

RECORD_DETECTIONS = """
mutation($inputs: [RecordDetectionInput!]!) { recordDetections(inputs: $inputs) {
  __typename ... on DetectionBatch { position } ... on ValidationError { message } ... on NotFoundError { message } } }
"""
TICKS = os.sysconf("SC_CLK_TCK")
MAX_RETRIES = 100


@dataclass(frozen=True)
class Sent:
    seconds: float
    retries: int
    """Calls answered 503 (the database refusing connections) and sent again, as a pipeline would."""
    server_cpu: float
    """CPU seconds the server's processes (every worker) spent."""
    machine_cpu: float
    """CPU seconds the whole machine spent (PostgreSQL's too, and whatever else ran)."""


def as_input(facts: DetectionFacts) -> dict[str, Any]:
    """A detection as a pipeline sends it to recordDetections."""
    subject = facts.subject
    return {
        "subject": {"domain": subject.domain, "kind": subject.kind, "id": subject.id}, "accountId": facts.account_id,
        "policy": facts.policy_key, "source": str(facts.source), "externalId": facts.external_id,
        "confidence": facts.confidence, "model": facts.model, "contentType": str(facts.content_type),
        "content": None if facts.content is None else {
            "uri": facts.content.uri, "hash": facts.content.hash, "version": facts.content.version,
        },
        "evidence": facts.evidence, "detectedAt": facts.detected_at.isoformat(),
    }


def send_over_http(database_url: str, facts: list[DetectionFacts], call: int, clients: int) -> Sent:
    """`facts` sent to a `docket serve` (its projector off) on `database_url` by `clients` clients, `call` a call."""
    calls = [[as_input(f) for f in facts[start:start + call]] for start in range(0, len(facts), call)]
    failures: list[str] = []
    retries: list[int] = []
    with tempfile.TemporaryDirectory() as workdir, admin_server(
        Path(workdir), database_url, DOCKET_RUN_PROJECTIONS="0"
    ) as (server, token):
        def client(mine: list[list[dict[str, Any]]]) -> None:
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(timeout=300, headers=headers) as http:
                for inputs in mine:
                    body = {"query": RECORD_DETECTIONS, "variables": {"inputs": inputs}}
                    answer = http.post(server.graphql_url, json=body)
                    while answer.status_code == 503 and len(retries) < MAX_RETRIES:
                        retries.append(1)
                        time.sleep(float(answer.headers.get("Retry-After", "1")))
                        answer = http.post(server.graphql_url, json=body)
                    recorded = ((answer.json().get("data") or {}).get("recordDetections") or {}).get("__typename")
                    if answer.status_code != 200 or recorded != "DetectionBatch":
                        failures.append(answer.text[:200])

        threads = [threading.Thread(target=client, args=(calls[n::clients],)) for n in range(clients)]
        server_before, machine_before = _group_cpu(server.process.pid), machine_cpu()
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        server_cpu, machine = _group_cpu(server.process.pid) - server_before, machine_cpu() - machine_before
    assert not failures, f"{len(failures)} calls failed, e.g. {failures[0]}"
    return Sent(seconds, len(retries), server_cpu, machine)


def _group_cpu(group: int) -> float:
    """CPU seconds (user and system) of the live processes in the process group `group`."""
    ticks = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == group:  # fields after the name: state, ppid, pgrp, ..., utime (11), stime (12)
            ticks += int(fields[11]) + int(fields[12])
    return ticks / TICKS


def machine_cpu() -> float:
    """CPU seconds every CPU of the machine has been busy since boot."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / TICKS
