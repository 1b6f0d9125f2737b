from pathlib import Path

from app.graphql.schema import sdl

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_checked_in_schema_matches_the_code() -> None:
    # Re-export with `docket export-schema --output schema.graphql` after changing the API.
    assert SCHEMA_FILE.read_text() == sdl()


def test_positions_and_cursors_are_strings_never_int() -> None:
    text = sdl()
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("position", "minPosition", "cursor", "endCursor", "after")):
            assert "Int" not in stripped, stripped
