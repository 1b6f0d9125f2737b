"""`docket automate` as operators run it, on PostgreSQL, against the bundled test model server on 127.0.0.1: every
pipeline detection with content judged once by each active rule, after a SIGKILL mid-run and a restart too; SHADOW
records verdicts and changes nothing else, AUTO decides, and no verdict sets off a rule again."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from uuid import UUID

import pytest

from app.automation.test_server import Behaviour, RunningServer
from app.config.settings import Settings
from app.runtime.automation_feed import saved_position
from app.runtime.wiring import Runtime, open_runtime
from bench.servers import worker
from domain.automation import AutomationMode
from domain.case import Case
from domain.values import AutomationLevel
from tests.conftest import MODEL_KEY_ENV
from tests.pipeline_automation import BENIGN, SPAM, key, pipeline_detection, rule, verdicts

DEADLINE = 120.0
THREATS = "I know where you live, watch your back"


@pytest.fixture
def runtime(postgres_url: str) -> Iterator[Runtime]:
    runtime = open_runtime(Settings(database_url=postgres_url))
    yield runtime
    runtime.close()


def automate(postgres_url: str, cwd: Path, *args: str) -> AbstractContextManager[subprocess.Popen[str]]:
    """`docket automate` in the background, with the key its rules name; killed at the end if still running."""
    return worker(postgres_url, cwd, "--concurrency", "3", *args, command="automate",
                  **{MODEL_KEY_ENV: "sk-local-test"})


def logs(cwd: Path) -> str:
    return "\n".join(p.read_text() for p in sorted(cwd.glob("automate-*.stderr")))


def automated_decisions(runtime: Runtime) -> Counter[UUID]:
    """How many fully automated decisions each case has."""
    return Counter(e.event.originator_id for e in runtime.ledger.read_events(0, 100_000)
                   if isinstance(e.event, Case.Decided) and e.event.decision.automation is AutomationLevel.FULLY)


def judging_processes(cwd: Path) -> set[int]:
    """The process ids of the judging processes the logs say started."""
    return {int(pid) for pid in re.findall(r"judging process (\d+) started", logs(cwd))}


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def shadow_rule_and_detections(runtime: Runtime, models: RunningServer, model: str, count: int
                               ) -> tuple[UUID, list[str], int]:
    """A SHADOW spam rule asking `model`, the pins of `count` pipeline detections with spam for it to judge, and the
    position they were recorded at."""
    shadow = rule(runtime.ledger, models, "spam", model, AutomationMode.SHADOW)
    pins = [f"p{n}" for n in range(count)]
    runtime.ledger.record_detections([pipeline_detection(p, "spam", SPAM) for p in pins], "svc:classifier")
    return shadow, pins, runtime.ledger.head()


def until(condition: Callable[[], bool], what: str, process: subprocess.Popen[str], cwd: Path) -> None:
    ends = time.monotonic() + DEADLINE
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"docket automate exited with {process.returncode} before {what}:\n{logs(cwd)}")
        if time.monotonic() > ends:
            pytest.fail(f"waited {DEADLINE:g}s for {what}:\n{logs(cwd)}")
        time.sleep(0.1)


@pytest.mark.postgres
def test_each_active_rule_judges_each_pipeline_detection_once_across_a_kill_and_a_restart(
    runtime: Runtime, postgres_url: str, models: RunningServer, tmp_path: Path
) -> None:
    models.state.default = Behaviour(latency=0.3)
    shadow = rule(runtime.ledger, models, "spam", "spam-shadow", AutomationMode.SHADOW)
    auto = rule(runtime.ledger, models, "spam", "spam-auto", AutomationMode.AUTO)
    rule(runtime.ledger, models, "spam", "spam-off", AutomationMode.OFF)
    watcher = rule(runtime.ledger, models, "harassment", "harassment-shadow", AutomationMode.SHADOW)
    spam = [f"s{n}" for n in range(24)]
    threats = [f"h{n}" for n in range(6)]
    batch = [pipeline_detection(pin, "spam", SPAM if n % 2 else BENIGN) for n, pin in enumerate(spam)]
    batch += [pipeline_detection(pin, "harassment", THREATS) for pin in threats]
    batch += [pipeline_detection(f"q{n}", "spam", None) for n in range(4)]  # nothing for the rules to judge
    runtime.ledger.record_detections(batch, "svc:classifier")
    expected = {(str(r), key(p)) for r in (shadow, auto) for p in spam}
    expected |= {(str(watcher), key(p)) for p in threats}
    recorded = runtime.ledger.head()

    with automate(postgres_url, tmp_path) as first:
        until(lambda: len(verdicts(runtime.ledger)) >= 8, "the first verdicts", first, tmp_path)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=15)
    killed_at = len(verdicts(runtime.ledger))
    with automate(postgres_url, tmp_path) as second:
        until(lambda: saved_position(runtime.store) >= recorded, "every detection judged", second, tmp_path)
        time.sleep(1.0)  # a second judging of any detection would record its verdicts by now
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0, logs(tmp_path)

    found = verdicts(runtime.ledger)
    judged = Counter((f.evidence["automation"]["rule"], f.subject.key) for f in found)
    assert killed_at < len(expected)
    assert set(judged) == expected
    assert max(judged.values()) == 1
    assert all("verdict" in f.evidence["automation"] for f in found)  # none failed
    shadows = [f for f in found if f.evidence["automation"]["mode"] == "SHADOW"]
    assert len(shadows) == len(spam) + len(threats)
    assert {(f.evidence["automation"]["outcome"], f.for_review) for f in shadows} == {("RECORDED", False)}
    deciding = [f for f in found if f.evidence["automation"]["outcome"] == "DECIDED"]
    assert {f.evidence["automation"]["rule"] for f in deciding} == {str(auto)}
    assert {f.subject.key for f in deciding} == {key(p) for n, p in enumerate(spam) if n % 2}
    assert automated_decisions(runtime) == Counter(Case.create_id(f.subject) for f in deciding)


@pytest.mark.postgres
def test_a_failing_provider_is_recorded_as_failed_classifications_sent_to_people_and_the_worker_goes_on(
    runtime: Runtime, postgres_url: str, models: RunningServer, tmp_path: Path
) -> None:
    models.state.models["spam-down"] = Behaviour(failure="500")
    auto = rule(runtime.ledger, models, "spam", "spam-down", AutomationMode.AUTO)
    pins = [f"f{n}" for n in range(3)]
    runtime.ledger.record_detections([pipeline_detection(p, "spam", SPAM) for p in pins], "svc:classifier")
    recorded = runtime.ledger.head()

    with automate(postgres_url, tmp_path) as process:
        until(lambda: saved_position(runtime.store) >= recorded, "every detection judged", process, tmp_path)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, logs(tmp_path)

    found = verdicts(runtime.ledger)
    assert sorted(f.subject.key for f in found) == sorted(key(p) for p in pins)
    assert {f.evidence["automation"]["rule"] for f in found} == {str(auto)}
    assert all("InternalServerError" in f.evidence["automation"]["failed"] for f in found)
    assert {(f.evidence["automation"]["outcome"], f.for_review) for f in found} == {("QUEUED", True)}
    assert automated_decisions(runtime) == Counter()


@pytest.mark.postgres
def test_a_second_follower_stands_by_so_no_model_is_asked_twice(
    runtime: Runtime, postgres_url: str, models: RunningServer, tmp_path: Path
) -> None:
    shadow, pins, recorded = shadow_rule_and_detections(runtime, models, "spam-pair", 12)

    with automate(postgres_url, tmp_path) as first, automate(postgres_url, tmp_path) as second:
        until(lambda: saved_position(runtime.store) >= recorded, "every detection judged", first, tmp_path)
        time.sleep(1.0)  # a follower judging beside the other would have asked the model by now
        for process in (first, second):
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0, logs(tmp_path)

    assert models.state.requests["spam-pair"] == len(pins)
    assert sorted(f.subject.key for f in verdicts(runtime.ledger)) == sorted(key(p) for p in pins)
    assert {f.evidence["automation"]["rule"] for f in verdicts(runtime.ledger)} == {str(shadow)}
    assert "another process works for this database; standing by" in logs(tmp_path)


@pytest.mark.postgres
def test_judging_processes_share_the_detections_once_each_and_end_with_a_killed_follower(
    runtime: Runtime, postgres_url: str, models: RunningServer, tmp_path: Path
) -> None:
    shadow, pins, recorded = shadow_rule_and_detections(runtime, models, "spam-shared", 16)

    with automate(postgres_url, tmp_path, "--processes", "2") as process:
        until(lambda: saved_position(runtime.store) >= recorded, "every detection judged", process, tmp_path)
        judging = judging_processes(tmp_path)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=15)
    ends = time.monotonic() + DEADLINE
    while any(running(pid) for pid in judging) and time.monotonic() < ends:
        time.sleep(0.1)

    assert len(judging) == 2 and process.pid not in judging, logs(tmp_path)
    assert not any(running(pid) for pid in judging)
    assert models.state.requests["spam-shared"] == len(pins)
    found = verdicts(runtime.ledger)
    assert sorted(f.subject.key for f in found) == sorted(key(p) for p in pins)
    assert {f.evidence["automation"]["rule"] for f in found} == {str(shadow)}
