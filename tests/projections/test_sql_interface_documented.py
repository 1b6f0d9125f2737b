"""The read-model tables are a documented SQL interface: migrations/README.md names every table and column."""

import re
from pathlib import Path

from app.read.store import ReadStore

GUIDE = Path(__file__).resolve().parents[2] / "migrations" / "README.md"


def sections() -> dict[str, str]:
    """Each `###` section of the guide, by the tables its heading names."""
    found: dict[str, str] = {}
    for section in re.split(r"^### ", GUIDE.read_text(), flags=re.MULTILINE)[1:]:
        for table in re.findall(r"`([a-z_]+)`", section.splitlines()[0]):
            found[table] = section
    return found


def test_every_table_a_migration_makes_is_named_and_every_column_of_a_described_table_explained(
    store: ReadStore,
) -> None:
    with store.transaction(write=False) as sql:
        sql.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name")
        tables = [str(row[0]) for row in sql.fetchall()]
        columns = {}
        for table in tables:
            sql.execute(f"SELECT name FROM pragma_table_info('{table}')")
            columns[table] = [str(row[0]) for row in sql.fetchall()]
    guide, described = GUIDE.read_text(), sections()
    assert len(tables) > 30

    assert [t for t in tables if f"`{t}`" not in guide] == []
    undocumented = {
        table: missing
        for table, section in described.items() if table in columns
        if (missing := [c for c in columns[table] if f"`{c}`" not in section])
    }
    assert undocumented == {}
    assert set(described) - set(tables) == set(), "a section names a table no migration makes"
