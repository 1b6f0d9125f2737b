"""Bulk detection ingest on PostgreSQL: Docket's ledger and recordDetections over HTTP against the library's paths
and a raw COPY.

Run: /work/venv/bin/python -m bench.ingest [--events 20000] [--admin-url postgresql://...]

One run creates its own database (bench_<random>), gives every scenario a fresh schema in it,
prints events/s per scenario and the ratios against the baselines, and drops the database.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg import sql

from app.config.clock import system_clock
from app.config.database import Database
from app.read.migrations import migrate
from app.read.store import open_read_store
from app.runtime import heap
from app.write.catalog import load_catalog, seed_catalog
from app.write.ledger import Ledger
from bench.databases import DEFAULT_ADMIN_URL, own_database
from bench.http_ingest import machine_cpu, send_over_http
from domain.detection import Detection, DetectionFacts
from domain.indexes import SubjectIndex, note_detection
from domain.values import Content, ContentType, DetectionSource, Subject

DESIGN_TARGET = 30_000
ACTOR = "pipeline:bench"

KINDS = {"trust_safety": ("pin", "comment", "board"), "ads": ("ad", "creative"), "shopping": ("listing", "merchant")}
MODELS = {
    DetectionSource.CLASSIFIER: "spam-clf-v7",
    DetectionSource.HASH_MATCH: "photodna-2",
    DetectionSource.LLM: "gpt-moderation-2",
    DetectionSource.VLM: "vlm-safety-3",
    DetectionSource.RULE: "velocity-rule-12",
}
CONTENT_TYPES = {
    "pin": ContentType.IMAGE, "comment": ContentType.TEXT, "board": ContentType.OTHER, "ad": ContentType.IMAGE,
    "creative": ContentType.VIDEO, "listing": ContentType.PRODUCT, "merchant": ContentType.OTHER,
}


def make_facts(count: int, seed: int, run: str) -> list[DetectionFacts]:
    """Realistic, varied detections: every starter policy, every source, a few evidence keys each."""
    rng = random.Random(seed)
    policies = [(domain, key) for domain, key, _ in load_catalog()]
    sources = list(DetectionSource)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    facts = []
    for i in range(count):
        domain, key = policies[rng.randrange(len(policies))]
        kind = rng.choice(KINDS.get(domain, ("item",)))
        subject = Subject(domain, kind, f"{kind}-{rng.randrange(1_000_000)}")
        source = sources[rng.randrange(len(sources))]
        model = MODELS.get(source)
        evidence: dict[str, object] = {"score": round(rng.random(), 4), "signals": rng.sample(
            ["link_farm", "repeat_post", "new_account", "reported_twice", "hash_hit", "keyword", "burst"], 3)}
        if model is not None:
            evidence["model_version"] = f"{model}@{rng.randrange(1, 9)}"
        if rng.random() < 0.3:
            evidence["reporter_count"] = rng.randrange(1, 50)
        facts.append(
            DetectionFacts(
                subject=subject,
                account_id=None if rng.random() < 0.1 else f"acct-{rng.randrange(50_000)}",
                policy_key=key,
                source=source,
                external_id=f"{run}-{source.lower()}-{i}",
                confidence=1.0 if model is None else round(rng.uniform(0.5, 1.0), 3),
                model=model,
                content_type=CONTENT_TYPES.get(kind, ContentType.OTHER),
                content=None if rng.random() < 0.2 else Content(
                    uri=f"https://cdn.example.com/{kind}/{subject.id}", hash=f"sha256:{rng.getrandbits(128):032x}",
                    version=str(rng.randrange(1, 4)),
                ),
                evidence=evidence,
                detected_at=start + timedelta(seconds=i),
            )
        )
    return facts


def batches(items: list[DetectionFacts], size: int) -> Iterator[list[DetectionFacts]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


@dataclass
class Result:
    name: str
    events: int
    seconds: float
    cpu_seconds: float
    """CPU seconds of this process (of the server's processes, over HTTP)."""
    machine_cpu: float
    """CPU seconds of the whole machine: PostgreSQL's too."""

    @property
    def rate(self) -> float:
        return self.events / self.seconds


class Bench:
    def __init__(self, admin_url: str, database: str) -> None:
        self.admin_url = admin_url
        self.database = database
        self.url = f"{admin_url.rsplit('/', 1)[0]}/{database}"

    def fresh_url(self, name: str) -> str:
        """A fresh schema in the bench database, as a Docket database URL."""
        schema = f"{name}_{uuid.uuid4().hex[:6]}"
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        return f"{self.url}?schema={schema}"

    @contextmanager
    def ledger(self, name: str, url: str | None = None) -> Iterator[Ledger]:
        """A ledger on a fresh schema (or on `url`'s), migrated (its subject keys' table with it) and seeded."""
        database = Database.parse(url or self.fresh_url(name))
        ledger = Ledger(env=database.library_env(), clock=system_clock)
        store = open_read_store(database)
        try:
            migrate(store)
            seed_catalog(ledger)
            yield ledger
        finally:
            store.close()
            ledger.close()


def timed(name: str, events: int, run: Callable[[], None]) -> Result:
    started, cpu, machine = time.perf_counter(), time.process_time(), machine_cpu()
    run()
    return Result(name, events, time.perf_counter() - started, time.process_time() - cpu, machine_cpu() - machine)


def count_rows(ledger: Ledger) -> int:
    recorder = ledger.recorder
    with recorder.datastore.get_connection() as conn, conn.cursor() as curs:  # type: ignore[attr-defined]
        curs.execute(sql.SQL("SELECT count(*) AS n FROM {}.{} WHERE topic LIKE %s").format(
            sql.Identifier(recorder.datastore.schema), sql.Identifier(recorder.events_table_name)),  # type: ignore[attr-defined]
            ("%Detection.Recorded",))
        row = curs.fetchone()
        assert row is not None
        return int(row["n"])


def policy_versions(ledger: Ledger) -> dict[tuple[str, str], int]:
    return {(d, k): ledger.get_policy(d, k).policy_version for d, k, _ in load_catalog()}


def ledger_bulk(bench: Bench, facts: list[DetectionFacts], size: int, profile: bool) -> list[Result]:
    """(a) Ledger.record_detections in batches, then the same batches again (a pipeline's retry), in a process whose
    collector is set as `docket serve` sets its own: what was built so far (here the bench's inputs too, some thirty
    objects a detection, which a request's inputs are not) frozen, and young collections less frequent. Otherwise
    every full collection goes through the inputs again, a quarter of the process's CPU a detection."""
    with bench.ledger("ledger") as ledger:
        heap.settle()
        def ingest() -> None:
            for batch in batches(facts, size):
                ledger.record_detections(batch, ACTOR)

        def retry() -> None:
            for batch in batches(facts, size):
                results = ledger.record_detections(batch, ACTOR)
                assert not any(r.created for r in results)

        if profile:
            from pyinstrument import Profiler

            with Profiler() as profiler:
                first = timed("ledger", len(facts), ingest)
            profiler.print(show_all=False)
        else:
            first = timed("ledger", len(facts), ingest)
        again = timed("ledger retry", len(facts), retry)
        assert count_rows(ledger) == len(facts), "the ledger recorded a different number of detections"
        return [first, again]


def over_http(bench: Bench, facts: list[DetectionFacts], size: int, clients: int) -> Result:
    """(e) recordDetections sent to `docket serve` by `clients` clients, `size` a call."""
    url = bench.fresh_url("http")
    sent = send_over_http(url, facts, size, clients)
    with psycopg.connect(url.split("?", 1)[0], autocommit=True) as connection:
        schema = url.rsplit("=", 1)[1]
        count = connection.execute(sql.SQL("SELECT count(*) FROM {}.docket_events WHERE topic LIKE %s").format(
            sql.Identifier(schema)), ("%Detection.Recorded",)).fetchone()
    assert count is not None and count[0] == len(facts), "the server recorded a different number of detections"
    if sent.retries:
        print(f"(e): {sent.retries} calls answered 503 and sent again (another application filling the server)")
    return Result("http", len(facts), sent.seconds, sent.server_cpu, sent.machine_cpu)


def library_naive(bench: Bench, facts: list[DetectionFacts]) -> Result:
    """(b) One Detection aggregate per Application.save()."""
    with bench.ledger("naive") as ledger:
        versions = policy_versions(ledger)

        def run() -> None:
            for f in facts:
                ledger.save(Detection.record(f, versions[(f.subject.domain, f.policy_key)], ACTOR, system_clock()))

        result = timed("naive", len(facts), run)
        assert count_rows(ledger) == len(facts)
        return result


def library_batched(bench: Bench, facts: list[DetectionFacts], size: int) -> Result:
    """(c) Application.save(*aggregates), `size` Detection aggregates per call, no existence checks."""
    with bench.ledger("batched") as ledger:
        versions = policy_versions(ledger)

        def run() -> None:
            for batch in batches(facts, size):
                now = system_clock()
                ledger.save(*[
                    Detection.record(f, versions[(f.subject.domain, f.policy_key)], ACTOR, now) for f in batch
                ])

        result = timed("batched", len(facts), run)
        assert count_rows(ledger) == len(facts)
        return result


def raw_copy(bench: Bench, facts: list[DetectionFacts], size: int) -> list[Result]:
    """(d) psycopg binary COPY of the mapper's own rows into a plain table shaped like the ledger's: the detections'
    rows alone, and every row the ledger writes for them (each subject's index noting it too)."""
    with bench.ledger("copy") as ledger:
        versions = policy_versions(ledger)
        now = system_clock()
        rows: list[tuple[object, ...]] = []
        ledger_rows: list[list[tuple[object, ...]]] = []
        indexes: dict[uuid.UUID, SubjectIndex] = {}
        for batch in batches(facts, size):
            detections = [Detection.record(f, versions[(f.subject.domain, f.policy_key)], ACTOR, now) for f in batch]
            noted = {}
            for f in batch:
                index_id = SubjectIndex.create_id(f.subject)
                noted[index_id] = indexes[index_id] = note_detection(indexes.get(index_id), None, f, ACTOR, now)
            events = [e for aggregate in [*noted.values(), *detections] for e in aggregate.collect_events()]
            stored = [ledger.mapper.to_stored_event(e) for e in events]
            ledger_rows.append([(s.originator_id, s.originator_version, s.topic, s.state) for s in stored])
            recorded = [s.topic.endswith("Detection.Recorded") for s in stored]
            rows += [row for row, is_detection in zip(ledger_rows[-1], recorded, strict=True) if is_detection]
        schema = ledger.recorder.datastore.schema  # type: ignore[attr-defined]

    def create(connection: psycopg.Connection, table: str) -> None:
        connection.execute(sql.SQL(
            "CREATE TABLE {s}.{t} (originator_id uuid NOT NULL, originator_version bigint NOT NULL, topic text, "
            "state bytea, notification_id bigserial, PRIMARY KEY (originator_id, originator_version))"
        ).format(s=sql.Identifier(schema), t=sql.Identifier(table)))
        connection.execute(sql.SQL("CREATE UNIQUE INDEX ON {s}.{t} (notification_id ASC)").format(
            s=sql.Identifier(schema), t=sql.Identifier(table)))

    def copy(connection: psycopg.Connection, table: str, chunk: Sequence[tuple[object, ...]]) -> None:
        with connection.transaction(), connection.cursor() as curs:
            statement = sql.SQL(
                "COPY {s}.{t} (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)"
            ).format(s=sql.Identifier(schema), t=sql.Identifier(table))
            with curs.copy(statement) as copying:
                copying.set_types(["uuid", "int8", "text", "bytea"])
                for row in chunk:
                    copying.write_row(row)

    results = []
    with psycopg.connect(bench.url, autocommit=True) as connection:
        create(connection, "copy_batched")
        create(connection, "copy_one_txn")
        create(connection, "copy_ledger_rows")

        def copy_in_chunks() -> None:
            for i in range(0, len(rows), size):
                copy(connection, "copy_batched", rows[i:i + size])

        results.append(timed("copy", len(rows), copy_in_chunks))
        results.append(timed("copy one txn", len(rows), lambda: copy(connection, "copy_one_txn", rows)))

        def copy_ledger_rows() -> None:
            for chunk in ledger_rows:
                copy(connection, "copy_ledger_rows", chunk)

        results.append(timed("copy ledger rows", len(facts), copy_ledger_rows))
        for table, expected in (
            ("copy_batched", len(rows)), ("copy_one_txn", len(rows)), ("copy_ledger_rows", sum(map(len, ledger_rows)))
        ):
            count = connection.execute(sql.SQL("SELECT count(*) FROM {}.{}").format(
                sql.Identifier(schema), sql.Identifier(table))).fetchone()
            assert count is not None and count[0] == expected
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000, help="detections per scenario (default 20000)")
    parser.add_argument("--batch", type=int, default=1000, help="detections per call or transaction (default 1000)")
    parser.add_argument("--naive-events", type=int, default=None, help="detections for the naive path (default N/10)")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL, help="a PostgreSQL URL allowed to CREATE DATABASE")
    parser.add_argument("--clients", type=int, default=2, help="clients sending recordDetections (default 2)")
    parser.add_argument("--only-ledger", action="store_true", help="run scenarios (a), (e) and (d) alone")
    parser.add_argument("--profile", action="store_true", help="profile scenario (a) with pyinstrument")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    run = uuid.uuid4().hex[:8]
    facts = make_facts(args.events, args.seed, run)
    naive_count = args.naive_events if args.naive_events is not None else max(1, args.events // 10)
    database = f"bench_{run}"
    with own_database(args.admin_url, database) as (_, version):
        bench = Bench(args.admin_url, database)
        print(f"bench.ingest: N={args.events} detections, batches of {args.batch}, PostgreSQL {version}, "
              f"database {database}, load average {os.getloadavg()[0]:.2f}", flush=True)
        results = {r.name: r for r in ledger_bulk(bench, facts, args.batch, args.profile)}
        results["http"] = over_http(bench, make_facts(args.events, args.seed, run + "h"), args.batch, args.clients)
        if not args.only_ledger:
            results["naive"] = library_naive(bench, make_facts(naive_count, args.seed + 1, run + "n"))
            results["batched"] = library_batched(bench, facts, args.batch)
        results.update((r.name, r) for r in raw_copy(bench, facts, args.batch))

    labels = {
        "ledger": f"(a) ledger.record_detections, {args.batch}/call",
        "ledger retry": "    same batches again (all already recorded)",
        "http": f"(e) recordDetections over HTTP, {args.batch}/call, {args.clients} clients",
        "naive": "(b) library: one aggregate per save()",
        "batched": f"(c) library: save(*{args.batch} aggregates)",
        "copy": f"(d) raw COPY, {args.batch} rows per transaction",
        "copy one txn": "    raw COPY, all rows in one transaction",
        "copy ledger rows": "    raw COPY of every row the ledger writes (indexes too)",
    }
    print()
    print(f"{'scenario':<58} {'events':>7} {'seconds':>8} {'events/s':>10} {'CPU us/event':>13} "
          f"{'machine CPU us/event':>21}")
    for name, label in labels.items():
        if name in results:
            r = results[name]
            cpu, machine = r.cpu_seconds / r.events * 1e6, r.machine_cpu / r.events * 1e6
            print(f"{label:<58} {r.events:>7} {r.seconds:>8.2f} {r.rate:>10,.0f} {cpu:>13,.0f} {machine:>21,.0f}")
    print("(CPU: this process's, the server's processes' for (e); machine: every CPU, PostgreSQL's included)")
    ledger_rate = results["ledger"].rate
    print()
    for name, label in (("naive", "naive"), ("batched", "library batched"), ("copy", "COPY"),
                        ("copy ledger rows", "COPY of its rows")):
        if name in results:
            print(f"ledger bulk / {label:<16} {ledger_rate / results[name].rate:6.3f}x")
    for name, label in (("copy", "COPY"), ("copy ledger rows", "COPY of its rows")):
        print(f"HTTP bulk / {label:<18} {results['http'].rate / results[name].rate:6.3f}x")
    met = "met" if ledger_rate >= DESIGN_TARGET else "not met"
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (other work on the machine skews every figure)")
    print(f"DESIGN target: >= {DESIGN_TARGET:,} events/s for bulk ingest ({met}: {ledger_rate:,.0f}/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
