"""Reviewing: the queues, claiming the next case, the case screen and every decision a reviewer takes on it."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from app.http.console import operations as op
from app.http.console.console import Console, at, redirect
from app.http.console.gateway import Refused
from app.http.console.outlook import outlook
from app.http.console.sessions import Session


async def home(console: Console, request: Request, session: Session) -> Response:
    data = await console.run(request, session, op.HOME, at=at(request))
    figures = {f["name"]: f for f in data["queueFigures"]}
    queues = [{**q, **figures.get(q["name"], {"backlog": 0, "oldestWaitingSeconds": None})} for q in data["queues"]]
    appeals = await console.run(request, session, op.APPEAL_COUNT)
    return console.render(
        request, "home.html", session, queues=queues, pending_appeals=len(appeals["appeals"]["edges"])
    )


async def queue(console: Console, request: Request, session: Session) -> Response:
    name = request.path_params["name"]
    data = await console.run(request, session, op.QUEUE, name=name, first=100, at=at(request))
    if data["queue"] is None:
        raise Refused(f"there is no queue {name!r} you may see")
    return console.render(request, "queue.html", session, queue=data["queue"], entries=data["queueEntries"])


async def claim(console: Console, request: Request, session: Session) -> Response:
    """Claims from the page the reviewer was on: as of the write that page showed (a release, say) at least."""
    form = await request.form()
    name, position = request.path_params["name"], str(form.get("at") or "")
    return await _claim_next(console, request, session, name, notice="", position=position)


async def case(console: Console, request: Request, session: Session) -> Response:
    subject = _subject(request.query_params)
    data = await console.run(request, session, op.CASE, subject=subject, at=at(request))
    found = data["case"]
    if found is None:
        raise Refused("there is no such case, or it is in a domain you do not see")
    policies = (await console.run(request, session, op.POLICIES, domain=subject["domain"]))["policies"]
    account = None
    if found["accountId"]:
        account = (await console.run(request, session, op.ACCOUNT, id=found["accountId"], asOf=None,
                                     at=at(request)))["account"]
    in_force = {p["key"]: p for p in policies}
    judged = _judged_policies(found, in_force)
    ladder = request.app.state.runtime.ledger.ladders(subject["domain"])
    points_now = next((s["strikePoints"] for s in (account or {}).get("standings", [])
                       if s["domain"] == subject["domain"]), 0)
    outlooks = {key: outlook(ladder, in_force[key], points_now) for key in judged}
    return console.render(
        request, "case.html", session, case=found, subject=subject, policies=[in_force[k] for k in judged],
        outlooks=outlooks, account=account, queues=[q for q in data["queues"] if q["domain"] == subject["domain"]],
        idempotency_key=secrets.token_urlsafe(16), now=console.now(),
    )


async def decide(console: Console, request: Request, session: Session) -> Response:
    form = await request.form()
    subject = _subject(form)
    outcome, policy, rationale = str(form.get("outcome")), str(form.get("policy")), str(form.get("rationale", ""))
    key = str(form.get("idempotency_key") or "") or None
    if outcome == "NOT_VIOLATING":
        written = await console.write(request, session, op.DISMISS, input={
            "subject": subject, "policy": policy, "rationale": rationale, "idempotencyKey": key,
        })
    else:
        territories = str(form.get("territories", "")).replace(",", " ").upper().split()
        actions = [{"type": str(a), "territories": territories} for a in form.getlist("actions")]
        written = await console.write(request, session, op.DECIDE, input={
            "subject": subject, "policy": policy, "outcome": "VIOLATING", "actions": actions,
            "rationale": rationale, "idempotencyKey": key,
        })
    done = f"Decided {subject['kind']} {subject['id']}: {outcome.replace('_', ' ').lower()} under {policy}."
    return await _after(console, request, session, form, done, written["position"])


async def escalate(console: Console, request: Request, session: Session) -> Response:
    form = await request.form()
    subject = _subject(form)
    written = await console.write(request, session, op.ESCALATE, input={
        "subject": subject, "policy": str(form.get("policy")), "queue": str(form.get("to")),
        "note": str(form.get("note", "")),
    })
    return await _after(console, request, session, form, f"Escalated to {form.get('to')}.", written["position"])


async def note(console: Console, request: Request, session: Session) -> Response:
    form = await request.form()
    subject = _subject(form)
    written = await console.write(request, session, op.NOTE, input={
        "subject": subject, "policy": str(form.get("policy") or "") or None, "note": str(form.get("note", "")),
    })
    return redirect("/case", **subject, notice="Note added.", at=written["position"])


async def skip(console: Console, request: Request, session: Session) -> Response:
    form = await request.form()
    written = await console.write(request, session, op.SKIP, subject=_subject(form))
    done = "Skipped: the queue will not hand you this case again."
    return await _after(console, request, session, form, done, written["position"])


async def release(console: Console, request: Request, session: Session) -> Response:
    form = await request.form()
    written = await console.write(request, session, op.RELEASE, subject=_subject(form))
    notice = "Released: the case is back in the queue."
    return redirect(f"/queues/{form.get('queue')}", notice=notice, at=written["position"])


async def renew(console: Console, request: Request, session: Session) -> Response:
    """htmx: extends the lease while the page has focus; answers the countdown's new end."""
    form = await request.form()
    claim = await console.write(request, session, op.RENEW, subject=_subject(form))
    return console.render(request, "lease.html", session, expires=claim["expiresAt"])


async def reverse(console: Console, request: Request, session: Session) -> Response:
    form = await request.form()
    written = await console.write(request, session, op.REVERSE, input={
        "decisionId": str(form.get("decision")), "rationale": str(form.get("rationale", "")),
    })
    notice = "Decision reversed: its actions undone, its strike removed."
    return redirect("/case", **_subject(form), notice=notice, at=written["position"])


async def _after(
    console: Console, request: Request, session: Session, form: FormData, done: str, position: str
) -> Response:
    """Submit-and-next: the queue's next case when the form asks for it, else the queue; the page shown reads what
    was just written."""
    queue_name = str(form.get("queue") or "")
    if form.get("next") and queue_name:
        return await _claim_next(console, request, session, queue_name, notice=done, position=position)
    if queue_name:
        return redirect(f"/queues/{queue_name}", notice=done, at=position)
    return redirect("/", notice=done, at=position)


async def _claim_next(
    console: Console, request: Request, session: Session, name: str, notice: str, position: str
) -> Response:
    if position:
        await console.run(request, session, op.SETTLE, at=position)  # so a case just skipped is not handed back
    claimed = await console.write(request, session, op.CLAIM_NEXT, queue=name)
    if not claimed:
        told = " ".join(filter(None, [notice, "Nothing left to claim here."]))
        return redirect(f"/queues/{name}", notice=told, **({"at": position} if position else {}))
    subject = claimed["claim"]["subject"]
    return redirect("/case", **subject, queue=name, at=claimed["position"], **({"notice": notice} if notice else {}))


def _subject(values: Any) -> dict[str, str]:
    subject = {k: str(values.get(k) or "") for k in ("domain", "kind", "id")}
    if not all(subject.values()):
        raise Refused("name the case by its domain, kind and id")
    return subject


def _judged_policies(case: dict[str, Any], in_force: dict[str, Any]) -> list[str]:
    """The policies the case is up for, waiting work first (the claim's policy leading), each once."""
    keys = [case["claim"]["policy"]] if case["claim"] else []
    keys += [w["policy"] for w in case["waiting"]] + [d["policy"] for d in case["detections"]]
    keys += [r["policy"] for r in case["reports"]]
    return [k for k in dict.fromkeys(keys) if k in in_force]
