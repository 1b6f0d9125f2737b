"""What every resolver can reach: the runtime and the authenticated principal."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from strawberry.types import Info as StrawberryInfo

from app.auth.tokens import Principal
from app.fanout.tail import Tail
from app.graphql.core.answers import Reads
from app.graphql.core.loaders import Loaders
from app.runtime.wiring import Runtime

if TYPE_CHECKING:
    from app.graphql.core.multiplexed import Multiplexed


@dataclass
class Context:
    runtime: Runtime
    principal: Principal
    request: Any
    tail: Tail
    """The newest events' envelopes, shared by the process's `ledgerEvents` subscribers."""
    request_id: str = "-"
    """Names the request in logs and in the masked error a client sees."""
    connection_params: dict[str, Any] | None = None
    """A WebSocket's connection_init payload, where a subscriber may present its token."""
    multiplexed: Multiplexed[Any] | None = None
    """On a WebSocket: what the process's `ledgerEvents` subscribers asking alike share of each event."""
    loaders: Loaders = field(init=False)
    reads: Reads = field(init=False)
    """What the answer depends on, as its fields declare it: whether it may be kept (app/graphql/core/answers.py)."""

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.runtime.store.reader)
        self.reads = Reads(self.runtime.store.reader)

    @property
    def actor(self) -> str:
        return self.principal.name

    @property
    def is_admin(self) -> bool:
        return self.principal.is_admin


Info = StrawberryInfo[Context, None]
