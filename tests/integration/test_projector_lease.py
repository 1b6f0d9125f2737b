"""The projector lease: one holder per database at a time, freed when its holder lets go or its session dies."""

from __future__ import annotations

import psycopg
import pytest

from app.config.database import Database
from app.read.lease import projector_lease


def test_one_process_holds_a_databases_lease_at_a_time_until_it_lets_go(database_url: str) -> None:
    database = Database.parse(database_url)
    first, second = projector_lease(database), projector_lease(database)
    try:
        assert first.acquire() is True
        assert second.acquire() is False
        assert first.acquire() is True  # still held
        first.release()
        assert second.acquire() is True
        assert first.acquire() is False
    finally:
        first.release()
        second.release()


@pytest.mark.postgres
def test_each_schema_has_a_lease_of_its_own(postgres_url: str, postgres_database: str) -> None:
    other_schema = f"{Database.parse(postgres_url).schema}_other"
    with psycopg.connect(postgres_database, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{other_schema}"')
    leases = [projector_lease(Database.parse(postgres_url)),
              projector_lease(Database.parse(f"{postgres_database}?schema={other_schema}"))]
    try:
        assert [lease.acquire() for lease in leases] == [True, True]
    finally:
        for lease in leases:
            lease.release()


@pytest.mark.postgres
def test_a_holder_whose_session_ended_finds_its_lease_lost_and_another_takes_it(postgres_url: str) -> None:
    database = Database.parse(postgres_url)
    holder, waiting = projector_lease(database), projector_lease(database)
    try:
        assert holder.acquire() is True
        with psycopg.connect(database.conninfo(), autocommit=True) as connection:
            ended = connection.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND objid = (hashtext(%s)::bigint & 4294967295)", (f"docket-projector:{database.schema}",)
            ).fetchone()
        assert ended == (1,)
        assert waiting.acquire() is True
        assert holder.acquire() is False
    finally:
        holder.release()
        waiting.release()
