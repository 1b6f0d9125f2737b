"""`docket submit-sor`: sends the statements of reasons the DSA Transparency Database does not have yet."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import httpx

from app.cli.projections import migrated_runtime
from app.cli.service import run_service
from app.compliance.database import TransparencyDatabase
from app.compliance.pace import Backoff, RateLimit
from app.compliance.submitter import Submitter, Tally
from app.config.settings import Settings
from app.runtime.health import health
from app.runtime.recovery import RecoveryRefused
from app.runtime.wiring import Runtime
from projections.statements_of_reasons.queries import StatementQuery


class SubmitRefused(ValueError):
    """The submission cannot start as configured; nothing was sent."""


@dataclass(frozen=True)
class Target:
    endpoint: str
    token: str


def target_of(settings: Settings, endpoint: str | None) -> Target:
    """Where to send, and the token, from the settings (or `--endpoint`) and the environment."""
    url = endpoint or settings.dsa_endpoint
    if not url:
        raise SubmitRefused("no endpoint: set DOCKET_DSA_ENDPOINT (e.g. https://transparency.dsa.ec.europa.eu/api/v1)"
                            " or pass --endpoint")
    if not url.startswith(("https://", "http://")):
        raise SubmitRefused(f"the endpoint {url!r} is no http(s) URL")
    token = os.environ.get(settings.dsa_token_env, "")
    if not token:
        raise SubmitRefused(f"no bearer token: set {settings.dsa_token_env} (DOCKET_DSA_TOKEN_ENV names another "
                            "variable)")
    if not settings.dsa_rate > 0:
        raise SubmitRefused(f"DOCKET_DSA_RATE must be above 0, not {settings.dsa_rate:g}")
    if settings.dsa_attempts < 1 or settings.dsa_backoff < 0:
        raise SubmitRefused("DOCKET_DSA_ATTEMPTS must be 1 or more and DOCKET_DSA_BACKOFF not below 0")
    return Target(url, token)


def run_submit(
    settings: Settings, start: datetime | None, end: datetime | None, domain: str | None, retry_rejected: bool,
    endpoint: str | None = None,
) -> int:
    """0 when every statement selected is in the database; 1 when some were refused, left out or not sent (the
    endpoint stayed down); 2 when nothing could be sent."""
    try:
        target = target_of(settings, endpoint)
        if start is not None and end is not None and end < start:
            raise SubmitRefused(f"--to ({end.isoformat()}) must not be before --from ({start.isoformat()})")
        with migrated_runtime(settings) as runtime, submitter(runtime, target, retry_rejected) as sending:
            behind = _behind(runtime)
            tally = sending.run(_query(start, end, domain))
    except (SubmitRefused, RecoveryRefused) as error:
        print(f"docket: {error}", file=sys.stderr)
        return 2
    _print(tally, behind)
    return 0 if tally.stopped is None and not (tally.rejected or tally.invalid or tally.failed) else 1


def run_follow(settings: Settings, domain: str | None, retry_rejected: bool, every: float,
               endpoint: str | None = None) -> int:
    """Submits what is new every `every` seconds until SIGTERM or SIGINT; an endpoint that is down is tried again."""
    try:
        target = target_of(settings, endpoint)
    except SubmitRefused as error:
        print(f"docket: {error}", file=sys.stderr)
        return 2

    async def follow(runtime: Runtime, stop: asyncio.Event) -> None:
        with submitter(runtime, target, retry_rejected) as sending:
            while not stop.is_set():
                tally = await asyncio.to_thread(sending.run, _query(None, None, domain))
                if tally.requests or tally.notes or tally.stopped:
                    _print(tally, 0)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), every)

    return run_service(settings, "submit-sor", follow)


@contextmanager
def submitter(runtime: Runtime, target: Target, retry_rejected: bool) -> Iterator[Submitter]:
    settings = runtime.settings
    with httpx.Client(timeout=settings.dsa_timeout, trust_env=False) as client:
        database = TransparencyDatabase(client, target.endpoint, target.token)
        backoff = Backoff(first=settings.dsa_backoff, attempts=settings.dsa_attempts)
        yield Submitter(runtime, database, RateLimit(settings.dsa_rate), backoff, retry_rejected)


def _query(start: datetime | None, end: datetime | None, domain: str | None) -> StatementQuery:
    return StatementQuery(start, end, None if domain is None else [domain])


def _behind(runtime: Runtime) -> int:
    return max((p.lag for p in health(runtime).projections if p.name == "statements_of_reasons"), default=0)


def _print(tally: Tally, behind: int) -> None:
    for note in tally.notes:
        print(f"docket: {note}", file=sys.stderr)
    print(f"submitted {tally.submitted} statements of reasons ({tally.found_stored} more were in the database "
          f"already); {tally.rejected} refused, {tally.invalid} left out as invalid, {tally.failed} not stored; "
          f"{tally.requests} requests")
    if tally.stopped is not None:
        print(f"docket: stopped: {tally.stopped}; nothing is lost: run it again to send the rest", file=sys.stderr)
    if behind:
        print(f"docket: the statements read model was {behind} events behind the ledger; what it did not hold yet is "
              "sent next time", file=sys.stderr)
