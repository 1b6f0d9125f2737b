from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config.database import Database
from app.read.migrations import migrate
from app.read.store import ReadStore, open_read_store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ReadStore]:
    """A SQLite read store with every migration applied, as `docket migrate` leaves it."""
    read_store = open_read_store(Database.parse(f"sqlite:///{tmp_path / 'p.db'}"))
    migrate(read_store)
    yield read_store
    read_store.close()
