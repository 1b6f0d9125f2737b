"""The `docket` command: serve, migrate, demo, project, relay, deliver, automate, rebuild, projections, erase and
token management."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from app.auth.tokens import TokensFileError, create_token
from app.cli.sql_shell import AnalystLoginError
from app.cli.stopping import ASKED, listen
from app.config.database import DatabaseUrlError
from app.config.ladders import LaddersFileError, load_ladders
from app.config.settings import Settings
from app.read.migrations import MigrationError, pending

DEFAULT_TOKENS_FILE = Path("docket-tokens.toml")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.run in WORKERS:
        listen()
    try:
        settings = Settings.from_env()
        settings.database  # noqa: B018 - parse the URL now, to fail before doing anything
        if settings.ladders_file is not None:
            load_ladders(settings.ladders_file)
        result: int = args.run(args, settings)
        return result
    except (DatabaseUrlError, TokensFileError, MigrationError, LaddersFileError, AnalystLoginError) as error:
        print(f"docket: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="docket", description="An event-sourced enforcement ledger.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the GraphQL API at /graphql")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=_positive, default=os.cpu_count() or 1, metavar="N",
                       help="serve from N processes on the one port (default: one per CPU, here %(default)s)")
    serve.add_argument("--access-log", action="store_true",
                       help="log a line for every request (off by default: it costs a busy server CPU)")
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser("migrate", help="create or update the tables and seed the starter catalog")
    migrate.set_defaults(run=_migrate)

    demo = commands.add_parser(
        "demo", help="load a realistic scenario across trust_safety, ads, shopping and monetization"
    )
    demo.add_argument(
        "--automation", action="store_true",
        help="then an automation rule against the bundled test model server: SHADOW, eval, AUTO, and the breaker "
        "demoting it once mistakes are injected (offline, about a minute)",
    )
    demo.set_defaults(run=_demo)

    sql = commands.add_parser("sql", help="a read-only SQL shell over the read models (see migrations/README.md)")
    sql.add_argument("-c", "--command", action="append", help="run this statement and exit; repeatable")
    sql.set_defaults(run=_sql)

    verify = commands.add_parser(
        "verify", help="check every stored event against the ledger chain and its signed checkpoints"
    )
    verify.add_argument("--checkpoint", action="store_true",
                        help="when clean, chain the newest events and sign a checkpoint at the head")
    verify.add_argument("--expect", metavar="POSITION:CHAIN_HASH",
                        help="a checkpoint seen before, which must still be there (catches a cut-back chain)")
    verify.set_defaults(run=_verify)

    project = commands.add_parser(
        "project", help="keep the read models up to date as a worker of its own, until SIGTERM or SIGINT"
    )
    project.add_argument("--poll-interval", type=float, default=1.0, metavar="SECONDS",
                         help="poll at least this often, NOTIFY or not (default 1)")
    project.set_defaults(run=_project)

    relay = commands.add_parser(
        "relay", help="publish every ledger event to NATS JetStream (DOCKET_NATS_URL), each once and in ledger order, "
        "until SIGTERM or SIGINT"
    )
    relay.add_argument("--metrics-port", type=_positive, metavar="PORT",
                       help="serve the relay's Prometheus metrics at http://HOST:PORT/metrics (default: none)")
    relay.add_argument("--metrics-host", default="127.0.0.1", metavar="HOST")
    relay.set_defaults(run=_relay)

    deliver = commands.add_parser(
        "deliver", help="send every webhook the events its filter selects, signed, retried and logged, until SIGTERM "
        "or SIGINT"
    )
    deliver.set_defaults(run=_deliver)

    automate = commands.add_parser(
        "automate", help="run the policy's active automation rules on the content pipelines' detections carry "
        "(modelContent), as autoAction does, until SIGTERM or SIGINT"
    )
    automate.add_argument("--concurrency", type=_positive, default=8, metavar="N",
                          help="detections whose rules run at once (default 8)")
    automate.add_argument("--processes", type=_positive, default=1, metavar="N",
                          help="processes the detections are shared among, each with its own model clients: litellm "
                          "spends milliseconds of CPU on each model call (default 1: this one)")
    automate.set_defaults(run=_automate)

    rebuild = commands.add_parser(
        "rebuild", help="rebuild read models from zero beside the live ones, then swap them in at once"
    )
    rebuild.add_argument("--projection", action="append", metavar="NAME",
                         help="the read model to rebuild; repeatable; default: every one")
    rebuild.add_argument("--batch", type=_positive, default=5000, help="events per transaction (default 5000)")
    rebuild.add_argument("--processes", type=_positive, metavar="N",
                         help="build in N processes at once (default: 2 with two CPUs or more on a ledger of "
                              "20,000 events or more, else 1)")
    rebuild.add_argument("--workdir", type=Path,
                         help="where the build file goes (default: beside a SQLite database, else the temp directory)")
    rebuild.set_defaults(run=_rebuild)

    projections = commands.add_parser(
        "projections", help="list the read models: position, lag, and the event a stopped one cannot apply"
    )
    projections.set_defaults(run=_projections)
    steering = projections.add_subparsers(metavar="ACTION")
    retry = steering.add_parser("retry", help="try a stopped read model's event again now, once its cause is fixed")
    retry.add_argument("name", metavar="NAME")
    retry.set_defaults(run=_retry_projection)
    skip = steering.add_parser(
        "skip", help="move a stopped read model past the event it cannot apply, recording why in the ledger"
    )
    skip.add_argument("name", metavar="NAME")
    skip.add_argument("--position", type=_positive, required=True, help="the position it stopped at")
    skip.add_argument("--reason", required=True, help="why it may skip that event, for the record")
    skip.add_argument("--actor", help="who skips it, for the record (default: operator:<login name>)")
    skip.set_defaults(run=_skip_event)

    evaluation = commands.add_parser(
        "eval", help="run an automation rule on a golden set (JSONL) and record precision, recall, kappa and more"
    )
    evaluation.add_argument("--rule", required=True, help="the rule's id (automationRules { id })")
    evaluation.add_argument("--golden", type=Path, required=True, help="the golden set, JSON Lines")
    evaluation.add_argument("--concurrency", type=_positive, default=8, help="model calls at once (default 8)")
    evaluation.add_argument("--items", action="store_true", help="print each item's verdict too")
    evaluation.add_argument("--actor", help="who evaluates, for the record (default: operator:<login name>)")
    evaluation.set_defaults(run=_eval)

    export_sor = commands.add_parser(
        "export-sor", help="write a period's DSA statements of reasons as the Transparency Database's batch bodies "
        "(at most 100 each) and one JSONL file"
    )
    _period_arguments(export_sor, "decided")
    export_sor.add_argument("--out", type=Path, required=True, metavar="DIR", help="the directory to write into")
    export_sor.set_defaults(run=_export_sor)

    submit_sor = commands.add_parser(
        "submit-sor", help="send the DSA Transparency Database the statements of reasons it does not have yet "
        "(DOCKET_DSA_ENDPOINT, the token in DOCKET_DSA_TOKEN), keeping each one's state in the ledger"
    )
    submit_sor.add_argument("--from", dest="start", metavar="WHEN", help="decided at or after (default: any time)")
    submit_sor.add_argument("--to", dest="end", metavar="WHEN", help="decided before (default: any time)")
    submit_sor.add_argument("--domain", help="only this domain's statements")
    submit_sor.add_argument("--retry-rejected", action="store_true",
                            help="send statements the database refused once again")
    submit_sor.add_argument("--endpoint", metavar="URL", help="the API to send to (default: DOCKET_DSA_ENDPOINT)")
    submit_sor.add_argument("--follow", action="store_true",
                            help="keep going: send what is new every --every seconds until SIGTERM or SIGINT")
    submit_sor.add_argument("--every", type=float, default=60.0, metavar="SECONDS",
                            help="seconds between looks with --follow (default 60)")
    submit_sor.set_defaults(run=_submit_sor)

    erase = commands.add_parser(
        "erase", help="erase an account's personal data: delete its key (crypto-shredding) and record the request"
    )
    erase.add_argument("--account", required=True, help="the account whose personal data to erase")
    erase.add_argument("--reason", required=True, help="the request, for the record (e.g. 'GDPR Art. 17, ticket 42')")
    erase.add_argument("--actor", help="who erases, for the record (default: operator:<login name>)")
    erase.set_defaults(run=_erase)

    report = commands.add_parser(
        "report", help="print a period's DSA transparency report: CSV in the layout of the harmonised template's "
        "sections, or JSON"
    )
    _period_arguments(report, "happened")
    report.add_argument("--domain", help="one domain (default: every domain)")
    report.add_argument("--format", choices=("csv", "json"), default="csv")
    report.set_defaults(run=_report)

    export = commands.add_parser("export-schema", help="print the GraphQL schema (SDL), or write it to a file")
    export.add_argument("--output", type=Path)
    export.set_defaults(run=_export_schema)

    token = commands.add_parser("token", help="manage API tokens")
    token_commands = token.add_subparsers(required=True, metavar="ACTION")
    create = token_commands.add_parser("create", help="add a principal and print its new token once")
    create.add_argument("--principal", required=True)
    create.add_argument("--role", action="append", required=True, help="repeat for several roles")
    create.add_argument("--domain", action="append", default=[], help="repeat for several; default: every domain")
    create.set_defaults(run=_create_token)
    return parser


def _check_migrated(settings: Settings) -> None:
    """On PostgreSQL, refuses to go on before `docket migrate` has applied every migration and indexed what an older
    ledger holds (SQLite migrates itself on start)."""
    from app.config.clock import system_clock
    from app.read.store import open_read_store
    from app.write.index_backfill import backfilled
    from app.write.ledger import open_ledger

    if not settings.database.is_postgres:
        return
    store = open_read_store(settings.database)
    try:
        waiting = pending(store)
    finally:
        store.close()
    if waiting:
        raise MigrationError(f"{len(waiting)} migrations are not applied yet; run `docket migrate` first")
    ledger = open_ledger(settings, system_clock)
    try:
        if not backfilled(ledger):
            raise MigrationError("the write-side indexes of this ledger are not built yet; run `docket migrate` first")
    finally:
        ledger.close()


def _tokens_file(settings: Settings) -> Path:
    return settings.tokens_file or DEFAULT_TOKENS_FILE.resolve()


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from app.cli.workers import TooFewConnections, plan_connections, server_limits
    from app.runtime.wiring import open_runtime

    # Each worker reads its settings from the environment (`serve_app`): what is chosen here is passed on there.
    database = settings.database
    if database.is_postgres:
        if settings.tokens_file is None:
            print("docket: set DOCKET_TOKENS_FILE; Docket never invents tokens for a PostgreSQL deployment",
                  file=sys.stderr)
            return 2
        _check_migrated(settings)
        try:
            plan = plan_connections(args.workers, *server_limits(database), wanted=settings.database_connections)
        except TooFewConnections as error:
            print(f"docket: {error}", file=sys.stderr)
            return 2
        os.environ["DOCKET_DATABASE_CONNECTIONS"] = str(plan.pooled)
        print(f"docket serve: {plan}", flush=True)
    else:
        tokens_file = _tokens_file(settings)
        if not tokens_file.exists():
            token = create_token(tokens_file, "admin", ["admin"], ["*"])
            print(f"Created {tokens_file} with one admin principal. Its token, shown only this once:\n\n"
                  f"    {token}\n", flush=True)
        os.environ["DOCKET_TOKENS_FILE"] = str(tokens_file)
        # Migrate and seed the starter catalog once, before the workers: starting at once, they would race to.
        open_runtime(settings, prepare=True).close()
        print(f"docket serve: {args.workers} workers on {database.sqlite_path}", flush=True)
    # The app refuses a WebSocket message over the limit too, but only once the server has read it all. Messages go
    # uncompressed: permessage-deflate cost ~150 us of CPU a `ledgerEvents` message (a fifth of a subscriber's event)
    # and a zlib context a connection, for small JSON on what is mostly a local network.
    uvicorn.run(
        "app.http.asgi:serve_app", factory=True, workers=args.workers, host=args.host, port=args.port,
        log_level="info", access_log=args.access_log, ws_max_size=settings.max_body_bytes,
        ws_per_message_deflate=False,
    )
    return 0


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    from app.runtime.wiring import open_runtime

    runtime = open_runtime(settings, prepare=False)
    try:
        prepared = runtime.prepare()
    finally:
        runtime.close()
    for migration in prepared.applied:
        print(f"applied {migration.version:04d}_{migration.name}")
    if prepared.backfilled is not None:
        print(prepared.backfilled)
    print(f"{settings.database.engine} database is up to date")
    return 0


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli.demo import run_demo

    print(run_demo(settings, automation=args.automation))
    return 0


def _sql(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli.sql_shell import run

    _check_migrated(settings)
    return run(settings.database, args.command)


def _verify(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli.verify import run_verify

    return run_verify(settings, sign=args.checkpoint, expect=args.expect)


def _project(args: argparse.Namespace, settings: Settings) -> int:
    from app.read.lease import projector_lease
    from app.runtime.wiring import open_runtime
    from app.runtime.worker import ProjectionWorker

    _check_migrated(settings)
    import faulthandler

    faulthandler.enable()  # a stuck worker killed with SIGABRT says where it was
    runtime = open_runtime(settings, prepare=not settings.database.is_postgres)
    try:
        lease = projector_lease(settings.database)
        ProjectionWorker(runtime, poll_interval=args.poll_interval, lease=lease).run(ASKED)
    finally:
        runtime.close()
    return 0


def _relay(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli.relay import run_relay

    return run_relay(settings, args.metrics_host, args.metrics_port)


def _deliver(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli.deliver import run_deliver

    return run_deliver(settings)


def _automate(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli.automate import run_automate

    return run_automate(settings, args.concurrency, args.processes)


WORKERS = (_project, _relay, _deliver, _automate)
"""The commands that run until stopped by a signal, heard from their first moment (see app.cli.stopping)."""


def _positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {number}")
    return number


def _rebuild(args: argparse.Namespace, settings: Settings) -> int:
    import sqlite3

    import psycopg

    from app.read.progress import Progress
    from app.read.projector import EventNotApplied
    from app.read.rebuild.plan import RebuildError, UnknownProjection, choose
    from app.read.rebuild.run import rebuild
    from app.runtime.wiring import open_runtime

    runtime = open_runtime(settings, prepare=False)
    try:
        try:
            choose(runtime.projector.projections, args.projection)
        except UnknownProjection as error:
            print(f"docket: {error}", file=sys.stderr)
            return 2
        try:
            report = rebuild(runtime, args.projection, batch=args.batch, workdir=args.workdir, progress=Progress(),
                             processes=args.processes)
        except (RebuildError, EventNotApplied, psycopg.Error, sqlite3.Error) as error:
            print(f"docket: rebuild failed: {error}; the live read models are unchanged", file=sys.stderr)
            return 1
    finally:
        runtime.close()
    rate = report.built_to / report.build_seconds if report.build_seconds else 0.0
    print(f"rebuilt {', '.join(report.names)} from zero and swapped them in at position {report.position}: "
          f"{report.rows:,} rows; built {report.built_to:,} events in {report.build_seconds:.1f}s ({rate:,.0f}/s), "
          f"published in {report.publish_seconds:.1f}s")
    return 0


def _projections(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli.projections import run_list

    return run_list(settings)


def _retry_projection(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli.projections import run_retry

    return run_retry(settings, args.name)


def _skip_event(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli.projections import run_skip

    return run_skip(settings, args.name, args.position, args.reason, args.actor or f"operator:{getpass.getuser()}")


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli.evaluate import run_eval

    actor = args.actor or f"operator:{getpass.getuser()}"
    return run_eval(settings, args.rule, args.golden, actor, args.concurrency, args.items)


def _period_arguments(parser: argparse.ArgumentParser, verb: str) -> None:
    parser.add_argument("--from", dest="start", required=True, metavar="WHEN",
                        help=f"{verb} at or after (ISO 8601 date or time; UTC unless it says)")
    parser.add_argument("--to", dest="end", required=True, metavar="WHEN", help=f"{verb} before")


def _export_sor(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli.statements import run_export

    period = _period(args)
    return 2 if period is None else run_export(settings, *period, args.out)


def _report(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli.report import run_report
    from projections.transparency.rows import Period

    period = _period(args)
    if period is None:
        return 2
    return run_report(settings, Period(*period, None if args.domain is None else (args.domain,)), args.format)


def _period(args: argparse.Namespace) -> tuple[datetime, datetime] | None:
    """`--from` and `--to` as times; None, said on stderr, when one is not a time."""
    from app.cli.statements import ExportRefused, parse_moment

    try:
        return parse_moment(args.start), parse_moment(args.end)
    except ExportRefused as error:
        print(f"docket: {error}", file=sys.stderr)
        return None


def _submit_sor(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli.statements import ExportRefused, parse_moment
    from app.cli.submit_sor import run_follow, run_submit

    if args.follow:
        if args.start or args.end:
            print("docket: --follow sends every statement as it comes; it takes no --from or --to", file=sys.stderr)
            return 2
        return run_follow(settings, args.domain, args.retry_rejected, args.every, args.endpoint)
    try:
        start = None if args.start is None else parse_moment(args.start)
        end = None if args.end is None else parse_moment(args.end)
    except ExportRefused as error:
        print(f"docket: {error}", file=sys.stderr)
        return 2
    return run_submit(settings, start, end, args.domain, args.retry_rejected, args.endpoint)


def _erase(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli.erase import run_erase

    return run_erase(settings, args.account, args.reason, args.actor or f"operator:{getpass.getuser()}")


def _export_schema(args: argparse.Namespace, settings: Settings) -> int:
    from app.graphql.schema import sdl

    if args.output is None:
        print(sdl(), end="")
    else:
        args.output.write_text(sdl())
    return 0


def _create_token(args: argparse.Namespace, settings: Settings) -> int:
    path = _tokens_file(settings)
    token = create_token(path, args.principal, args.role, args.domain)
    print(f"Added {args.principal} to {path}. Its token, shown only this once:", file=sys.stderr)
    print(token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
