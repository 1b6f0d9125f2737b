"""Leads and auditors: operations figures, an account's history, the ledger's events, integrity and automation."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from app.http.console import operations as op
from app.http.console.charts import bars, step_line
from app.http.console.console import Console
from app.http.console.gateway import Refused
from app.http.console.sessions import Session
from domain.levels import StandingLevel
from projections.audit_trail.projection import event_type_names

STANDING_SAMPLES = 16
TREND_DAYS = 14


async def figures(console: Console, request: Request, session: Session) -> Response:
    window = _number(request.query_params.get("window"), 24.0)
    data = await console.run(request, session, op.FIGURES, window=window)
    queues, reviewers = data["queueFigures"], data["reviewerFigures"]
    charts = {
        "Backlog per queue": bars([(q["name"], q["backlog"]) for q in queues]),
        "Oldest waiting per queue (minutes)": bars(
            [(q["name"], _minutes(q["oldestWaitingSeconds"])) for q in queues], " min"),
        "Handling time p50 per reviewer (s)": bars([(r["name"], r["medianHandlingSeconds"]) for r in reviewers], " s"),
        "Handling time p90 per reviewer (s)": bars([(r["name"], r["p90HandlingSeconds"]) for r in reviewers], " s"),
        "Decided per hour per reviewer": bars([(r["name"], r["decidedPerHour"]) for r in reviewers]),
    }
    trend, trend_refused = None, None
    try:
        trend = await _decisions_by_day(console, request, session)
    except Refused as refusal:
        trend_refused = str(refusal)
    return console.render(
        request, "figures.html", session, window=window, queues=queues, reviewers=reviewers, charts=charts,
        trend=trend, trend_refused=trend_refused,
    )


async def _decisions_by_day(console: Console, request: Request, session: Session) -> list[dict[str, Any]]:
    """Decisions by outcome on each of the last days, from the ledger's Case.Decided events."""
    start = (console.now() - timedelta(days=TREND_DAYS - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    data = await console.run(request, session, op.DECISION_EVENTS, **{"from": start.isoformat()})
    counts: Counter[tuple[str, str]] = Counter()
    for edge in data["events"]["edges"]:
        node = edge["node"]
        counts[(node["occurredAt"][:10], str(node["data"].get("decision", {}).get("outcome")))] += 1
    days = [(start + timedelta(days=i)).date().isoformat() for i in range(TREND_DAYS)]
    top = max(counts.values(), default=1)
    return [
        {"day": day, "violating": counts[(day, "VIOLATING")], "not_violating": counts[(day, "NOT_VIOLATING")],
         "top": top}
        for day in days
    ]


async def account(console: Console, request: Request, session: Session) -> Response:
    account_id = request.query_params.get("id", "").strip()
    if not account_id:
        return console.render(request, "account.html", session, account=None, account_id="")
    as_of = _moment(request.query_params.get("asOf"))
    data = await console.run(request, session, op.ACCOUNT, id=account_id, asOf=as_of and as_of.isoformat(), at=None)
    found = data["account"]
    if found is None:
        raise Refused(f"there is no account {account_id!r} you may see")
    trail = await console.run(request, session, op.ACCOUNT_TRAIL, id=account_id)
    chart = await _standing_over_time(console, request, session, account_id, found["firstSeenAt"], as_of)
    return console.render(
        request, "account.html", session, account=found, account_id=account_id, as_of=as_of,
        trail=[e["node"] for e in trail["auditTrail"]["edges"]], chart=chart,
    )


async def _standing_over_time(
    console: Console, request: Request, session: Session, account_id: str, first_seen: str, until: datetime | None
) -> Any:
    """The account's standing at evenly spaced moments from first seen, each read with the API's own asOf."""
    start, end = datetime.fromisoformat(first_seen), until or console.now()
    moments = [start + (end - start) * i / (STANDING_SAMPLES - 1) for i in range(STANDING_SAMPLES)]
    params = ", ".join(f"$t{i}: DateTime" for i in range(len(moments)))
    fields = " ".join(
        f"s{i}: account(id: $id, asOf: $t{i}) {{ standing {{ level strikePoints }} }}" for i in range(len(moments))
    )
    variables = {f"t{i}": m.isoformat() for i, m in enumerate(moments)}
    data = await console.run(request, session, f"query Standings($id: String!, {params}) {{ {fields} }}",
                             id=account_id, **variables)
    levels = list(StandingLevel)
    shown = "%m-%d" if end - start > timedelta(days=2) else "%H:%M"
    series = [
        (m.strftime(shown), levels.index(StandingLevel(data[f"s{i}"]["standing"]["level"])) if data[f"s{i}"] else 0)
        for i, m in enumerate(moments)
    ]
    return step_line([(label, float(value)) for label, value in series], [str(level) for level in levels])


async def events(console: Console, request: Request, session: Session) -> Response:
    params = request.query_params
    filters: dict[str, Any] = {}
    for name in ("actor", "accountId"):
        if params.get(name):
            filters[name] = params[name]
    if params.get("domain"):
        filters["domains"] = [params["domain"]]
    if params.get("type"):
        filters["eventTypes"] = [params["type"]]
    for name in ("from", "to"):
        moment = _moment(params.get(name))
        if moment is not None:
            filters[name] = moment.isoformat()
    data = await console.run(request, session, op.EVENTS, after=params.get("after") or None, filter=filters or None)
    return console.render(
        request, "events.html", session, events=data["events"], params=params, types=sorted(event_type_names()),
    )


async def integrity(console: Console, request: Request, session: Session) -> Response:
    data = await console.run(request, session, op.INTEGRITY)
    return console.render(request, "integrity.html", session, integrity=data["ledgerIntegrity"], head=data["health"])


async def automation(console: Console, request: Request, session: Session) -> Response:
    data = await console.run(request, session, op.AUTOMATION)
    return console.render(request, "automation.html", session, rules=data["automationRules"])


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60


def _number(text: str | None, default: float) -> float:
    try:
        value = float(text or default)
    except ValueError:
        return default
    return value if 0 < value <= 24 * 90 else default


def _moment(text: str | None) -> datetime | None:
    """A datetime-local picker's value (or an ISO time), read as UTC when it names no zone."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Refused(f"{text!r} is not a time (use YYYY-MM-DDTHH:MM)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
