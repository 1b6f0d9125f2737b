"""A stand-in for the DSA Transparency Database's API on loopback, for tests and the demo.

It answers as the API's contract says (see dsa-statement-of-reasons.md): a batch of 1 to 100 statements is checked
with Docket's own validator and stored all or nothing (201 with the stored statements); statements it finds wrong
fail the batch with 422 and errors keyed `statement_<index>`; a puid it has already, or one repeated in the batch,
fails it with 422, `errors.existing_puids` and the `existing` statements; a wrong bearer token gets 401. Failures are
injected in order by `ContractState.script`: `429` (with Retry-After), `500`, and `lost` (the batch is stored, then
no answer comes until the client gives up).

    python -m app.compliance.contract_server --port 8091 --token sandbox-token
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app.automation.test_server import LoopbackServer
from projections.statements_of_reasons.validation import violations

INJECTED = ("429", "500", "lost")
DUPLICATE = "The identifier given is not unique within this platform."


@dataclass
class ContractState:
    token: str = "test-token"
    script: list[str] = field(default_factory=list)
    """Failures to answer the next batches with, in order (one of INJECTED each)."""
    retry_after: int = 1
    lost_for: float = 5.0
    """Seconds a `lost` answer keeps the client waiting."""
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Every statement stored, by puid."""
    batches: list[list[str]] = field(default_factory=list)
    """The puids of every batch POSTed, answered or not."""
    lookups: list[str] = field(default_factory=list)
    """Every puid asked about."""
    refuse: dict[str, str] = field(default_factory=dict)
    """Puids whose statements it finds wrong, with what it says: as though its rules were stricter than Docket's."""
    arrivals: list[float] = field(default_factory=list)
    """When each request came (time.monotonic)."""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def sent(self) -> list[str]:
        """Every puid POSTed, as often as it was."""
        return [puid for batch in self.batches for puid in batch]


def create_app(state: ContractState) -> Starlette:
    def authorized(request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {state.token}"

    async def statements(request: Request) -> JSONResponse:
        if not authorized(request):
            return JSONResponse({"message": "Unauthenticated."}, status_code=401)
        state.arrivals.append(time.monotonic())
        body = await request.json()
        batch = body.get("statements") if isinstance(body, dict) else None
        if not isinstance(batch, list) or not 1 <= len(batch) <= 100:
            return _invalid({"statements": ["The statements field must have between 1 and 100 items."]})
        with state._lock:
            state.batches.append([str(s.get("puid")) for s in batch if isinstance(s, dict)])
            injected = state.script.pop(0) if state.script else None
        if injected == "429":
            return JSONResponse({"message": "Limit Reached. Please do not overload the API"}, status_code=429,
                                headers={"Retry-After": str(state.retry_after)})
        if injected == "500":
            return JSONResponse({"message": "Server Error"}, status_code=500)
        answer = _store(state, batch)
        if injected == "lost":
            await asyncio.sleep(state.lost_for)
        return answer

    async def existing_puid(request: Request) -> JSONResponse:
        if not authorized(request):
            return JSONResponse({"message": "Unauthenticated."}, status_code=401)
        puid = request.path_params["puid"]
        state.arrivals.append(time.monotonic())
        with state._lock:
            state.lookups.append(puid)
            found = puid in state.stored
        if found:
            return JSONResponse({"message": "statement of reason found", "puid": puid}, status_code=302)
        return JSONResponse({"message": "statement of reason not found"}, status_code=404)

    async def ping(_: Request) -> JSONResponse:
        return JSONResponse({"you_say": "ping", "i_say": "pong"})

    return Starlette(routes=[
        Route("/api/v1/statements", statements, methods=["POST"]),
        Route("/api/v1/statement/existing-puid/{puid}", existing_puid, methods=["GET"]),
        Route("/api/ping", ping, methods=["GET"]),
    ])


def _store(state: ContractState, batch: list[Any]) -> JSONResponse:
    """Stores the batch all or nothing, as the contract says."""
    errors: dict[str, Any] = {}
    for index, statement in enumerate(batch):
        wrong = violations(statement) if isinstance(statement, dict) else []
        if not isinstance(statement, dict):
            errors[f"statement_{index}"] = {"statement": ["The statement must be an object."]}
        elif wrong:
            errors[f"statement_{index}"] = {v.field: [v.message] for v in wrong}
        elif statement.get("puid") in state.refuse:
            errors[f"statement_{index}"] = {"decision_facts": [state.refuse[statement["puid"]]]}
    if errors:
        return _invalid(errors)
    with state._lock:
        puids = [s["puid"] for s in batch]
        repeated = sorted({p for p in puids if p in state.stored or puids.count(p) > 1})
        if repeated:
            return JSONResponse({
                "message": DUPLICATE, "errors": {"existing_puids": repeated},
                "existing": [state.stored[p] for p in repeated if p in state.stored],
            }, status_code=422)
        created = [_stored(len(state.stored) + n + 1, s) for n, s in enumerate(batch)]
        state.stored |= {s["puid"]: s for s in created}
    return JSONResponse({"statements": created}, status_code=201)


def _stored(number: int, statement: dict[str, Any]) -> dict[str, Any]:
    uuid = str(uuid4())
    return statement | {
        "id": number, "uuid": uuid, "created_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "platform_name": "Docket", "permalink": f"/statement/{number}", "self": f"/api/v1/statement/{uuid}",
    }


def _invalid(errors: dict[str, Any]) -> JSONResponse:
    return JSONResponse({"message": "The given data was invalid.", "errors": errors}, status_code=422)


class ContractServer(LoopbackServer):
    """The contract server on a loopback port; `endpoint` is its API, as DOCKET_DSA_ENDPOINT names it."""

    def __init__(self, state: ContractState | None = None) -> None:
        self.state = state or ContractState()
        super().__init__(create_app(self.state), "the DSA contract server")
        self.endpoint = f"http://127.0.0.1:{self.port}/api/v1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--token", default="test-token", help="the bearer token it takes")
    args = parser.parse_args()
    uvicorn.run(create_app(ContractState(token=args.token)), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
