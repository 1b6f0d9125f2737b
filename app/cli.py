"""The `docket` command: serve, migrate, demo and token management."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from app.auth import TokensFileError, create_token
from app.database import DatabaseUrlError
from app.ladders import LaddersFileError, load_ladders
from app.migrations import MigrationError, pending
from app.settings import Settings

DEFAULT_TOKENS_FILE = Path("docket-tokens.toml")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        settings.database  # noqa: B018 - parse the URL now, to fail before doing anything
        if settings.ladders_file is not None:
            load_ladders(settings.ladders_file)
        result: int = args.run(args, settings)
        return result
    except (DatabaseUrlError, TokensFileError, MigrationError, LaddersFileError) as error:
        print(f"docket: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="docket", description="An event-sourced enforcement ledger.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the GraphQL API at /graphql")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser("migrate", help="create or update the tables and seed the starter catalog")
    migrate.set_defaults(run=_migrate)

    demo = commands.add_parser("demo", help="load a realistic scenario across trust_safety, ads and shopping")
    demo.set_defaults(run=_demo)

    sql = commands.add_parser("sql", help="a read-only SQL shell over the read models (see migrations/README.md)")
    sql.add_argument("-c", "--command", action="append", help="run this statement and exit; repeatable")
    sql.set_defaults(run=_sql)

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


def _tokens_file(settings: Settings) -> Path:
    return settings.tokens_file or DEFAULT_TOKENS_FILE.resolve()


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from app.asgi import create_app
    from app.store import open_read_store

    database = settings.database
    if database.is_postgres:
        if settings.tokens_file is None:
            print("docket: set DOCKET_TOKENS_FILE; Docket never invents tokens for a PostgreSQL deployment",
                  file=sys.stderr)
            return 2
        store = open_read_store(database)
        try:
            waiting = pending(store)
        finally:
            store.close()
        if waiting:
            print(f"docket: {len(waiting)} migrations are not applied yet; run `docket migrate` first",
                  file=sys.stderr)
            return 2
    else:
        tokens_file = _tokens_file(settings)
        if not tokens_file.exists():
            token = create_token(tokens_file, "admin", ["admin"], ["*"])
            print(f"Created {tokens_file} with one admin principal. Its token, shown only this once:\n\n"
                  f"    {token}\n", flush=True)
        settings = Settings(**{**settings.__dict__, "tokens_file": tokens_file})
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")
    return 0


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    from app.runtime import open_runtime

    runtime = open_runtime(settings, prepare=False)
    try:
        applied = runtime.prepare()
    finally:
        runtime.close()
    for migration in applied:
        print(f"applied {migration.version:04d}_{migration.name}")
    print(f"{settings.database.engine} database is up to date")
    return 0


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from app.demo import load_demo
    from app.runtime import open_runtime

    runtime = open_runtime(settings, prepare=not settings.database.is_postgres)
    try:
        summary = load_demo(runtime.ledger)
        runtime.projector.catch_up()
    finally:
        runtime.close()
    print(summary)
    return 0


def _sql(args: argparse.Namespace, settings: Settings) -> int:
    from app.sql_shell import run

    return run(settings.database, args.command)


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
