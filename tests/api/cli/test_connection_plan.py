"""How `docket serve --workers N` shares PostgreSQL's max_connections among its workers."""

import pytest

from app.cli.workers import TooFewConnections, plan_connections
from app.config.database import pool_shares


def test_workers_keep_the_full_pools_while_max_connections_has_room_for_them() -> None:
    plan = plan_connections(2, max_connections=100, reserved=3, wanted=24)

    assert (plan.pooled, plan.each) == (24, 28)
    assert str(plan) == ("2 workers x 28 PostgreSQL connections (24 in pools, 4 for LISTEN, the watchdog and the "
                         "projector lease) = 56 of max_connections 100; 41 left for other clients")
    assert pool_shares(plan.pooled) == (16, 8)


def test_many_workers_share_what_is_left_after_the_reserve_and_the_headroom() -> None:
    plan = plan_connections(8, max_connections=100, reserved=3, wanted=24)

    assert plan.pooled == 6  # (100 - 3 - 10) // 8 - 4
    assert 8 * plan.each <= 100 - 3 - 10
    assert pool_shares(plan.pooled) == (4, 2)


def test_too_many_workers_for_max_connections_are_refused_naming_the_way_out() -> None:
    with pytest.raises(TooFewConnections, match="fewer --workers, or raise max_connections"):
        plan_connections(20, max_connections=100, reserved=3, wanted=24)


def test_pools_smaller_than_one_connection_each_are_refused() -> None:
    with pytest.raises(TooFewConnections, match="DOCKET_DATABASE_CONNECTIONS must be 2 or more, not 1"):
        plan_connections(1, max_connections=100, reserved=3, wanted=1)
