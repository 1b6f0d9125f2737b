"""DOCKET_LADDERS_FILE: an inconsistent file stops `docket` naming the line; a valid one changes standing."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from app.auth.tokens import create_token
from app.config.ladders import SHIPPED_LADDERS, LaddersFileError, load_ladders
from app.config.settings import Settings
from app.http.asgi import create_app
from app.runtime.wiring import open_runtime
from tests.support import Api, MovableClock

DOCKET = str(Path(sys.executable).with_name("docket"))

VALID_HEAD = """\
# A custom ladder file.
[ladders.ads]
strike_lifetime_days = 30
appeal_window_days = 10

[[ladders.ads.rungs]]
points = 1
level = "WARNED"
"""


def run_docket(*args: str, cwd: Path, ladders: Path | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKET_")}
    env["DOCKET_DATABASE_URL"] = f"sqlite:///{cwd / 'docket.db'}"
    if ladders is not None:
        env["DOCKET_LADDERS_FILE"] = str(ladders)
    return subprocess.run([DOCKET, *args], check=False, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the n-th line that starts with `needle`."""
    found = [n for n, line in enumerate(text.splitlines(), start=1) if line.startswith(needle)]
    return found[occurrence - 1]


INCONSISTENT = {
    "overlapping thresholds": (
        VALID_HEAD + """
[[ladders.ads.rungs]]
points = 2
level = "RESTRICTED"
penalty = "FEATURE_LIMIT"
duration_days = 7

[[ladders.ads.rungs]]
points = 2
level = "SUSPENDED"
penalty = "SUSPENSION"
""",
        3,
        "rung at 2 points overlaps the rung at 2 points",
    ),
    "a descending threshold": (
        VALID_HEAD + """
[[ladders.ads.rungs]]
points = 3
level = "SUSPENDED"
penalty = "SUSPENSION"

[[ladders.ads.rungs]]
points = 2
level = "RESTRICTED"
penalty = "FEATURE_LIMIT"
""",
        3,
        "rung at 2 points overlaps the rung at 3 points",
    ),
    "a negative duration": (
        VALID_HEAD + """
[[ladders.ads.rungs]]
points = 2
level = "RESTRICTED"
penalty = "FEATURE_LIMIT"
duration_days = -7
""",
        2,
        "the duration must be positive",
    ),
    "a duration over a century": (
        VALID_HEAD + """
[[ladders.ads.rungs]]
points = 2
level = "SUSPENDED"
penalty = "SUSPENSION"
duration_days = 36501
""",
        2,
        "the duration must be positive and at most 36500 days",
    ),
    "a SUSPENDED rung without a penalty": (
        VALID_HEAD + """
[[ladders.ads.rungs]]
points = 2
level = "RESTRICTED"
penalty = "FEATURE_LIMIT"

[[ladders.ads.rungs]]
points = 3
level = "SUSPENDED"
""",
        3,
        "level SUSPENDED needs a penalty",
    ),
    "a penalty of another level": (
        VALID_HEAD + """
[[ladders.ads.rungs]]
points = 2
level = "RESTRICTED"
penalty = "SUSPENSION"
""",
        2,
        "a SUSPENSION gives level SUSPENDED",
    ),
    "a threshold of zero": (
        """
[ladders.ads]

[[ladders.ads.rungs]]
points = 0
level = "WARNED"
""",
        1,
        "thresholds start at 1",
    ),
    "an unknown level": (
        VALID_HEAD + """
[[ladders.ads.rungs]]
points = 2
level = "BANNED"
""",
        2,
        "malformed rung",
    ),
    "fractional points": (
        VALID_HEAD + """
[[ladders.ads.rungs]]
points = 2.5
level = "RESTRICTED"
penalty = "FEATURE_LIMIT"
""",
        2,
        "points must be a whole number, not 2.5",
    ),
    "features given as one string": (
        VALID_HEAD + """
[[ladders.ads.rungs]]
points = 2
level = "RESTRICTED"
penalty = "FEATURE_LIMIT"
features = "new_ads"
""",
        2,
        "features must be a list of names",
    ),
    "a rung without points": (
        VALID_HEAD + """
[[ladders.ads.rungs]]
level = "RESTRICTED"
penalty = "FEATURE_LIMIT"
""",
        2,
        "malformed rung",
    ),
    "an unknown rung key": (
        VALID_HEAD + """
[[ladders.ads.rungs]]
points = 2
level = "RESTRICTED"
penalty = "FEATURE_LIMIT"
duraton_days = 7
""",
        2,
        "unknown keys duraton_days",
    ),
    "a DSA decision a penalty cannot be": (
        VALID_HEAD + """
[[ladders.ads.rungs]]
points = 2
level = "RESTRICTED"
penalty = "FEATURE_LIMIT"
dsa_decision = "DECISION_MONETARY_OTHER"
""",
        2,
        "rung at 2 points: dsa_decision must be one of DECISION_ACCOUNT_SUSPENDED",
    ),
    "a DSA decision without a penalty": (
        VALID_HEAD.replace('level = "WARNED"', 'level = "WARNED"\ndsa_decision = "DECISION_ACCOUNT_SUSPENDED"'),
        1,
        "rung at 1 points: dsa_decision must be one of",
    ),
}


@pytest.mark.parametrize("problem", list(INCONSISTENT))
def test_docket_refuses_an_inconsistent_ladders_file_naming_the_file_and_the_rung_line(
    problem: str, tmp_path: Path
) -> None:
    text, rung, message = INCONSISTENT[problem]
    # Another ladder first, so that the line is not simply counted from the top of the ads ladder.
    text = '[ladders.shopping]\n\n[[ladders.shopping.rungs]]\npoints = 1\nlevel = "WARNED"\n\n' + text
    ladders = tmp_path / "ladders.toml"
    ladders.write_text(text)

    result = run_docket("migrate", cwd=tmp_path, ladders=ladders)

    assert result.returncode == 2, result.stdout + result.stderr
    expected_line = line_of(text, "[[ladders.ads.rungs]]", rung)
    assert f"docket: {ladders}:{expected_line}: ladders.ads: " in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "docket.db").exists()  # refused before touching the database


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("strike_lifetime_days = -1", "the strike lifetime must be positive"),
        ("appeal_window_days = 0", "the appeal window must be positive"),
        ("strike_lifetime_days = 36501", "the strike lifetime must be positive and at most 36500 days"),
        ("appeal_window_days = 36501", "the appeal window must be positive and at most 36500 days"),
        ("severity_weights = { HIGH = -2 }", "the severity weight of HIGH must not be negative"),
        ("strike_lifetme_days = 30", "unknown keys strike_lifetme_days"),
    ],
)
def test_docket_refuses_a_ladder_setting_naming_the_ladder_table_line(
    table: str, message: str, tmp_path: Path
) -> None:
    text = (
        '# comment\n[ladders.shopping]\n[[ladders.shopping.rungs]]\npoints = 1\nlevel = "WARNED"\n\n'
        f'[ladders.ads]\n{table}\n[[ladders.ads.rungs]]\npoints = 1\nlevel = "WARNED"\n'
    )
    ladders = tmp_path / "custom.toml"
    ladders.write_text(text)

    result = run_docket("export-schema", cwd=tmp_path, ladders=ladders)

    assert result.returncode == 2
    assert f"docket: {ladders}:7: ladders.ads: {message}" in result.stderr
    assert result.stdout == ""


def test_docket_refuses_a_ladders_file_that_is_not_toml_or_is_missing(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('[ladders.ads]\nstrike_lifetime_days = \n')
    result = run_docket("migrate", cwd=tmp_path, ladders=broken)
    assert result.returncode == 2
    assert f"docket: {broken}: " in result.stderr and "line 2" in result.stderr
    assert "Traceback" not in result.stderr

    missing = tmp_path / "missing.toml"
    result = run_docket("migrate", cwd=tmp_path, ladders=missing)
    assert result.returncode == 2, result.stderr
    assert str(missing) in result.stderr
    assert "Traceback" not in result.stderr


def test_docket_accepts_a_valid_custom_ladders_file(tmp_path: Path) -> None:
    ladders = tmp_path / "ladders.toml"
    ladders.write_text(SUSPEND_AT_TWO)
    result = run_docket("migrate", cwd=tmp_path, ladders=ladders)
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout


def test_the_shipped_ladders_file_loads_and_the_loader_names_the_line_of_a_broken_copy(tmp_path: Path) -> None:
    ladders = load_ladders(SHIPPED_LADDERS)
    assert set(ladders.by_domain) == {"trust_safety", "ads", "shopping", "monetization"}
    assert [r.points for r in ladders("trust_safety").rungs] == [1, 2, 7, 8, 9, 10]
    text = SHIPPED_LADDERS.read_text()
    broken = tmp_path / "ladders.toml"
    broken.write_text(text.replace("duration_days = 7\nfeatures", "duration_days = -7\nfeatures"))
    # The ads hold is the ladder's second rung.
    line = line_of(text, "[[ladders.ads.rungs]]", 2)
    with pytest.raises(LaddersFileError, match=rf"^{broken}:{line}: ladders\.ads: rung at 2 points: "):
        load_ladders(broken)


# A valid custom file changes standing through the app.

SUSPEND_AT_TWO = """\
# Ads suspend at the second strike, for ten days; strikes live 30 days. trust_safety is not
# configured, so it falls back to the default ladder: strikes only warn.
[ladders.ads]
strike_lifetime_days = 30
appeal_window_days = 5

[[ladders.ads.rungs]]
points = 1
level = "WARNED"

[[ladders.ads.rungs]]
points = 2
level = "SUSPENDED"
penalty = "SUSPENSION"
duration_days = 10
"""

DECIDE = """
mutation($i: DecideInput!) { decide(input: $i) {
  __typename ... on Decision { id position strike { expiresAt } } } }
"""
ACCOUNT = """
query($id: String!, $p: String) { account(id: $id, minPosition: $p) {
  standing { level strikePoints penalty { kind endsAt } explanation } } }
"""
FILE = """
mutation($i: FileAppealInput!) { fileAppeal(input: $i) { __typename ... on ValidationError { message field } } }
"""


@pytest.fixture
def custom_api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    """The app with the custom ladders file, on SQLite and on PostgreSQL."""
    ladders = tmp_path / "ladders.toml"
    ladders.write_text(SUSPEND_AT_TWO)
    tokens_file = tmp_path / "tokens.toml"
    token = create_token(tokens_file, "alice", ["admin"], ["*"])
    clock = MovableClock()
    settings = Settings(database_url=database_url, tokens_file=tokens_file, ladders_file=ladders)
    open_runtime(settings, clock=clock).close()
    with TestClient(create_app(settings, clock=clock)) as client:
        yield Api(client=client, token=token, clock=clock, tokens={"alice": token}, tokens_file=tokens_file)


def _strike(api: Api, domain: str, item: str, account: str) -> dict[str, Any]:
    policy, action, kind = {"ads": ("misleading_claims", "REJECT_AD", "ad"),
                            "trust_safety": ("spam", "REMOVE", "post")}[domain]
    variables = {"i": {"subject": {"domain": domain, "kind": kind, "id": item}, "accountId": account,
                       "policy": policy, "outcome": "VIOLATING", "actions": [{"type": action}],
                       "rationale": "reviewed"}}
    made = api.data(DECIDE, variables)["decide"]
    assert made["__typename"] == "Decision", made
    return dict(made)


def test_a_custom_ladders_file_suspends_ads_at_two_points_and_leaves_other_domains_on_the_default(
    custom_api: Api,
) -> None:
    api = custom_api
    t0 = api.clock.now
    first = _strike(api, "ads", "ad-1", "adv")
    assert first["strike"]["expiresAt"] == (t0 + timedelta(days=30)).isoformat()
    second = _strike(api, "ads", "ad-2", "adv")
    standing = api.data(ACCOUNT, {"id": "adv", "p": second["position"]})["account"]["standing"]
    assert standing["level"] == "SUSPENDED"
    assert standing["penalty"] == {"kind": "SUSPENSION", "endsAt": (t0 + timedelta(days=10)).isoformat()}
    assert "2+ points: SUSPENDED, suspension for 10 days" in standing["explanation"]

    api.clock.advance(timedelta(days=10))
    assert api.data(ACCOUNT, {"id": "adv"})["account"]["standing"]["level"] == "WARNED"
    api.clock.advance(timedelta(days=20))
    assert api.data(ACCOUNT, {"id": "adv"})["account"]["standing"]["level"] == "GOOD"

    # The custom five-day appeal window applies.
    refused = api.data(FILE, {"i": {"decisionId": second["id"], "statement": "please"}})["fileAppeal"]
    assert refused["__typename"] == "ValidationError" and "window" in refused["message"]

    # trust_safety is not in the file: the default ladder, where strikes only warn (shipped: restricted).
    for n in range(3):
        made = _strike(api, "trust_safety", f"post-{n}", "poster")
    standing = api.data(ACCOUNT, {"id": "poster", "p": made["position"]})["account"]["standing"]
    assert (standing["level"], standing["strikePoints"], standing["penalty"]) == ("WARNED", 3, None)
