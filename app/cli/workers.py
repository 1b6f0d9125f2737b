"""`docket serve --workers N`: how many PostgreSQL connections each serving process may open, so that all fit."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from app.config.database import Database

OWN_CONNECTIONS = 4
"""What a serving process opens besides its pools: two LISTENs (events recorded, read models moved), the watchdog's
probe, and the projector lease (held by the one that projects, tried now and then by the others)."""
HEADROOM = 10
"""Connections left to everything else on the server: `docket project`, `docket migrate`, a relay, psql, monitoring."""
FEWEST_POOLED = 2
"""A worker's pools need one connection each, at the least."""


class TooFewConnections(Exception):
    """Raised when the server's max_connections cannot take the workers asked for."""


@dataclass(frozen=True)
class ConnectionPlan:
    workers: int
    pooled: int
    """Connections in each worker's pools (DOCKET_DATABASE_CONNECTIONS)."""
    max_connections: int
    reserved: int
    """superuser_reserved_connections: not for Docket's role."""

    @property
    def each(self) -> int:
        return self.pooled + OWN_CONNECTIONS

    def __str__(self) -> str:
        used = self.workers * self.each
        left = self.max_connections - self.reserved - used
        return (f"{self.workers} workers x {self.each} PostgreSQL connections ({self.pooled} in pools, "
                f"{OWN_CONNECTIONS} for LISTEN, the watchdog and the projector lease) = {used} of max_connections "
                f"{self.max_connections}; {left} left for other clients")


def plan_connections(workers: int, max_connections: int, reserved: int, wanted: int) -> ConnectionPlan:
    """Each worker's pools get `wanted` connections, or fewer so that every worker, HEADROOM and the superusers'
    reserve fit in max_connections."""
    if wanted < FEWEST_POOLED:
        raise TooFewConnections(f"DOCKET_DATABASE_CONNECTIONS must be {FEWEST_POOLED} or more, not {wanted}")
    room = max_connections - reserved - HEADROOM
    pooled = min(wanted, room // workers - OWN_CONNECTIONS)
    if pooled < FEWEST_POOLED:
        raise TooFewConnections(
            f"PostgreSQL's max_connections {max_connections} ({reserved} reserved for superusers) leaves too few "
            f"connections for {workers} workers of {FEWEST_POOLED + OWN_CONNECTIONS} each and {HEADROOM} for other "
            f"clients: serve with fewer --workers, or raise max_connections"
        )
    return ConnectionPlan(workers, pooled, max_connections, reserved)


def server_limits(database: Database) -> tuple[int, int]:
    """The server's max_connections and superuser_reserved_connections."""
    values = []
    with psycopg.connect(database.conninfo(), connect_timeout=5) as connection:
        for name in ("max_connections", "superuser_reserved_connections"):
            row = connection.execute(f"SHOW {name}").fetchone()
            assert row is not None
            values.append(int(row[0]))
    return values[0], values[1]
