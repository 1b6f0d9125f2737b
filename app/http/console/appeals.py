"""Appeals and corrections: the appeal queue with the original decision beside the statement, uphold or overturn."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from app.http.console import operations as op
from app.http.console.console import Console, at, redirect
from app.http.console.sessions import Session


async def appeals(console: Console, request: Request, session: Session) -> Response:
    found = await console.run(request, session, op.PENDING_APPEALS, at=at(request))
    pending = [e["node"] for e in found["appeals"]["edges"]]
    decisions = {}
    if pending:
        # One operation for every original decision, each under an alias.
        ids = {f"d{i}": a["decisionId"] for i, a in enumerate(pending)}
        fields = " ".join(f"{alias}: decision(id: ${alias}) {{ ...D }}" for alias in ids)
        params = ", ".join(f"${alias}: ID!" for alias in ids)
        document = f"query Originals({params}) {{ {fields} }} fragment D on Decision {op.DECISION_FIELDS}"
        originals = await console.run(request, session, document, **ids)
        decisions = {ids[alias]: d for alias, d in originals.items() if d}
    return console.render(request, "appeals.html", session, appeals=pending, decisions=decisions)


async def resolve(console: Console, request: Request, session: Session) -> Response:
    form = await request.form()
    outcome = str(form.get("outcome"))
    written = await console.write(request, session, op.RESOLVE_APPEAL, input={
        "appealId": str(form.get("appeal")), "outcome": outcome, "rationale": str(form.get("rationale", "")),
    })
    done = "Appeal upheld: the decision stands." if outcome == "UPHOLD" else \
        "Appeal overturned: actions reversed, strike removed, penalties that no longer follow lifted."
    return redirect("/appeals", notice=done, at=written["position"])
