"""An OpenAI-compatible chat-completions server on loopback that judges content against the policy in its prompt.

It stands in for a moderation model in tests, benchmarks and the demo: it reads the policy key from the system
message and the content (text, and the words of image URLs) from the user message, matches them against cues for
each of the policy's criteria, and answers the verdict JSON. It makes the mistakes such models make: it flags
counter-speech that quotes a violation some of the time, misses obfuscated spelling some of the time, and is unsure
on borderline content, so that precision and recall are measured, not fixed. Every choice is a deterministic
function of the content, so a run repeats exactly.

Behaviour is set per model (or for all) at start or by POST /control: latency, and failures (a timeout, HTTP 429 or
500, invalid JSON, an unknown label, a confidence outside [0, 1]) at a rate; `flip_rate` adds wrong verdicts.

    python -m app.automation.test_server --port 8090 --latency 0.2
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import re
import socket
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Self

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

FAILURES = ("timeout", "429", "500", "invalid_json", "unknown_label", "bad_confidence")
KEEP_ALIVE = 60
"""Seconds an idle connection is kept, longer than litellm's pool keeps one (15): a server closing it first (uvicorn's
default is 5) races a client reusing it, and under load the client loses ("Connection error")."""

CUES: dict[str, dict[str, tuple[str, ...]]] = {
    "spam": {
        "SP1": (r"\blink in (every|each)\b", r"(https?://|www\.)\S+.*(https?://|www\.)",
                r"\bclick (here|now|the link)\b", r"\bvisit (my|our) (site|page) now\b"),
        "SP2": (r"\b(buy|get|cheap|free)\b.{0,20}\b(followers|likes|views|subscribers|reviews|saves)\b",
                r"\bfollow ?for ?follow\b", r"\bengagement pod\b"),
        "SP3": (r"\bgift card\b", r"\b(only|just) \d+ left\b", r"\byou (have )?won\b", r"\bposted .* \d+ times\b",
                r"\bact now\b", r"!!!"),
    },
    "harassment": {
        "HR1": (r"\b(worthless|pathetic|idiot|loser|disgusting|ugly|stupid)\b.{0,30}\b(you|she|he|they)\b",
                r"\byou(\'re| are) (a |an )?(worthless|pathetic|idiot|loser|disgusting|ugly|stupid|moron)\b",
                r"\bnobody (likes|wants) you\b"),
        "HR2": (r"\bi know where you live\b", r"\byou(\'ll| will) regret\b", r"\bwatch your back\b",
                r"\b(hurt|kill|beat|find) you\b", r"\bsee you soon\b"),
        "HR3": (r"\b\d+ \w+ (road|street|st|avenue|ave|lane)\b", r"\bher (phone|number|address)( number)? is\b",
                r"\beveryone (go )?(report|spam|message) (her|him|them)\b", r"\bpile on\b"),
    },
    "misleading_claims": {
        "MC1": (r"\bcures?\b", r"\b(lose|lost) \d+ ?(kg|lbs|pounds) in \d+ (days|weeks)\b",
                r"\breverses? (ageing|aging)\b", r"\bdoctors hate\b", r"\bprevents? (cancer|covid|diabetes|disease)\b"),
        "MC2": (r"\bearn \$?\d[\d,]* (a|per) (day|week|month)\b", r"\bguaranteed (income|profit|returns?|earnings)\b",
                r"\bquit your job\b", r"\bpassive income guaranteed\b"),
        "MC3": (r"\b(90|95|99)% off\b", r"\bends (tonight|in \d+ minutes)\b", r"\bfree\b.{0,30}\bjust pay\b",
                r"\blast chance\b.{0,20}\bforever\b"),
    },
    "financial_scams": {
        "FS1": (r"\b(double|triple) your (money|bitcoin|crypto|investment)\b", r"\brisk[- ]free\b",
                r"\bguaranteed (\d+%|returns?|profit)\b", r"\b\d+% (daily|weekly) returns?\b"),
        "FS2": (r"\b(tax office|irs|hmrc|your bank|central bank)\b.{0,40}\b(owed|refund|verify|suspended)\b",
                r"\b(elon|celebrity|famous investor)\b.{0,30}\b(endorse|recommend|reveals?)\b"),
        "FS3": (r"\benter your (card|bank|wallet)\b", r"\bverify your account\b", r"\bseed phrase\b",
                r"\b(card|bank) details to (receive|claim)\b"),
    },
    "counterfeit": {
        "CF1": (r"\b(replica|1:1|mirror quality|aaa grade|super ?copy|fake|knock-?off|dupe)\b",
                r"\bcopy\b.{0,30}\blogo\b"),
        "CF2": (r"\bgenuine\b.{0,40}\b\d{1,2} ?(eur|usd|\$|€)\b", r"\bwholesale lot\b.{0,40}\b(luxury|designer)\b",
                r"\b(luxury|designer)\b.{0,30}\b\d{1,2} ?(eur|usd|\$|€)\b"),
        "CF3": (r"\b(logo|label|tag)s? (added|sewn on|printed)\b", r"\bbrand (logo|label) on (plain|unbranded)\b"),
    },
}
"""For each policy key the model knows, each criterion's cues (regular expressions over lower-case content)."""

COUNTER_SPEECH = (r"\bpsa\b", r"\bwarning\b", r"\bbeware\b", r"\breport(ed|ing)? (this|that|the|them|it)\b",
                  r"\bdo not click\b", r"\bdon'?t (click|buy|fall)\b", r"\bscam alert\b", r"\bsomeone (called|told)\b",
                  r"\bis (a )?(spam|scam)\b", r"\bwatch out\b")
HEDGES = (r"\bmay\b", r"\bmight\b", r"\bcould\b", r"\bsupports?\b", r"\bhelps?\b", r"\binspired by\b")
OBFUSCATED = re.compile(r"\b(?=[\w@$]*[a-z])(?=[\w@$]*[0-9@$])[\w@$]+")
"""A word spelt with digits or symbols for letters; numbers alone are not."""
LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s", "@": "a"})


@dataclass(frozen=True)
class Behaviour:
    """How the server answers a model: after `latency` seconds, failing a `failure_rate` share of requests with
    `failure`, and flipping a `flip_rate` share of its verdicts."""

    latency: float = 0.0
    failure: str | None = None
    failure_rate: float = 1.0
    flip_rate: float = 0.0
    timeout_after: float = 30.0

    def __post_init__(self) -> None:
        if self.failure is not None and self.failure not in FAILURES:
            raise ValueError(f"failure must be one of {', '.join(FAILURES)}, not {self.failure!r}")


@dataclass
class ServerState:
    default: Behaviour = field(default_factory=Behaviour)
    models: dict[str, Behaviour] = field(default_factory=dict)
    requests: Counter[str] = field(default_factory=Counter)

    def behaviour(self, model: str) -> Behaviour:
        return self.models.get(model, self.default)


def judge(
    policy_key: str, criteria: set[str], text: str, image_urls: list[str], flip_rate: float = 0.0
) -> dict[str, Any]:
    """The verdict the server answers: a deterministic function of the policy and the content."""
    words = " ".join(re.sub(r"[^a-z0-9]+", " ", url.lower().rsplit("/", 1)[-1]) for url in image_urls)
    content = f"{text} {words}".lower()
    luck = _unit(f"{policy_key}|{content}")
    if luck < 0.5:  # half the time it reads through obfuscated spelling (f0ll0w3rs); else it misses it
        content = OBFUSCATED.sub(lambda word: word.group().translate(LEET), content)
    cues = CUES.get(policy_key, {})
    hits = {rule: sum(bool(re.search(p, content)) for p in patterns) for rule, patterns in cues.items()}
    cited = sorted(rule for rule, n in hits.items() if n and rule in criteria)
    strength = sum(hits.values())
    countered = any(re.search(p, content) for p in COUNTER_SPEECH)
    hedged = any(re.search(p, content) for p in HEDGES)
    violation = bool(cited)
    if violation and countered and luck > 0.3:  # it tells quoting from doing most of the time, not always
        violation = False
    confidence = _confidence(violation, strength, hedged, luck)
    if _unit(f"flip|{content}") < flip_rate:
        violation = not violation
        confidence = round(0.9 + 0.08 * luck, 3)
    if not violation:
        return {"violation": 0, "policy_category": "none", "rule_ids": [], "confidence": confidence,
                "rationale": "No criterion of the policy is met" + (" (it quotes or warns)." if countered else ".")}
    rules = cited or sorted(criteria)[:1]
    return {"violation": 1, "policy_category": policy_key, "rule_ids": rules, "confidence": confidence,
            "rationale": f"Meets {', '.join(rules)}: " + ", ".join(f"{r} ({hits.get(r, 0)} cues)" for r in rules)}


def _confidence(violation: bool, strength: int, hedged: bool, luck: float) -> float:
    if violation:
        value = 0.62 + 0.12 * min(strength, 3) + 0.04 * luck - (0.2 if hedged else 0.0)
    else:
        value = 0.97 - 0.12 * min(strength, 2) - 0.05 * luck
    return round(min(max(value, 0.5), 0.99), 3)


def _unit(text: str) -> float:
    """A number in [0, 1) that depends only on `text`."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") / 2**64


def _read_prompt(messages: list[dict[str, Any]]) -> tuple[str, set[str], str, list[str]]:
    """The policy key, its criteria ids, the content's text and its image URLs, from the messages."""
    system = next((m["content"] for m in messages if m.get("role") == "system"), "")
    key = re.search(r"^Policy key: (\w+)$", system if isinstance(system, str) else "", re.M)
    criteria = set(re.findall(r"^- ([A-Z][A-Z0-9_-]*): ", system, re.M)) if isinstance(system, str) else set()
    text, images = "", []
    for message in messages:
        if message.get("role") != "user":
            continue
        parts = message["content"] if isinstance(message["content"], list) else [
            {"type": "text", "text": message["content"]}]
        for part in parts:
            if part.get("type") == "text":
                text += part["text"]
            elif part.get("type") == "image_url":
                images.append(part["image_url"]["url"] if isinstance(part["image_url"], dict) else part["image_url"])
    content = re.split(r"\n\n(?:Metadata|Images attached):", text.split("Content to review:\n", 1)[-1])[0]
    return (key.group(1) if key else "unknown"), criteria, content, images


def _failing(state: ServerState, model: str, behaviour: Behaviour) -> bool:
    """Whether this request is one of the `failure_rate` share that fail (spread evenly over the requests)."""
    n = state.requests[model]
    return behaviour.failure is not None and int((n + 1) * behaviour.failure_rate) > int(n * behaviour.failure_rate)


def create_app(state: ServerState | None = None) -> Starlette:
    state = state or ServerState()

    async def completions(request: Request) -> Response:
        body = await request.json()
        model = str(body.get("model", ""))
        behaviour = state.behaviour(model)
        failing = _failing(state, model, behaviour)
        state.requests[model] += 1
        if behaviour.latency:
            await asyncio.sleep(behaviour.latency)
        if failing and behaviour.failure == "timeout":
            await asyncio.sleep(behaviour.timeout_after)
        if failing and behaviour.failure in ("429", "500"):
            status = int(behaviour.failure)
            message = "rate limited" if status == 429 else "the model server failed"
            return JSONResponse({"error": {"message": message, "type": "server_error", "code": status}}, status)
        key, criteria, text, images = _read_prompt(body.get("messages", []))
        verdict = judge(key, criteria, text, images, behaviour.flip_rate)
        answer = json.dumps(verdict)
        if failing and behaviour.failure == "invalid_json":
            answer = "Sure! Here is my verdict: " + answer[: len(answer) // 2]
        elif failing and behaviour.failure == "unknown_label":
            answer = json.dumps(verdict | {"violation": "maybe"})
        elif failing and behaviour.failure == "bad_confidence":
            answer = json.dumps(verdict | {"confidence": 1.7})
        prompt_tokens = sum(len(json.dumps(m)) for m in body.get("messages", [])) // 4
        completion_tokens = len(answer) // 4
        return JSONResponse({
            "id": f"chatcmpl-{hashlib.sha256((model + text).encode()).hexdigest()[:24]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        })

    async def control(request: Request) -> Response:
        """Sets the behaviour: `{"default": {...}}` and/or `{"models": {"name": {...}}}`; answers what is set."""
        body = await request.json()
        try:
            if "default" in body:
                state.default = replace(Behaviour(), **body["default"])
            for name, values in body.get("models", {}).items():
                state.models[name] = replace(Behaviour(), **values)
        except (TypeError, ValueError) as error:
            return JSONResponse({"error": str(error)}, 400)
        models = {name: asdict(b) for name, b in state.models.items()}
        return JSONResponse({"default": asdict(state.default), "models": models, "requests": dict(state.requests)})

    async def models(_: Request) -> Response:
        return JSONResponse({"object": "list", "data": [{"id": "docket-moderator", "object": "model"}]})

    return Starlette(routes=[
        Route("/v1/chat/completions", completions, methods=["POST"]),
        Route("/chat/completions", completions, methods=["POST"]),
        Route("/v1/models", models),
        Route("/control", control, methods=["POST"]),
    ])


class LoopbackServer:
    """An ASGI app on a loopback port, served from a thread of this process until `stop`."""

    def __init__(self, app: Any, name: str = "the test server") -> None:
        self.name = name
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off", backlog=2048, timeout_keep_alive=KEEP_ALIVE)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start within 10 s")
            time.sleep(0.01)
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


class RunningServer(LoopbackServer):
    """The test model server on a loopback port."""

    def __init__(self, state: ServerState | None = None) -> None:
        self.state = state or ServerState()
        super().__init__(create_app(self.state), "the test model server")
        self.url = f"http://127.0.0.1:{self.port}/v1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    args = parser.parse_args()
    app = create_app(ServerState(default=Behaviour(latency=args.latency)))
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", backlog=2048, timeout_keep_alive=KEEP_ALIVE)


if __name__ == "__main__":
    main()
