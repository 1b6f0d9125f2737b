"""One attempt: the envelope POSTed to an endpoint, signed as Standard Webhooks says, and what came back.

`webhook-id` is the event's id (the same on every attempt, and the receiver's idempotency key), `webhook-timestamp` the
moment of this attempt, and `webhook-signature` one `v1,<base64 HMAC-SHA256>` of `id.timestamp.body` per secret that
signs now, space-separated: during a rotation's grace period both the new and the replaced secret sign.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

import httpcore
import httpx
from standardwebhooks.webhooks import Webhook as Signer

from app.fanout.webhooks.outbox import MAX_EXCERPT
from app.fanout.webhooks.targets import CheckedNetwork, TargetRefused, Targets

USER_AGENT = "docket-webhooks/1"


@dataclass(frozen=True)
class Answer:
    """What an attempt got: a status code and the start of the body, or the error that stopped it."""

    status_code: int | None
    latency_ms: float
    excerpt: str | None
    error: str | None
    retry_after: str | None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def webhook_client(targets: Targets, timeout: float) -> httpx.AsyncClient:
    """The client the deliverer sends with: no redirects, no proxies from the environment, and connections made
    only to checked addresses."""
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=1_000)
    return httpx.AsyncClient(transport=_CheckedTransport(targets, limits), follow_redirects=False, timeout=timeout,
                             trust_env=False)


class _CheckedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, targets: Targets, limits: httpx.Limits) -> None:
        super().__init__(limits=limits, trust_env=False)
        # httpx takes no network backend of its own; its pool, which does, is made again with CheckedNetwork.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False), max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=limits.keepalive_expiry,
            network_backend=CheckedNetwork(targets),
        )


@lru_cache(maxsize=1024)
def _signer(secret: str) -> Signer:
    return Signer(secret)


def signed_headers(event_id: str, body: bytes, secrets: list[str], at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt at `at`."""
    signatures = " ".join(_signer(s).sign(event_id, at, body) for s in secrets)
    return {
        "webhook-id": event_id, "webhook-timestamp": str(int(at.timestamp())), "webhook-signature": signatures,
        "content-type": "application/json", "user-agent": USER_AGENT,
    }


async def send(
    client: httpx.AsyncClient, targets: Targets, url: str, event_id: str, body: bytes, secrets: list[str],
    timeout: float,
) -> Answer:
    """POSTs `body` once, within `timeout` seconds all told; never raises for what the endpoint does."""
    started = time.perf_counter()

    def answer(status: int | None = None, excerpt: str | None = None, error: str | None = None,
               retry_after: str | None = None) -> Answer:
        return Answer(status, (time.perf_counter() - started) * 1000, excerpt, error, retry_after)

    try:
        async with asyncio.timeout(timeout):
            targets.check_url(url)  # the rules of now; the address is checked as the connection is made
            # Signed as late as possible: the receiver holds the timestamp to a tolerance (5 minutes).
            headers = signed_headers(event_id, body, secrets, datetime.now(UTC))
            async with client.stream("POST", url, content=body, headers=headers) as response:
                excerpt = await _excerpt(response)
                return answer(response.status_code, excerpt, retry_after=response.headers.get("retry-after"))
    except TargetRefused as refused:
        return answer(error=f"refused: {refused.message}")
    except TimeoutError:
        return answer(error=f"no answer within {timeout:g}s")
    except httpx.HTTPError as error:
        return answer(error=f"{type(error).__name__}: {error}"[:MAX_EXCERPT])


async def _excerpt(response: httpx.Response) -> str:
    """The start of the body, up to MAX_EXCERPT bytes: a huge body is neither read whole nor kept."""
    read = b""
    async for chunk in response.aiter_bytes():
        read += chunk
        if len(read) >= MAX_EXCERPT:
            break
    return read[:MAX_EXCERPT].decode("utf-8", errors="replace")
