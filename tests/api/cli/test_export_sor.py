"""`docket export-sor`: a period's statements as batch bodies of at most 100 and JSONL, each valid, or a clear no."""

from __future__ import annotations

import json
from pathlib import Path

from projections.statements_of_reasons.validation import violations
from tests.api.ledger_api import decide, settle, subject
from tests.support import Api, Docket

PERIOD = ("--from", "2026-01-01", "--to", "2027-01-01")


def test_the_period_s_statements_are_written_as_batch_bodies_of_at_most_100_and_jsonl(
    api: Api, docket: Docket, tmp_path: Path
) -> None:
    for n in range(103):
        decide(api, subject=subject(f"pin-{n}"), idempotencyKey=f"k-{n}")
    decide(api, subject=subject("pin-cleared"), outcome="NOT_VIOLATING", actions=[])
    settle(api)
    out = tmp_path / "sor"

    code, printed, errors = docket("export-sor", *PERIOD, "--out", str(out))

    assert (code, errors) == (0, "")
    assert "exported 103 statements" in printed
    bodies = [json.loads((out / f"statements-000{n}.json").read_text()) for n in (1, 2)]
    assert [len(b["statements"]) for b in bodies] == [100, 3]
    lines = [json.loads(line) for line in (out / "statements.jsonl").read_text().splitlines()]
    assert lines == bodies[0]["statements"] + bodies[1]["statements"]
    assert len({s["puid"] for s in lines}) == 103
    assert all(violations(s) == [] for s in lines)

    # A later export of a narrower period replaces the files, leaving no batch of the earlier one behind.
    code, printed, _ = docket("export-sor", "--from", "2000-01-01", "--to", "2000-01-02", "--out", str(out))
    assert code == 0 and "exported 0 statements" in printed
    assert sorted(p.name for p in out.iterdir()) == ["statements.jsonl"]


def test_a_period_ending_before_it_starts_or_a_bad_time_is_refused_and_writes_nothing(
    api: Api, docket: Docket, tmp_path: Path
) -> None:
    out = tmp_path / "sor"
    code, _, errors = docket("export-sor", "--from", "2026-03-02", "--to", "2026-03-01", "--out", str(out))
    assert code == 2 and "--to (2026-03-01T00:00:00+00:00) must not be before --from" in errors
    code, _, errors = docket("export-sor", "--from", "March", "--to", "2026-03-01", "--out", str(out))
    assert code == 2 and "'March' is not an ISO 8601 date or time" in errors
    assert not out.exists()


def test_a_place_that_is_no_writable_directory_is_refused_and_nothing_is_written(
    api: Api, docket: Docket, tmp_path: Path
) -> None:
    decide(api)
    settle(api)
    taken = tmp_path / "a-file"
    taken.write_text("mine")

    code, _, errors = docket("export-sor", *PERIOD, "--out", str(taken))
    assert code == 2 and f"--out {taken} is not a directory" in errors
    code, _, errors = docket("export-sor", *PERIOD, "--out", str(taken / "sor"))
    assert code == 2 and f"--out {taken / 'sor'} is not a writable directory" in errors
    assert taken.read_text() == "mine"
